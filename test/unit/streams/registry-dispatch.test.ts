import type { Observable } from 'rxjs';
import * as v from 'valibot';
import { z } from 'zod';
import { DecodeError } from '../../../src/connector/errors';
import type { MqttMessage } from '../../../src/connector/types';
import type { StandardSchemaV1 } from '../../../src/streams/standard-schema';
import { settle } from './fake-port';
import { collect, payloads, setup } from './registry-harness';

describe('messages', () => {
  it('carry the real topic, decoded payload, raw bytes, QoS, flags and params', async () => {
    const { port, registry } = await setup();
    const { values } = collect(registry.observe('sensors/+room/temp'));
    port.deliver('sensors/kitchen/temp', '{"c":21}', { qos: 1, dup: true });
    expect(values).toEqual([
      {
        topic: 'sensors/kitchen/temp',
        payload: { c: 21 },
        raw: new TextEncoder().encode('{"c":21}'),
        qos: 1,
        retain: false,
        dup: true,
        params: { room: 'kitchen' },
        properties: undefined,
      },
    ]);
  });

  it('reach every matching filter: wildcards, not $-topics for wildcard-first filters', async () => {
    const { port, registry } = await setup();
    const all = collect(registry.observe('#'));
    const plus = collect(registry.observe('sport/+'));
    const sys = collect(registry.observe('$SYS/#'));
    port.deliver('sport/', 'empty level');
    port.deliver('sport', 'parent');
    port.deliver('$SYS/uptime', 'sys');
    expect(payloads(all.values)).toEqual(['empty level', 'parent']);
    expect(payloads(plus.values)).toEqual(['empty level']);
    expect(payloads(sys.values)).toEqual(['sys']);
  });

  it('route a $share filter as its filter (alone on the connector: see registry-identifiers for $share/g/F with F)', async () => {
    const { port, registry } = await setup();
    const shared = collect(registry.observe('$share/g/sport/+'));
    const queued = collect(registry.observe('$queue/jobs/#'));
    port.deliver('sport/', 'empty level');
    port.deliver('sport', 'parent');
    port.deliver('jobs/1', 'job');
    expect(payloads(shared.values)).toEqual(['empty level']);
    expect(payloads(queued.values)).toEqual(['job']);
    await settle();
    expect(port.subscribedFilters()).toEqual([['$share/g/sport/+', '$queue/jobs/#']]);
  });

  it('fill #name with the rest of the topic, or "" when # matched the parent level', async () => {
    const { port, registry } = await setup();
    const { values } = collect(registry.observe('devices/+id/#rest'));
    port.deliver('devices/abc/telemetry/power', '1');
    port.deliver('devices/abc', '2');
    expect(values.map((message) => message.params)).toEqual([
      { id: 'abc', rest: 'telemetry/power' },
      { id: 'abc', rest: '' },
    ]);
  });

  it('route a topic seen before as the first time, with its own parameters (levels kept per topic)', async () => {
    const { port, registry } = await setup();
    const byRoom = collect(registry.observe('sensors/+room/#rest'));
    const kitchen = collect(registry.observe('sensors/kitchen/temp'));
    for (let round = 0; round < 3; round++) {
      port.deliver(Buffer.from('sensors/kitchen/temp').toString(), `k${round}`);
      port.deliver(Buffer.from('sensors/hall/humidity/raw').toString(), `h${round}`);
    }
    expect(byRoom.values.map((m) => [m.payload, m.params])).toEqual(
      [0, 1, 2].flatMap((round) => [
        [`k${round}`, { room: 'kitchen', rest: 'temp' }],
        [`h${round}`, { room: 'hall', rest: 'humidity/raw' }],
      ]),
    );
    expect(payloads(kitchen.values)).toEqual(['k0', 'k1', 'k2']);
  });
});

