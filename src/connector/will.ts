/**
 * The will payload, encoded by the same rules as `publish()` (string as UTF-8, bytes as they are, any
 * other value as strict JSON); a value those rules refuse is a bad option.
 *
 * @internal
 */
import { encodeMessage } from '../streams/encode.js';
import { InvalidOptionsError, MqttConnectorError } from './errors.js';

export function encodeWillPayload(payload: unknown, topic: string): Uint8Array {
  try {
    return encodeMessage(payload, topic).bytes;
  } catch (error) {
    const reason = error instanceof MqttConnectorError ? error.message : String(error);
    throw new InvalidOptionsError(`will.payload cannot be encoded: ${reason}`);
  }
}
