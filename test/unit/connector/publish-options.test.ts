import { MqttConnector } from '../../../src/index';

describe('publish options given to the connector', () => {
  it.each([[0], [65_536], [1.5], [Number.POSITIVE_INFINITY]])(
    'refuses maxInFlight %p in the constructor with INVALID_OPTIONS naming the range',
    (maxInFlight) => {
      expect(() => new MqttConnector({ maxInFlight })).toThrow(
        expect.objectContaining({
          code: 'INVALID_OPTIONS',
          message: expect.stringMatching(/maxInFlight must be a whole number from 1 to 65,535/),
        }),
      );
    },
  );
});