describe('decoding per observer', () => {
  it('gives observers of one filter their own decoding', async () => {
    const { port, registry } = await setup();
    const auto = collect(registry.observe('a'));
    const text = collect(registry.observe('a', { decode: 'string' }));
    const binary = collect(registry.observe('a', { decode: 'binary' }));
    const schema = collect(registry.observe('a', { decode: z.object({ n: z.number() }) }));
    port.deliver('a', '{"n":1}');
    expect(payloads(auto.values)).toEqual([{ n: 1 }]);
    expect(payloads(text.values)).toEqual(['{"n":1}']);
    expect(binary.values[0]?.payload).toBeInstanceOf(Uint8Array);
    expect(payloads(schema.values)).toEqual([{ n: 1 }]);
  });

  it('decodes a message once per decoder, however many observers and filters share it', async () => {
    const { port, registry } = await setup();
    const decoder = jest.fn((raw: Uint8Array) => raw.length);
    const first = collect(registry.observe('a/+', { decode: decoder }));
    const second = collect(registry.observe('a/+', { decode: decoder }));
    const third = collect(registry.observe('a/#', { decode: decoder }));
    const named = collect(registry.observe('+x/b', { decode: decoder }));
    port.deliver('a/b', 'xyz');
    expect(decoder).toHaveBeenCalledTimes(1);
    expect([first, second, third, named].map((o) => payloads(o.values))).toEqual([[3], [3], [3], [3]]);
    // Observers without parameters share the message object too.
    expect(first.values[0]).toBe(second.values[0]);
    expect(first.values[0]).toBe(third.values[0]);
    expect(named.values[0]?.params).toEqual({ x: 'a' });
  });

  it('skips a payload that fails to decode for that observer only, reports it, and goes on', async () => {
    const { port, registry, errors, logs } = await setup();
    const onDecodeError = jest.fn();
    const json = collect(registry.observe<{ n: number }>('a', { decode: 'json', onDecodeError }));
    const auto = collect(registry.observe('a'));
    const all = collect(registry.messages$);
    port.deliver('a', '{"n":1}');
    port.deliver('a', '{"n":'); // truncated JSON
    port.deliver('a', '{"n":3}');
    expect(payloads(json.values)).toEqual([{ n: 1 }, { n: 3 }]);
    expect(json.state).toEqual({ completed: false });
    expect(payloads(auto.values)).toEqual([{ n: 1 }, '{"n":', { n: 3 }]);
    expect(all.values).toHaveLength(3);
    expect(errors).toHaveLength(1);
    const error = errors[0] as DecodeError;
    expect(error).toBeInstanceOf(DecodeError);
    expect(error).toMatchObject({
      code: 'DECODE_FAILED',
      topic: 'a',
      raw: new TextEncoder().encode('{"n":'),
    });
    expect(onDecodeError).toHaveBeenCalledWith(error);
    const warning = logs.find(([level]) => level === 'warn');
    expect(warning?.[2]).toMatchObject({ topic: 'a', code: 'DECODE_FAILED', decoder: 'json', bytes: 5 });
    expect(JSON.stringify(warning)).not.toContain('{\\"n\\":'); // payload content is not logged
  });

  it('reports the schema issues of a refused payload once per decoder', async () => {
    const { port, registry, errors } = await setup();
    const Reading = z.object({ celsius: z.number() });
    const one = collect(registry.observe('r', { decode: Reading }));
    const two = collect(registry.observe('r', { decode: Reading }));
    port.deliver('r', '{"celsius":"warm"}');
    port.deliver('r', '{"celsius":20}');
    expect(payloads(one.values)).toEqual([{ celsius: 20 }]);
    expect(payloads(two.values)).toEqual([{ celsius: 20 }]);
    expect(errors).toHaveLength(1);
    expect((errors[0] as DecodeError).issues[0]?.path).toEqual(['celsius']);
  });

  it('keeps arrival order with an asynchronous schema', async () => {
    const { port, registry, errors } = await setup();
    const slowFirst: StandardSchemaV1<unknown, number> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: (value) => {
          const n = value as number;
          if (n < 0) return { issues: [{ message: 'negative' }] };
          // The first message takes longest.
          return new Promise((resolve) => setTimeout(() => resolve({ value: n }), n === 1 ? 20 : 1));
        },
      },
    };
    const { values } = collect(registry.observe('a', { decode: slowFirst }));
    for (const n of ['1', '2', '-3', '4']) port.deliver('a', n);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(payloads(values)).toEqual([1, 2, 4]);
    expect(errors).toHaveLength(1);
  });

  it('keeps delivering to the others when an onDecodeError callback throws', async () => {
    const { port, registry } = await setup();
    collect(
      registry.observe('a', {
        decode: 'json',
        onDecodeError: () => {
          throw new Error('careless callback');
        },
      }),
    );
    const other = collect(registry.observe('a', { decode: 'string' }));
    port.deliver('a', 'not json');
    expect(payloads(other.values)).toEqual(['not json']);
  });
});

