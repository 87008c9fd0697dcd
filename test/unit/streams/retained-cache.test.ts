import type { IncomingPublish } from '../../../src/streams/port';
import { RetainedCache } from '../../../src/streams/retained-cache';

function publish(topic: string, payload: string, retain = true): IncomingPublish {
  return { topic, payload: new TextEncoder().encode(payload), qos: 0, retain, dup: false };
}

const topics = (cache: RetainedCache) => [...cache.values()].map((message) => message.topic);

describe('RetainedCache', () => {
  it('keeps the last retained message per topic; an empty payload clears it', () => {
    const cache = new RetainedCache({ maxTopics: 10, maxBytes: 1000 });
    cache.set(publish('a', 'one'));
    cache.set(publish('a', 'two'));
    cache.set(publish('b', 'x'));
    expect(cache.size).toBe(2);
    expect(cache.bytes).toBe(1 + 3 + (1 + 1)); // topic and payload bytes
    expect(new TextDecoder().decode([...cache.values()][0]?.payload)).toBe('two');
    cache.set(publish('a', ''));
    expect(topics(cache)).toEqual(['b']);
    expect(cache.bytes).toBe(2);
    expect(cache.dropped).toBe(0);
  });

  it('stores every entry as retained, even one that arrived with the flag cleared', () => {
    const cache = new RetainedCache({ maxTopics: 10, maxBytes: 1000 });
    cache.set({ ...publish('a', 'live', false), dup: true });
    expect([...cache.values()][0]).toMatchObject({ topic: 'a', retain: true, dup: false });
  });

  it('keeps a copy of the bytes of a payload that is a view into a larger read, not the read', () => {
    const cache = new RetainedCache({ maxTopics: 10, maxBytes: 1000 });
    const read = new Uint8Array(64 * 1024); // the socket read the message arrived in
    read.set([1, 2, 3], 500);
    const correlationData = read.subarray(600, 602);
    cache.set({ ...publish('a', ''), payload: read.subarray(500, 503), properties: { correlationData } });
    const cached = [...cache.values()][0] as IncomingPublish;
    expect(cached.payload.buffer.byteLength).toBe(3);
    expect([...cached.payload]).toEqual([1, 2, 3]);
    expect(cached.properties?.correlationData?.buffer.byteLength).toBe(2);
    expect(cache.bytes).toBe(1 + 3 + (3 + 2)); // counted as before: topic, payload, framed correlation data
  });

  it('stores a message whose bytes are their own as it is', () => {
    const cache = new RetainedCache({ maxTopics: 10, maxBytes: 1000 });
    const message = publish('a', 'own');
    cache.set(message);
    expect([...cache.values()][0]).toBe(message);
  });

  it('drops the least recently updated topic when maxTopics is reached, and counts it', () => {
    const dropped: [string, string][] = [];
    const cache = new RetainedCache({ maxTopics: 3, maxBytes: 1000 }, (topic, reason) =>
      dropped.push([topic, reason]),
    );
    cache.set(publish('a', '1'));
    cache.set(publish('b', '1'));
    cache.set(publish('c', '1'));
    cache.set(publish('a', '2')); // 'a' is now the most recent
    cache.set(publish('d', '1'));
    expect(topics(cache)).toEqual(['c', 'a', 'd']);
    expect(cache.dropped).toBe(1);
    expect(dropped).toEqual([['b', 'maxTopics']]);
  });

  it('drops the oldest topics until a new payload fits in maxBytes; refuses one larger than the budget', () => {
    const dropped: [string, string][] = [];
    const cache = new RetainedCache({ maxTopics: 100, maxBytes: 13 }, (topic, reason) =>
      dropped.push([topic, reason]),
    );
    cache.set(publish('a', '1234'));
    cache.set(publish('b', '1234'));
    cache.set(publish('c', '12345')); // 5 + 5 + 6 > 13: 'a' goes
    expect(topics(cache)).toEqual(['b', 'c']);
    expect(cache.bytes).toBe(11);
    cache.set(publish('huge', '1234567890')); // 4 + 10 > 13
    expect(topics(cache)).toEqual(['b', 'c']);
    expect(dropped).toEqual([
      ['a', 'maxBytes'],
      ['huge', 'maxBytes'],
    ]);
    expect(cache.dropped).toBe(2);
  });

  it('is off with maxTopics 0', () => {
    const cache = new RetainedCache({ maxTopics: 0, maxBytes: 1000 });
    cache.set(publish('a', '1'));
    expect(cache.size).toBe(0);
  });

  it('forgets, in one pass, the topics the predicate drops (it gets their levels)', () => {
    const cache = new RetainedCache<string>({ maxTopics: 10, maxBytes: 1000 });
    for (const topic of ['a/1', 'a/2', 'b/1', 'c/1']) cache.set(publish(topic, 'x'));
    const asked: string[][] = [];
    cache.forgetEnded(new Set(['sub-a']), (levels) => {
      asked.push([...levels]);
      return levels[1] === '1' && levels[0] !== 'c';
    });
    expect(asked).toEqual([
      ['a', '1'],
      ['a', '2'],
      ['b', '1'],
      ['c', '1'],
    ]);
    expect(topics(cache)).toEqual(['a/2', 'c/1']);
    expect(cache.bytes).toBe(8);
    expect(cache.has('b/1')).toBe(false);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });

  it('forgets every ended subscription as receiver and viewer of the records it keeps', () => {
    const cache = new RetainedCache<string>({ maxTopics: 10, maxBytes: 1000 });
    const record = cache.set(publish('a', 'on'));
    if (record === undefined) throw new Error('not cached');
    for (const receiver of ['sub-1', 'sub-2', 'sub-3']) {
      cache.addReceiver(record, receiver);
      cache.addSeen(record, receiver);
    }
    cache.forgetEnded(new Set(['sub-1', 'sub-3']), () => false);
    expect(record.receivers).toBe('sub-2');
    expect(record.seenBy).toBe('sub-2');
    cache.forgetEnded(new Set(['sub-2']), () => false);
    expect(record.receivers).toBeUndefined();
    expect(record.seenBy).toBeUndefined();
    expect(topics(cache)).toEqual(['a']); // not dropped
  });

  it('counts the topic (UTF-8) and MQTT 5 properties against maxBytes, not only the payload', () => {
    const cache = new RetainedCache({ maxTopics: 10, maxBytes: 1000 });
    const topic = 'ü/' + 'x'.repeat(98); // 101 UTF-8 bytes in 100 UTF-16 units
    cache.set(publish(topic, 'p'));
    expect(cache.bytes).toBe(101 + 1);
    cache.set({
      ...publish('t', 'p'),
      properties: {
        contentType: 'application/json', // 3 + 16
        messageExpiryInterval: 60, // 5
        correlationData: new Uint8Array(8), // 3 + 8
        userProperties: { k: 'v', list: ['a', 'bc'] }, // (5 + 1 + 1) + (5 + 4 + 1) + (5 + 4 + 2)
        subscriptionIdentifier: [1, 2], // 2 × 5
      },
    });
    expect(cache.bytes - (101 + 1)).toBe(1 + 1 + 19 + 5 + 11 + 7 + 10 + 11 + 10);
  });

  it('refuses a message whose topic alone exceeds the byte budget, and drops older topics for a long one', () => {
    const dropped: string[] = [];
    const cache = new RetainedCache({ maxTopics: 10, maxBytes: 100 }, (topic) => dropped.push(topic));
    cache.set(publish('short', '1'));
    cache.set(publish('long/' + 'x'.repeat(90), '1')); // 96 bytes: 'short' (6) no longer fits
    expect(topics(cache)).toEqual(['long/' + 'x'.repeat(90)]);
    cache.set(publish('huge/' + 'x'.repeat(100), '1'));
    expect(cache.size).toBe(1);
    expect(dropped).toEqual(['short', 'huge/' + 'x'.repeat(100)]);
    expect(cache.bytes).toBeLessThanOrEqual(100);
  });

  it('keeps the stamp of a value stored again with the same bytes, and its receivers across changes', () => {
    const cache = new RetainedCache<string>({ maxTopics: 10, maxBytes: 1000 });
    const first = cache.set(publish('a', 'on'));
    const stamp = first?.stamp;
    if (first === undefined) throw new Error('not cached');
    cache.addReceiver(first, 'sub-1');
    cache.addReceiver(first, 'sub-1');
    cache.addSeen(first, 'sub-1');
    cache.addSeen(first, 'sub-2');
    expect(cache.set(publish('a', 'on'))?.stamp).toBe(stamp);
    expect(first.seenBy).toEqual(['sub-1', 'sub-2']);
    const changed = cache.set(publish('a', 'off'));
    expect(changed?.stamp).toBeGreaterThan(stamp ?? Infinity);
    expect(changed?.stamp).toBe(cache.clock);
    expect(changed?.receivers).toBe('sub-1');
    expect(changed?.seenBy).toBeUndefined(); // a new payload: nobody has seen it yet
    cache.addSeen(first, 'sub-2');
    cache.forgetReceiver('sub-1');
    expect(cache.get('a')?.receivers).toBeUndefined();
    expect(cache.get('a')?.seenBy).toBe('sub-2');
    cache.forgetEnded(new Set(['sub-2']), () => false);
    expect(cache.get('a')?.seenBy).toBeUndefined();
  });
});
