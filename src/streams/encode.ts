/**
 * Message → bytes. The rules (also in the README):
 * - bytes (`Uint8Array`, Node's `Buffer`, `ArrayBuffer`, any other `ArrayBufferView`) are sent as they are,
 *   without a copy: do not modify them until the publish settles;
 * - a string is sent as UTF-8 (a lone surrogate is refused: UTF-8 cannot carry it);
 * - anything else is JSON, strictly: values JSON would silently change are refused with `ENCODE_FAILED`
 *   instead of sent altered (see {@link encodeJson});
 * - a custom encoder, when configured, receives every message that is not bytes.
 *
 * @internal
 */
import { EncodeError, MqttConnectorError } from '../connector/errors.js';
import type { Encoder } from '../connector/types.js';
import { isWellFormed } from './topic-name.js';

/** How a payload was produced; decides the MQTT 5 properties added to it. */
export type PayloadKind = 'bytes' | 'text' | 'json' | 'custom';

/** An encoded message. */
export interface EncodedPayload {
  readonly bytes: Uint8Array;
  readonly kind: PayloadKind;
  /** True when the bytes are UTF-8 text (MQTT 5 payload format indicator). */
  readonly utf8: boolean;
}

const utf8Encoder = new TextEncoder();

/** `message` as bytes, or `undefined` when it is not a binary value. */
export function asBytes(message: unknown): Uint8Array | undefined {
  if (message instanceof Uint8Array) return message;
  if (message instanceof ArrayBuffer) return new Uint8Array(message);
  if (ArrayBuffer.isView(message))
    return new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
  return undefined;
}

/**
 * Encodes `text` as UTF-8.
 *
 * @throws EncodeError when `text` contains a lone surrogate (it would silently become U+FFFD).
 */
export function encodeText(text: string): Uint8Array {
  if (!isWellFormed(text)) {
    throw new EncodeError('Cannot encode a string with a lone surrogate as UTF-8 (it would be altered)');
  }
  return utf8Encoder.encode(text);
}

/**
 * Encodes a message with the default rules, or `encoder` for everything that is not bytes.
 *
 * @throws EncodeError when the message cannot be encoded faithfully or the encoder fails.
 */
export function encodeMessage(message: unknown, topic: string, encoder?: Encoder): EncodedPayload {
  const bytes = asBytes(message);
  if (bytes) return { bytes, kind: 'bytes', utf8: false };
  if (encoder) return encodeCustom(message, topic, encoder);
  if (typeof message === 'string') return { bytes: encodeText(message), kind: 'text', utf8: true };
  return { bytes: utf8Encoder.encode(encodeJson(message)), kind: 'json', utf8: true };
}

function encodeCustom(message: unknown, topic: string, encoder: Encoder): EncodedPayload {
  let encoded: unknown;
  try {
    encoded = encoder(message, topic);
  } catch (error) {
    if (error instanceof MqttConnectorError) throw error;
    throw new EncodeError(`The encoder failed: ${errorText(error)}`, { cause: error });
  }
  if (typeof encoded === 'string') return { bytes: encodeText(encoded), kind: 'custom', utf8: true };
  const bytes = asBytes(encoded);
  if (bytes) return { bytes, kind: 'custom', utf8: false };
  throw new EncodeError(`The encoder returned ${typeof encoded}, expected a Uint8Array or a string`);
}

/**
 * Strict JSON: like `JSON.stringify`, but refuses (with {@link EncodeError}) what JSON would silently
 * alter or lose instead of sending a different value:
 * - `undefined` at the top level or as an array element (JSON writes `null`); a property whose value is
 *   `undefined` is left out, as JSON does: reading it back gives `undefined` too;
 * - `NaN`, `Infinity`, `-Infinity` (JSON writes `null`), BigInt, functions, symbols;
 * - `Map`, `Set`, `WeakMap`, `WeakSet`, `RegExp`, `Error`, `Promise` (JSON writes `{}`), binary values
 *   nested in JSON (a `Uint8Array` would become `{"0":…}`), invalid Dates (JSON writes `null`);
 * - circular structures.
 * Objects with a `toJSON` method are encoded by it (their declared JSON form): a `Date` becomes its
 * ISO 8601 string.
 *
 * @throws EncodeError as above.
 */
export function encodeJson(value: unknown): string {
  if (value === undefined) throw new EncodeError('Cannot encode undefined: JSON has no undefined value');
  let text: string | undefined;
  try {
    text = JSON.stringify(value, strictReplacer);
  } catch (error) {
    if (error instanceof MqttConnectorError) throw error;
    throw new EncodeError(`Cannot encode the message as JSON: ${errorText(error)}`, { cause: error });
  }
  // Only reached for values like a top-level toJSON() returning undefined.
  if (text === undefined) throw new EncodeError('Cannot encode the message: JSON.stringify produced nothing');
  return text;
}

const LOSSY_OBJECTS: readonly [new (...args: never[]) => object, string][] = [
  [Map, 'a Map (convert it with Object.fromEntries(map))'],
  [Set, 'a Set (convert it with [...set])'],
  [WeakMap, 'a WeakMap'],
  [WeakSet, 'a WeakSet'],
  [RegExp, 'a RegExp'],
  [Error, 'an Error (send its message instead)'],
  [Promise, 'a Promise (await it first)'],
];

function strictReplacer(this: unknown, key: string, value: unknown): unknown {
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) refuse(key, `${value}`, 'JSON would write null');
      return value;
    case 'undefined':
      if (Array.isArray(this)) refuse(key, 'undefined in an array', 'JSON would write null');
      return value;
    case 'bigint':
      return refuse(key, 'a BigInt', 'convert it to a string or number first');
    case 'function':
    case 'symbol':
      return refuse(key, `a ${typeof value}`, 'JSON would drop it');
    case 'object':
      checkObject(this, key, value);
      return value;
    default:
      return value;
  }
}

function checkObject(holder: unknown, key: string, value: object | null): void {
  // `value` is what toJSON() returned; an invalid Date's toJSON() gives null.
  const original = (holder as Record<string, unknown>)[key];
  if (original instanceof Date && Number.isNaN(original.getTime())) {
    refuse(key, 'an invalid Date', 'JSON would write null');
  }
  if (value === null) return;
  if (value instanceof Number && !Number.isFinite(value.valueOf())) {
    refuse(key, `${value.valueOf()}`, 'JSON would write null');
  }
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    refuse(key, 'binary data inside JSON', 'send the bytes on their own, or encode them (e.g. base64)');
  }
  for (const [type, description] of LOSSY_OBJECTS) {
    if (value instanceof type) refuse(key, description, 'JSON would write {}');
  }
}

function refuse(key: string, what: string, why: string): never {
  const where = key === '' ? 'The message' : `The value at key ${JSON.stringify(key)}`;
  throw new EncodeError(`Cannot encode the message as JSON: ${where} is ${what}; ${why}`);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