describe('messages$ and unmatched$', () => {
  it('messages$ gets every message, decoded auto; unmatched$ only those no filter claims', async () => {
    const { port, registry } = await setup();
    const all = collect(registry.messages$);
    const unmatched = collect(registry.unmatched$);
    collect(registry.observe('a/#'));
    port.deliver('a/1', '1');
    port.deliver('b/1', 'backlog');
    expect(all.values.map((message) => message.topic)).toEqual(['a/1', 'b/1']);
    expect(unmatched.values).toEqual([
      expect.objectContaining({ topic: 'b/1', payload: 'backlog', params: {} }),
    ]);
  });

  it('counts a filter in its grace period as claiming its messages', async () => {
    const { port, registry } = await setup({ defaultGracePeriod: 60_000 });
    const unmatched = collect(registry.unmatched$);
    registry.observe('a').subscribe().unsubscribe();
    port.deliver('a', 'x');
    expect(unmatched.values).toHaveLength(0);
  });
});

describe('retained messages', () => {
  it('replays the cached retained state to an observer joining a filter already subscribed', async () => {
    const { port, registry } = await setup();
    const first = collect(registry.observe('lamps/+id'));
    await settle();
    port.deliver('lamps/1', 'on', { retain: true });
    port.deliver('lamps/2', 'off', { retain: true });
    port.deliver('lamps/1', 'still on'); // live message: the topic's state moved on
    const late = collect(registry.observe('lamps/+lamp', { decode: 'string' }));
    expect(late.values.map((m) => [m.topic, m.payload, m.retain, m.params])).toEqual([
      ['lamps/2', 'off', true, { lamp: '2' }],
      ['lamps/1', 'still on', true, { lamp: '1' }],
    ]);
    expect(first.values).toHaveLength(3); // nothing replayed to the first observer
    const narrower = collect(registry.observe('lamps/2'));
    await settle();
    expect(narrower.values).toHaveLength(0); // a new SUBSCRIBE: the broker sends the retained state itself
  });

  it('replays to an observer joining a live filter without wildcards only its own topic, also shared', async () => {
    const { port, registry } = await setup();
    collect(registry.observe('lamps/1'));
    collect(registry.observe('$share/g/lamps/2'));
    collect(registry.observe('lamps/#'));
    await settle();
    for (const topic of ['lamps/1', 'lamps/10', 'lamps/1/x', 'lamps/2'])
      port.deliver(topic, topic, { retain: true });
    const topics = (filter: string) => collect(registry.observe(filter)).values.map((m) => m.topic);
    expect(topics('lamps/1')).toEqual(['lamps/1']);
    expect(topics('$share/g/lamps/2')).toEqual(['lamps/2']);
    expect(topics('lamps/#')).toEqual(['lamps/1', 'lamps/10', 'lamps/1/x', 'lamps/2']);
  });

  it('forgets a topic when an empty retained payload arrives', async () => {
    const { port, registry } = await setup();
    collect(registry.observe('a'));
    port.deliver('a', 'x', { retain: true });
    port.deliver('a', '', { retain: true });
    expect(collect(registry.observe('a')).values).toEqual([]);
    expect(registry.stats().retainedTopics).toBe(0);
  });

  it('MQTT 3.1.1: takes a live message on a cached topic as its new state, even asking Retain As Published (not sent on 3.1.1)', async () => {
    const { port, registry } = await setup();
    collect(registry.observe('a', { retainAsPublished: true }));
    await settle();
    expect(port.subscribes[0]?.requests).toEqual([{ filter: 'a', qos: 0, retainAsPublished: true }]);
    port.deliver('a', 'state', { retain: true });
    port.deliver('a', 'event', { retain: false }); // a 3.1.1 broker forwards a new retained value like this
    const late = collect(registry.observe('a', { retainAsPublished: true }));
    expect(late.values.map((m) => [m.payload, m.retain])).toEqual([['event', true]]);
  });

  it('caches nothing for topics no filter matches, and forgets topics when their last filter goes', async () => {
    const { port, registry } = await setup();
    const wide = collect(registry.observe('a/#'));
    const narrow = collect(registry.observe('a/1'));
    port.deliver('a/1', '1', { retain: true });
    port.deliver('a/2', '2', { retain: true });
    port.deliver('b', 'b', { retain: true });
    expect(registry.stats().retainedTopics).toBe(2);
    wide.subscription.unsubscribe();
    await settle();
    expect(registry.stats().retainedTopics).toBe(1); // a/1 is still matched by 'a/1'
    narrow.subscription.unsubscribe();
    await settle();
    expect(registry.stats().retainedTopics).toBe(0);
  });

  it('forgets, for filters leaving in one job, exactly the topics that only they matched', async () => {
    const { port, registry } = await setup();
    const leaving = ['a/+', 'a/#', 'b/1', 'c/+'].map((filter) => collect(registry.observe(filter)));
    const staying = collect(registry.observe('c/2'));
    for (const topic of ['a/1', 'a/x/y', 'b/1', 'c/1', 'c/2']) port.deliver(topic, topic, { retain: true });
    expect(registry.stats().retainedTopics).toBe(5);
    for (const observer of leaving) observer.subscription.unsubscribe();
    await settle();
    expect(registry.stats().retainedTopics).toBe(1); // c/2, still matched by 'c/2'
    expect(collect(registry.observe('c/+')).values.map((m) => m.topic)).toEqual([]); // a new SUBSCRIBE
    expect(staying.values.map((m) => m.topic)).toEqual(['c/2']);
    // A filter that joins a live one again gets the state kept for it, and nothing of what left.
    expect(collect(registry.observe('c/2')).values.map((m) => m.topic)).toEqual(['c/2']);
  });

  it('is bounded: the least recently updated topics are dropped, counted and logged', async () => {
    const { port, registry, logs } = await setup({ maxRetained: 2 });
    collect(registry.observe('t/+'));
    for (const n of [1, 2, 3, 4]) port.deliver(`t/${n}`, String(n), { retain: true });
    expect(registry.stats()).toMatchObject({ retainedTopics: 2, retainedDropped: 2 });
    expect(payloads(collect(registry.observe('t/+')).values)).toEqual([3, 4]);
    expect(logs.filter(([level]) => level === 'warn')).toHaveLength(1); // warned once, then debug
    expect(logs.filter(([, message]) => message.startsWith('Retained cache full'))).toHaveLength(2);
  });

  it('replays nothing when the observer says replayRetained: false or the filter uses Retain Handling 2', async () => {
    const { port, registry } = await setup();
    collect(registry.observe('a'));
    collect(registry.observe('b', { retainHandling: 2 }));
    port.deliver('a', 'x', { retain: true });
    port.deliver('b', 'y', { retain: true });
    expect(collect(registry.observe('a', { replayRetained: false })).values).toEqual([]);
    expect(collect(registry.observe('b', { retainHandling: 2 })).values).toEqual([]);
    expect(collect(registry.observe('a')).values).toHaveLength(1);
  });

  it('replays to an observer that re-joins during the grace period', async () => {
    const { port, registry } = await setup({ defaultGracePeriod: 60_000 });
    const first = collect(registry.observe('state'));
    port.deliver('state', '{"v":1}', { retain: true });
    first.subscription.unsubscribe();
    const back = collect(registry.observe('state'));
    expect(back.values).toEqual([expect.objectContaining({ payload: { v: 1 }, retain: true })]);
  });

  it('reports a cached payload that fails the joining observer’s decoder, and replays the rest', async () => {
    const { port, registry, errors } = await setup();
    collect(registry.observe('s/+'));
    port.deliver('s/1', 'not json', { retain: true });
    port.deliver('s/2', '2', { retain: true });
    const late = collect(registry.observe('s/+', { decode: 'json' }));
    expect(payloads(late.values)).toEqual([2]);
    expect(errors).toEqual([expect.objectContaining({ code: 'DECODE_FAILED', topic: 's/1' })]);
  });
});

