/**
 * Message → bytes: every payload kind, strict JSON (refuse what JSON would silently change), custom
 * encoders.
 */
import { encodeJson, encodeMessage } from '../../../src/streams/encode.js';

const bytesOf = (message: unknown) => Array.from(encodeMessage(message, 't').bytes);
const textOf = (message: unknown) => new TextDecoder().decode(encodeMessage(message, 't').bytes);

describe('encodeMessage: payload kinds', () => {
  it('sends strings as UTF-8', () => {
    expect(encodeMessage('héllo 👋', 't')).toMatchObject({ kind: 'text', utf8: true });
    expect(textOf('héllo 👋')).toBe('héllo 👋');
    expect(bytesOf('')).toEqual([]);
  });

  it('sends bytes as they are, without copying a Uint8Array', () => {
    const bytes = new Uint8Array([0, 255, 1]);
    expect(encodeMessage(bytes, 't').bytes).toBe(bytes);
    expect(encodeMessage(bytes, 't')).toMatchObject({ kind: 'bytes', utf8: false });
    expect(bytesOf(Buffer.from([1, 2, 3]))).toEqual([1, 2, 3]);
    expect(bytesOf(new Uint8Array([9, 8]).buffer)).toEqual([9, 8]);
  });

  it('sends any ArrayBufferView as its own bytes (respecting offset and length)', () => {
    const backing = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]).buffer;
    expect(bytesOf(new DataView(backing, 2, 3))).toEqual([3, 4, 5]);
    expect(bytesOf(new Uint16Array(backing, 4, 1))).toEqual([5, 6]);
    expect(bytesOf(new Uint8Array(backing).subarray(6))).toEqual([7, 8]);
  });

  it('sends other values as JSON text', () => {
    expect(textOf({ a: [1, 'x', null, true], b: { c: 1.5 } })).toBe('{"a":[1,"x",null,true],"b":{"c":1.5}}');
    expect(textOf(42)).toBe('42');
    expect(textOf(false)).toBe('false');
    expect(textOf(null)).toBe('null');
    expect(textOf([])).toBe('[]');
    expect(encodeMessage({}, 't')).toMatchObject({ kind: 'json', utf8: true });
  });
});

describe('encodeJson: strict', () => {
  const circular: Record<string, unknown> = {};
  circular.me = circular;
  class Point {
    constructor(
      readonly x: number,
      readonly y: number,
    ) {}
  }

  it.each([
    ['undefined at the top level', undefined],
    ['undefined in an array', [1, undefined]],
    ['a sparse array hole', [1, , 3]], // eslint-disable-line no-sparse-arrays
    ['NaN', { a: Number.NaN }],
    ['Infinity', [Number.POSITIVE_INFINITY]],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['a boxed NaN', { a: new Number(Number.NaN) }],
    ['a BigInt', { a: 1n }],
    ['a function', { f: () => 1 }],
    ['a symbol', { s: Symbol('x') }],
    ['a top-level function', () => 1],
    ['a Map', { m: new Map([['a', 1]]) }],
    ['a Set', new Set([1])],
    ['a WeakMap', new WeakMap()],
    ['a RegExp', { r: /x/ }],
    ['an Error', { e: new Error('x') }],
    ['a Promise', Promise.resolve(1)],
    ['nested bytes', { data: new Uint8Array([1]) }],
    ['a nested ArrayBuffer', { data: new ArrayBuffer(2) }],
    ['an invalid Date', { when: new Date(Number.NaN) }],
    ['a circular structure', circular],
    ['a toJSON that returns undefined', { toJSON: () => undefined }],
  ])('refuses %s with ENCODE_FAILED', (_, value) => {
    expect(() => encodeJson(value)).toThrow(expect.objectContaining({ code: 'ENCODE_FAILED' }));
  });

  it('names the offending key', () => {
    expect(() => encodeJson({ ok: 1, bad: Number.NaN })).toThrow(/key "bad" is NaN/);
  });

  it('leaves out object properties whose value is undefined (reading them back gives undefined too)', () => {
    expect(encodeJson({ a: 1, b: undefined })).toBe('{"a":1}');
  });

  it('encodes Dates (and anything with toJSON) by their declared JSON form', () => {
    expect(encodeJson({ at: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)) })).toBe(
      '{"at":"2024-01-02T03:04:05.000Z"}',
    );
    expect(encodeJson({ money: { toJSON: () => '12.50' } })).toBe('{"money":"12.50"}');
  });

  it('encodes class instances by their own enumerable fields, and -0 as 0', () => {
    expect(encodeJson(new Point(1, 2))).toBe('{"x":1,"y":2}');
    expect(encodeJson(-0)).toBe('0');
  });

  it('keeps lone surrogates inside JSON strings (escaped, so nothing is altered)', () => {
    expect(JSON.parse(encodeJson({ s: 'a\uD800' })).s).toBe('a\uD800');
  });

  it('refuses a plain string with a lone surrogate (UTF-8 cannot carry it)', () => {
    expect(() => encodeMessage('a\uDBFF', 't')).toThrow(expect.objectContaining({ code: 'ENCODE_FAILED' }));
  });
});

describe('encodeMessage: custom encoder', () => {
  const tagged = (message: unknown, topic: string) =>
    new TextEncoder().encode(`${topic}:${JSON.stringify(message)}`);

  it('receives every message that is not bytes, strings included, with the topic', () => {
    expect(new TextDecoder().decode(encodeMessage({ a: 1 }, 'x/y', tagged).bytes)).toBe('x/y:{"a":1}');
    expect(new TextDecoder().decode(encodeMessage('s', 'x', tagged).bytes)).toBe('x:"s"');
    expect(encodeMessage({}, 'x', tagged)).toMatchObject({ kind: 'custom', utf8: false });
  });

  it('does not see bytes: they are always sent as they are', () => {
    const encoder = jest.fn(tagged);
    expect(Array.from(encodeMessage(new Uint8Array([5]), 't', encoder).bytes)).toEqual([5]);
    expect(encoder).not.toHaveBeenCalled();
  });

  it('may return text (sent as UTF-8)', () => {
    expect(encodeMessage(1, 't', () => 'one')).toMatchObject({ kind: 'custom', utf8: true });
  });

  it('turns encoder failures and bad results into ENCODE_FAILED', () => {
    const cause = new Error('not encodable');
    const thrower = () => {
      throw cause;
    };
    expect(() => encodeMessage(1, 't', thrower)).toThrow(
      expect.objectContaining({
        code: 'ENCODE_FAILED',
        cause,
        message: expect.stringContaining('not encodable'),
      }),
    );
    expect(() => encodeMessage(1, 't', () => 42 as never)).toThrow(
      expect.objectContaining({ code: 'ENCODE_FAILED' }),
    );
  });
});
