import * as v from 'valibot';
import { z } from 'zod';
import { DecodeError, InvalidArgumentError } from '../../../src/connector/errors';
import { DecodeFailure, PendingDecode, toDecoder } from '../../../src/streams/decode';
import type { StandardSchemaV1 } from '../../../src/streams/standard-schema';
import type { Decoding } from '../../../src/streams/subscribe-types';

const bytes = (text: string) => new TextEncoder().encode(text);
const INVALID_UTF8 = new Uint8Array([0xff, 0xfe, 0x41]);

function decode(decoding: Decoding<unknown> | undefined, raw: Uint8Array, topic = 't/x'): unknown {
  return toDecoder(decoding).decode(raw, topic);
}

function failureOf(outcome: unknown): DecodeError {
  expect(outcome).toBeInstanceOf(DecodeFailure);
  return (outcome as DecodeFailure).error;
}

describe("'auto' (default)", () => {
  it.each([
    ['{"a":1}', { a: 1 }],
    ['  [1,2]', [1, 2]],
    ['42', 42],
    ['-1.5', -1.5],
    ['true', true],
    ['null', null],
    ['"quoted"', 'quoted'],
    ['hello world', 'hello world'],
    ['nothing', 'nothing'], // starts like null, is not JSON
    ['{broken', '{broken'],
    ['007', '007'],
    ['', ''],
  ])('%j → %j', (text, expected) => {
    expect(decode(undefined, bytes(text))).toEqual(expected);
    expect(decode('auto', bytes(text))).toEqual(expected);
  });

  it('gives the bytes themselves when they are not UTF-8', () => {
    expect(decode('auto', INVALID_UTF8)).toBe(INVALID_UTF8);
  });
});

describe("'json'", () => {
  it('parses JSON', () => {
    expect(decode('json', bytes('{"t":21.5}'))).toEqual({ t: 21.5 });
  });
  it.each([
    ['{broken', /not JSON/],
    ['', /empty payload is not JSON/],
    ['hello', /not JSON/],
  ])('%j fails with DECODE_FAILED carrying topic and bytes', (text, reason) => {
    const raw = bytes(text);
    const error = failureOf(decode('json', raw, 'sensors/1'));
    expect(error).toBeInstanceOf(DecodeError);
    expect(error.code).toBe('DECODE_FAILED');
    expect(error.topic).toBe('sensors/1');
    expect(error.raw).toBe(raw);
    expect(error.message).toMatch(reason);
    expect(error.message).toContain('"sensors/1"');
  });
  it('fails on invalid UTF-8', () => {
    expect(failureOf(decode('json', INVALID_UTF8)).message).toMatch(/not valid UTF-8/);
  });
});

describe("'string' and 'binary'", () => {
  it("'string' decodes UTF-8, including multi-byte characters", () => {
    expect(decode('string', bytes('héllo €😀'))).toBe('héllo €😀');
    expect(decode('string', bytes('{"a":1}'))).toBe('{"a":1}');
  });
  it("'string' refuses invalid UTF-8 instead of replacing bytes", () => {
    expect(failureOf(decode('string', INVALID_UTF8)).message).toMatch(/not valid UTF-8/);
  });
  it("'binary' gives the bytes as received", () => {
    const raw = bytes('x');
    expect(decode('binary', raw)).toBe(raw);
  });
});

describe('a decoder function', () => {
  it('gets the bytes and the topic', () => {
    const fn = jest.fn((raw: Uint8Array, topic: string) => `${topic}:${raw.length}`);
    expect(decode(fn, bytes('abc'), 'a/b')).toBe('a/b:3');
    expect(fn).toHaveBeenCalledWith(bytes('abc'), 'a/b');
  });
  it('fails when it throws, keeping the cause', () => {
    const cause = new Error('bad frame');
    const error = failureOf(
      decode(() => {
        throw cause;
      }, bytes('x')),
    );
    expect(error.message).toMatch(/decoder threw \(bad frame\)/);
    expect((error as Error & { cause?: unknown }).cause).toBe(cause);
  });
});