describe('retained state for an observer that raises the QoS or brings new options (Retain Handling)', () => {
  const V5 = { protocolVersion: 5 } as const;

  it('Retain Handling 1: replays the cache, since the broker sends nothing for an existing subscription', async () => {
    const { port, registry } = await setup({}, V5);
    const first = collect(registry.observe('s', { retainHandling: 1 }));
    await settle();
    port.deliver('s', 'state', { retain: true });
    const second = collect(registry.observe('s', { retainHandling: 1, qos: 1 }));
    expect(second.values.map((m) => [m.payload, m.retain])).toEqual([['state', true]]);
    await settle();
    expect(port.subscribes.map((call) => call.requests[0]?.qos)).toEqual([0, 1]); // the QoS was raised
    expect(payloads(first.values)).toEqual(['state']); // nothing again for the first observer
  });

  it('Retain Handling 1: replays while the raising SUBSCRIBE waits for a reconnect, once even if the new session resends', async () => {
    const { port, registry } = await setup({}, V5);
    collect(registry.observe('s', { retainHandling: 1 }));
    await settle();
    port.deliver('s', 'state', { retain: true });
    port.drop();
    const second = collect(registry.observe('s', { retainHandling: 1, qos: 1 }));
    expect(payloads(second.values)).toEqual(['state']);
    await registry.onConnected(port.open(false, V5)); // a new session: the broker sends the state itself
    port.deliver('s', 'state', { retain: true });
    expect(payloads(second.values)).toEqual(['state']);
  });

  it('Retain Handling 1, adopted during the grace period: replays the cache', async () => {
    const { port, registry } = await setup({ defaultGracePeriod: 60_000 }, V5);
    const first = collect(registry.observe('s'));
    await settle();
    port.deliver('s', 'state', { retain: true });
    first.subscription.unsubscribe();
    const back = collect(registry.observe('s', { retainHandling: 1 }));
    expect(payloads(back.values)).toEqual(['state']);
    await settle();
    expect(port.subscribes.at(-1)?.requests[0]).toMatchObject({ filter: 's', retainHandling: 1 });
  });

  it('Retain Handling 0: no replay; the broker resends, and only the observer that lacks the state gets it', async () => {
    const { port, registry } = await setup();
    const first = collect(registry.observe('s'));
    await settle();
    port.deliver('s', 'state', { retain: true });
    const second = collect(registry.observe('s', { qos: 1 }));
    expect(second.values).toEqual([]);
    port.deliver('s', 'state', { retain: true }); // the broker's answer to the raising SUBSCRIBE
    expect(payloads(first.values)).toEqual(['state']);
    expect(second.values.map((m) => [m.payload, m.retain])).toEqual([['state', true]]);
  });

  it('Retain Handling 0, adopted during the grace period: no replay, the broker resends', async () => {
    const { port, registry } = await setup({ defaultGracePeriod: 60_000 }, V5);
    const first = collect(registry.observe('s', { retainHandling: 1 }));
    await settle();
    port.deliver('s', 'state', { retain: true });
    first.subscription.unsubscribe();
    const back = collect(registry.observe('s'));
    expect(back.values).toEqual([]);
    port.deliver('s', 'state', { retain: true });
    expect(payloads(back.values)).toEqual(['state']);
  });

  it('Retain Handling 2: neither the broker nor the cache, also on a QoS upgrade', async () => {
    const { port, registry } = await setup({}, V5);
    collect(registry.observe('s', { retainHandling: 2 }));
    await settle();
    port.deliver('s', 'state', { retain: true }); // a live retained publish
    expect(collect(registry.observe('s', { retainHandling: 2, qos: 1 })).values).toEqual([]);
  });
});

