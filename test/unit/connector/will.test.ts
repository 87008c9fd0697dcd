import { encodeWillPayload } from '../../../src/connector/will';
import { InvalidOptionsError, MqttConnector } from '../../../src/index';

describe('the will payload', () => {
  it('is encoded like a publish: text as UTF-8, bytes as they are, other values as JSON', () => {
    expect(new TextDecoder().decode(encodeWillPayload('offline', 'w'))).toBe('offline');
    expect(encodeWillPayload(new Uint8Array([1, 2]), 'w')).toEqual(new Uint8Array([1, 2]));
    expect(new TextDecoder().decode(encodeWillPayload({ online: false }, 'w'))).toBe('{"online":false}');
  });

  it('that JSON cannot carry faithfully is refused in the constructor with INVALID_OPTIONS', () => {
    expect(() => new MqttConnector({ will: { topic: 'w', payload: { n: 1n } } })).toThrow(
      InvalidOptionsError,
    );
    expect(() => new MqttConnector({ will: { topic: 'w', payload: Number.NaN } })).toThrow(/will.payload/);
  });
});
