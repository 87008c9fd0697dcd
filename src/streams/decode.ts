/**
 * Payload decoders. A decoder returns the decoded value, a {@link DecodeFailure} or (for asynchronous
 * Standard Schema validators) a {@link PendingDecode}; it never throws. Both wrappers are private classes,
 * so a payload can never be mistaken for them.
 *
 * @internal
 */
import { DecodeError, InvalidArgumentError } from '../connector/errors.js';
import { isStandardSchema, type StandardSchemaV1 } from './standard-schema.js';
import type { Decoding } from './subscribe-types.js';

/** A payload that could not be decoded; carries the error to report. */
export class DecodeFailure {
  constructor(readonly error: DecodeError) {}
}

/** An asynchronous validation in progress; settles with the value or a {@link DecodeFailure}, never rejects. */
export class PendingDecode {
  constructor(readonly result: Promise<unknown>) {}
}

/** What a decoder returns: the value, a failure, or a pending validation. */
export type DecodeOutcome = unknown;

/** A resolved decoding. One instance per built-in name, function or schema object, so results can be shared. */
export interface PayloadDecoder {
  /** For logs: `'auto'`, `'json'`, `'string'`, `'binary'`, `'function'` or `'schema:<vendor>'`. */
  readonly name: string;
  /** Decodes one payload. Never throws. */
  decode(raw: Uint8Array, topic: string): DecodeOutcome;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** JSON texts start with one of these (after whitespace): `{ [ " - 0-9 t f n`. */
function mayBeJson(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    return (
      c === 0x7b ||
      c === 0x5b ||
      c === 0x22 ||
      c === 0x2d ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x74 ||
      c === 0x66 ||
      c === 0x6e
    );
  }
  return false;
}

function failure(topic: string, raw: Uint8Array, message: string, cause?: unknown): DecodeFailure {
  return new DecodeFailure(new DecodeError(topic, raw, message, cause === undefined ? {} : { cause }));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** UTF-8 text, or a failure for invalid UTF-8. */
function decodeText(raw: Uint8Array, topic: string): string | DecodeFailure {
  try {
    return utf8.decode(raw);
  } catch (error) {
    return failure(topic, raw, 'the payload is not valid UTF-8', error);
  }
}

/** `JSON.parse` of the UTF-8 text, or a failure. */
export function decodeJsonPayload(raw: Uint8Array, topic: string): unknown {
  const text = decodeText(raw, topic);
  if (text instanceof DecodeFailure) return text;
  try {
    return JSON.parse(text);
  } catch (error) {
    return failure(
      topic,
      raw,
      text.length === 0 ? 'an empty payload is not JSON' : `not JSON (${errorText(error)})`,
      error,
    );
  }
}

/** The `'auto'` decoding: JSON, else text, else the bytes. */
export function decodeAutoPayload(raw: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return raw;
  }
  if (!mayBeJson(text)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Validates `value` with a Standard Schema: the output value, a failure carrying the issues, or a
 * pending validation when the schema is asynchronous.
 */
export function validateWith(
  schema: StandardSchemaV1,
  value: unknown,
  raw: Uint8Array,
  topic: string,
): DecodeOutcome {
  let result: StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>>;
  try {
    result = schema['~standard'].validate(value);
  } catch (error) {
    return failure(topic, raw, `the schema validator threw (${errorText(error)})`, error);
  }
  if (result instanceof Promise) {
    return new PendingDecode(
      result.then(
        (settled) => fromResult(settled, raw, topic),
        (error: unknown) => failure(topic, raw, `the schema validator rejected (${errorText(error)})`, error),
      ),
    );
  }
  return fromResult(result, raw, topic);
}

function fromResult(result: StandardSchemaV1.Result<unknown>, raw: Uint8Array, topic: string): unknown {
  if (result.issues === undefined) return result.value;
  const issues = result.issues.map((issue) => ({
    message: issue.message,
    path: issue.path?.map((segment) => (typeof segment === 'object' ? segment.key : segment)),
  }));
  const first = issues[0];
  const where =
    first?.path !== undefined && first.path.length > 0 ? ` at ${first.path.map(String).join('.')}` : '';
  const more = issues.length > 1 ? ` (+${issues.length - 1} more)` : '';
  const text = `schema validation failed: ${first?.message ?? 'invalid'}${where}${more}`;
  return new DecodeFailure(new DecodeError(topic, raw, text, { issues }));
}

const BUILT_IN: Readonly<Record<'auto' | 'json' | 'string' | 'binary', PayloadDecoder>> = {
  auto: { name: 'auto', decode: decodeAutoPayload },
  json: { name: 'json', decode: decodeJsonPayload },
  string: { name: 'string', decode: decodeText },
  binary: { name: 'binary', decode: (raw) => raw },
};

// One decoder per function / schema object, so observers that pass the same one share its results.
const custom = new WeakMap<object, PayloadDecoder>();

/**
 * The decoder of a {@link Decoding} (default `'auto'`).
 *
 * @throws {@link InvalidArgumentError} when `decoding` is none of the accepted forms.
 */
export function toDecoder(decoding: Decoding<unknown> | undefined): PayloadDecoder {
  if (decoding === undefined) return BUILT_IN.auto;
  if (typeof decoding === 'string') {
    if (Object.prototype.hasOwnProperty.call(BUILT_IN, decoding)) return BUILT_IN[decoding];
    throw new InvalidArgumentError(
      `Invalid decode ${JSON.stringify(decoding)}: use 'auto', 'json', 'string', 'binary', a function or a Standard Schema`,
    );
  }
  const known =
    typeof decoding === 'object' || typeof decoding === 'function' ? custom.get(decoding) : undefined;
  if (known !== undefined) return known;
  // Checked before "is it a function": arktype schemas are callable.
  if (isStandardSchema(decoding)) {
    const schema = decoding;
    const decoder: PayloadDecoder = {
      name: `schema:${schema['~standard'].vendor}`,
      decode(raw, topic) {
        const json = decodeJsonPayload(raw, topic);
        return json instanceof DecodeFailure ? json : validateWith(schema, json, raw, topic);
      },
    };
    custom.set(schema, decoder);
    return decoder;
  }
  if (typeof decoding === 'function') {
    const fn = decoding;
    const decoder: PayloadDecoder = {
      name: 'function',
      decode(raw, topic) {
        try {
          return fn(raw, topic);
        } catch (error) {
          return failure(topic, raw, `the decoder threw (${errorText(error)})`, error);
        }
      },
    };
    custom.set(fn, decoder);
    return decoder;
  }
  throw new InvalidArgumentError(
    `Invalid decode (${typeof decoding}): use 'auto', 'json', 'string', 'binary', a function or a Standard Schema`,
  );
}