describe('changes made while a message is being delivered', () => {
  it('delivers to the observers present when the message arrived, and lets them subscribe and leave', async () => {
    const { port, registry } = await setup();
    const stream = registry.observe('a');
    const seen: string[] = [];
    const lateValues: unknown[] = [];
    const first = stream.subscribe((message) => {
      seen.push(`first:${String(message.payload)}`);
      second.unsubscribe();
      stream.subscribe((late) => lateValues.push(late.payload));
    });
    const second = stream.subscribe((message) => seen.push(`second:${String(message.payload)}`));
    port.deliver('a', '1');
    port.deliver('a', '2');
    expect(seen).toEqual(['first:1', 'first:2']);
    expect(lateValues).toEqual([2]);
    first.unsubscribe();
  });
});

describe('payload types (checked by the compiler)', () => {
  it('follow the decoding: string, bytes, schema output, decoder result, or the type given', async () => {
    const { port, registry } = await setup();
    const Reading = z.object({ celsius: z.number() });
    const text: Observable<MqttMessage<string>> = registry.observe('t', { decode: 'string' });
    const bytes: Observable<MqttMessage<Uint8Array>> = registry.observe('t', { decode: 'binary' });
    const schema: Observable<MqttMessage<{ celsius: number }>> = registry.observe('t', { decode: Reading });
    const valibot: Observable<MqttMessage<{ celsius: number }>> = registry.observe('t', {
      decode: v.object({ celsius: v.number() }),
    });
    const custom: Observable<MqttMessage<number>> = registry.observe('t', {
      decode: (raw: Uint8Array) => raw.length,
    });
    const asserted: Observable<MqttMessage<{ n: number }>> = registry.observe<{ n: number }>('t', {
      decode: 'json',
    });
    const untyped: Observable<MqttMessage<unknown>> = registry.observe('t');
    const seen: unknown[] = [];
    for (const stream of [text, bytes, schema, valibot, custom, asserted, untyped] as Observable<
      MqttMessage<unknown>
    >[]) {
      stream.subscribe((message) => seen.push(message.payload));
    }
    port.deliver('t', '{"celsius":1}');
    expect(seen).toEqual([
      '{"celsius":1}',
      new TextEncoder().encode('{"celsius":1}'),
      { celsius: 1 },
      { celsius: 1 },
      13,
      { celsius: 1 },
      { celsius: 1 },
    ]);
  });
});
