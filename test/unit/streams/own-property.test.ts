import { merged } from '../../../src/streams/own-property';

describe('merged', () => {
  it('gives what the spread gives: keys of both, the second winning, in the spread order', () => {
    const first = { qos: 1, retain: false, topic: 'a' };
    const second = { retain: true, properties: { contentType: 'text/plain' } };
    const result = merged(first, second);
    expect(result).toEqual({ ...first, ...second });
    expect(Object.keys(result)).toEqual(Object.keys({ ...first, ...second }));
    expect(result.properties).toBe(second.properties);
  });

  it('returns a new object and leaves both sources as they were', () => {
    const first = { a: 1 };
    const second = { b: 2 };
    const result = merged(first, second);
    expect(result).not.toBe(first);
    expect(result).not.toBe(second);
    expect(first).toEqual({ a: 1 });
    expect(second).toEqual({ b: 2 });
  });

  it('copies keys whose value is undefined, symbol keys, and the values of getters', () => {
    const tag = Symbol('tag');
    let reads = 0;
    const second = {
      [tag]: 'symbol',
      get computed() {
        reads += 1;
        return 'value';
      },
    };
    const result = merged({ gone: undefined }, second);
    expect(Object.hasOwn(result, 'gone')).toBe(true);
    expect(result[tag]).toBe('symbol');
    expect(Object.getOwnPropertyDescriptor(result, 'computed')).toMatchObject({
      value: 'value',
      writable: true,
    });
    expect(reads).toBe(1);
  });

  it('copies only own enumerable properties, as the spread does', () => {
    const inherited = Object.create({ fromPrototype: 1 }) as { own?: number };
    inherited.own = 2;
    Object.defineProperty(inherited, 'hidden', { value: 3, enumerable: false });
    expect(merged(inherited, {})).toEqual({ own: 2 });
    expect(Object.keys(merged(inherited, {}))).toEqual(['own']);
  });

  it('keeps an own __proto__ key as a key instead of setting the prototype (JSON.parse makes such keys)', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "qos": 1}') as Record<string, unknown>;
    for (const result of [merged({ retain: false }, parsed), merged(parsed, { retain: false })]) {
      expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
      expect(Object.hasOwn(result, '__proto__')).toBe(true);
      expect((result as { polluted?: unknown }).polluted).toBeUndefined();
      expect(result).toMatchObject({ qos: 1, retain: false });
    }
  });
});
