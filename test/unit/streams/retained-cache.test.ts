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
    expect(cache.bytes).toBe(4);
    expect(new TextDecoder().decode([...cache.values()][0]?.payload)).toBe('two');
    cache.set(publish('a', ''));
    expect(topics(cache)).toEqual(['b']);
    expect(cache.bytes).toBe(1);
    expect(cache.dropped).toBe(0);
  });

  it('stores every entry as retained, even one that arrived with the flag cleared', () => {
    const cache = new RetainedCache({ maxTopics: 10, maxBytes: 1000 });
    cache.set({ ...publish('a', 'live', false), dup: true });
    expect([...cache.values()][0]).toMatchObject({ topic: 'a', retain: true, dup: false });
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
    const cache = new RetainedCache({ maxTopics: 100, maxBytes: 10 }, (topic, reason) =>
      dropped.push([topic, reason]),
    );
    cache.set(publish('a', '1234'));
    cache.set(publish('b', '1234'));
    cache.set(publish('c', '12345')); // 13 > 10: 'a' goes
    expect(topics(cache)).toEqual(['b', 'c']);
    expect(cache.bytes).toBe(9);
    cache.set(publish('huge', '12345678901'));
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

  it('forgets the topics a predicate rejects', () => {
    const cache = new RetainedCache({ maxTopics: 10, maxBytes: 1000 });
    for (const topic of ['a/1', 'a/2', 'b/1']) cache.set(publish(topic, 'x'));
    cache.retainOnly((topic) => topic.startsWith('a/'));
    expect(topics(cache)).toEqual(['a/1', 'a/2']);
    expect(cache.bytes).toBe(2);
    expect(cache.has('b/1')).toBe(false);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });
});