describe('a Standard Schema (zod 4)', () => {
  const Reading = z.object({ id: z.string(), celsius: z.number().min(-90).max(60) });

  it('validates the JSON value and gives the output (transforms included)', () => {
    expect(decode(Reading, bytes('{"id":"k1","celsius":21.5}'))).toEqual({ id: 'k1', celsius: 21.5 });
    const Fahrenheit = Reading.transform((r) => r.celsius * 1.8 + 32);
    expect(decode(Fahrenheit, bytes('{"id":"k1","celsius":50}'))).toBe(122);
  });

  it('fails with the schema issues and their paths', () => {
    const error = failureOf(decode(Reading, bytes('{"id":7,"celsius":99}'), 'r/1'));
    expect(error.code).toBe('DECODE_FAILED');
    expect(error.message).toMatch(/schema validation failed: .* at id \(\+1 more\)/);
    expect(error.issues.map((issue) => issue.path)).toEqual([['id'], ['celsius']]);
    expect(error.issues.every((issue) => typeof issue.message === 'string')).toBe(true);
  });

  it('fails before validation when the payload is not JSON', () => {
    expect(failureOf(decode(Reading, bytes('nope'))).message).toMatch(/not JSON/);
  });

  it('is asynchronous when the schema is: a pending outcome settling with the value or a failure', async () => {
    const Async = z.object({ n: z.number() }).refine(async (v) => v.n > 0, { message: 'must be positive' });
    const ok = decode(Async, bytes('{"n":1}'));
    const bad = decode(Async, bytes('{"n":-1}'));
    expect(ok).toBeInstanceOf(PendingDecode);
    expect(bad).toBeInstanceOf(PendingDecode);
    await expect((ok as PendingDecode).result).resolves.toEqual({ n: 1 });
    expect(failureOf(await (bad as PendingDecode).result).issues[0]?.message).toBe('must be positive');
  });

  it('turns a throwing or rejecting validator into a failure', async () => {
    const throwing: StandardSchemaV1<unknown, never> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: () => {
          throw new Error('boom');
        },
      },
    };
    expect(failureOf(decode(throwing, bytes('1'))).message).toMatch(/validator threw \(boom\)/);
    const rejecting: StandardSchemaV1<unknown, never> = {
      '~standard': { version: 1, vendor: 'test', validate: () => Promise.reject(new Error('down')) },
    };
    const pending = decode(rejecting, bytes('1')) as PendingDecode;
    expect(failureOf(await pending.result).message).toMatch(/validator rejected \(down\)/);
  });

  it('accepts callable schemas (arktype style) as schemas, not as decoder functions', () => {
    const callable = Object.assign(() => 'called as a function', {
      '~standard': {
        version: 1 as const,
        vendor: 'callable',
        validate: (value: unknown) => ({ value: { validated: value } }),
      },
    });
    expect(decode(callable, bytes('5'))).toEqual({ validated: 5 });
    expect(toDecoder(callable).name).toBe('schema:callable');
  });
});

describe('a Standard Schema (valibot 1)', () => {
  const Reading = v.object({
    id: v.string(),
    reading: v.object({ celsius: v.pipe(v.number(), v.minValue(-90), v.maxValue(60)) }),
  });

  it('validates the JSON value and gives the output (transforms included), typed by the schema', () => {
    const typed: Decoding<{ id: string; reading: { celsius: number } }> = Reading;
    expect(decode(typed, bytes('{"id":"k1","reading":{"celsius":21.5}}'))).toEqual({
      id: 'k1',
      reading: { celsius: 21.5 },
    });
    const Fahrenheit = v.pipe(
      Reading,
      v.transform((r) => r.reading.celsius * 1.8 + 32),
    );
    expect(decode(Fahrenheit, bytes('{"id":"k1","reading":{"celsius":50}}'))).toBe(122);
    expect(toDecoder(Reading).name).toBe('schema:valibot');
  });

  it('fails with the schema issues and their paths (valibot path segments become keys)', () => {
    const error = failureOf(decode(Reading, bytes('{"id":7,"reading":{"celsius":99}}'), 'r/1'));
    expect(error).toMatchObject({ code: 'DECODE_FAILED', topic: 'r/1' });
    expect(error.message).toMatch(/schema validation failed: .* at id \(\+1 more\)/);
    expect(error.issues.map((issue) => issue.path)).toEqual([['id'], ['reading', 'celsius']]);
    expect(error.issues.every((issue) => typeof issue.message === 'string' && issue.message !== '')).toBe(
      true,
    );
  });

  it('fails before validation when the payload is not JSON', () => {
    expect(failureOf(decode(Reading, bytes('{"id":'))).message).toMatch(/not JSON/);
  });

  it('is asynchronous when the schema is: a pending outcome settling with the value or a failure', async () => {
    const Async = v.pipeAsync(
      v.object({ n: v.number() }),
      v.checkAsync(async (value) => Promise.resolve(value.n > 0), 'must be positive'),
    );
    const ok = decode(Async, bytes('{"n":1}'));
    const bad = decode(Async, bytes('{"n":-1}'));
    expect(ok).toBeInstanceOf(PendingDecode);
    expect(bad).toBeInstanceOf(PendingDecode);
    await expect((ok as PendingDecode).result).resolves.toEqual({ n: 1 });
    expect(failureOf(await (bad as PendingDecode).result).issues[0]?.message).toBe('must be positive');
  });
});

describe('toDecoder', () => {
  it('gives one decoder per built-in name, function or schema object (so results can be shared)', () => {
    const fn = (raw: Uint8Array) => raw.length;
    const schema = z.number();
    expect(toDecoder('json')).toBe(toDecoder('json'));
    expect(toDecoder(undefined)).toBe(toDecoder('auto'));
    expect(toDecoder(fn)).toBe(toDecoder(fn));
    expect(toDecoder(schema)).toBe(toDecoder(schema));
    expect(toDecoder(schema)).not.toBe(toDecoder(z.number()));
  });

  it.each([['xml'], ['toString'], [42], [{}], [null]])('refuses %j with INVALID_ARGUMENT', (value) => {
    expect(() => toDecoder(value as unknown as Decoding<unknown>)).toThrow(InvalidArgumentError);
  });
});
