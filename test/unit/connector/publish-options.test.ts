import { InvalidOptionsError, MqttConnector } from '../../../src/index';

describe('publish options given to the connector', () => {
  it.each([[0], [65_536], [1.5], [Number.POSITIVE_INFINITY]])(
    'refuses maxInFlight %p in the constructor with INVALID_OPTIONS naming the range',
    (maxInFlight) => {
      let error: unknown;
      try {
        new MqttConnector({ maxInFlight });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidOptionsError);
      expect((error as InvalidOptionsError).code).toBe('INVALID_OPTIONS');
      expect((error as Error).message).toMatch(/maxInFlight must be a whole number from 1 to 65,535/);
    },
  );
});
