/**
 * Encoding of the will payload: the same rules as publish (string as UTF-8, bytes as they are,
 * anything else as JSON).
 *
 * @internal
 */
import { InvalidOptionsError } from './errors.js';

export function encodeWillPayload(payload: unknown): Uint8Array {
  if (typeof payload === 'string') return new TextEncoder().encode(payload);
  if (payload instanceof Uint8Array) return payload;
  if (payload instanceof ArrayBuffer) return new Uint8Array(payload);
  if (ArrayBuffer.isView(payload))
    return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  let text: string | undefined;
  try {
    text = JSON.stringify(payload);
  } catch (error) {
    throw new InvalidOptionsError(`will.payload cannot be encoded as JSON: ${(error as Error).message}`);
  }
  if (text === undefined)
    throw new InvalidOptionsError('will.payload must be a string, bytes or a JSON value');
  return new TextEncoder().encode(text);
}
