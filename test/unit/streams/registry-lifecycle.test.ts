import type { Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  ClosedError,
  InvalidArgumentError,
  InvalidQosError,
  InvalidTopicError,
  SubscribeRefusedError,
} from '../../../src/connector/errors';
import type { SubscriptionRegistryOptions } from '../../../src/streams/subscription-registry';
import { settle } from './fake-port';
import { collect, createRegistry, payloads } from './registry-harness';

// The harness disposes every registry after each test (cancelling grace-period timers).
function setup(options: Partial<SubscriptionRegistryOptions> = {}) {
  const { port, registry, logs, errors } = createRegistry(options);
  const connect = async (sessionPresent = false) => {
    const done = registry.onConnected(port.open(sessionPresent));
    await settle();
    await done;
  };
  return { port, registry, logs, errors, connect };
}

describe('subscribe(): validation at the call', () => {
  it.each([
    ['a/#/b', {}, InvalidTopicError],
    ['', {}, InvalidTopicError],
    ['a+', {}, InvalidTopicError],
    ['a', { qos: 3 }, InvalidQosError],
    ['a', { qos: '1' }, InvalidQosError],
    ['a', { decode: 'xml' }, InvalidArgumentError],
    ['a', { gracePeriod: -1 }, InvalidArgumentError],
    ['a', { gracePeriod: Number.NaN }, InvalidArgumentError],
    ['a', { retainHandling: 3 }, InvalidArgumentError],
    ['a', { noLocal: 'yes' }, InvalidArgumentError],
    ['$share/g/a', { noLocal: true }, InvalidArgumentError],
    ['a', { onDecodeError: 'log' }, InvalidArgumentError],
    ['a', 'json', InvalidArgumentError],
  ])('%j %j throws %p synchronously', (filter, options, type) => {
    const { registry, port } = setup();
    expect(() => registry.observe(filter, options as never)).toThrow(type);
    expect(port.subscribes).toHaveLength(0);
  });
});

describe('one broker subscription per filter, ref-counted', () => {
  it('makes no entry and sends nothing until the first observer subscribes (not at the call)', async () => {
    const { registry, port, connect } = setup();
    await connect();
    const stream = registry.observe('a/+');
    await settle();
    expect(registry.liveFilterCount()).toBe(0);
    expect(port.subscribes).toHaveLength(0);
    stream.subscribe();
    expect(registry.liveFilterCount()).toBe(1);
    await settle();
    expect(port.subscribedFilters()).toEqual([['a/+']]);
  });

  it('sends one SUBSCRIBE for several observers, batching the filters subscribed in the same job', async () => {
    const { registry, port, connect } = setup();
    await connect();
    const a = registry.observe('a/+');
    a.subscribe();
    a.subscribe();
    registry.observe('a/+', { decode: 'string' }).subscribe();
    registry.observe('b').subscribe();
    await settle();
    expect(port.subscribedFilters()).toEqual([['a/+', 'b']]);
    expect(registry.stats()).toMatchObject({ filters: 2, observers: 4 });
  });

  it('routes locally before SUBSCRIBE is sent (a retained message may precede the SUBACK)', async () => {
    const { registry, port, connect } = setup();
    port.autoAck = undefined;
    await connect();
    const { values } = collect(registry.observe('a/+'));
    port.deliver('a/1', 'early', { retain: true });
    expect(payloads(values)).toEqual(['early']);
    expect(port.subscribes).toHaveLength(0); // still to be sent at the end of this job
    await settle();
    expect(port.subscribes).toHaveLength(1);
  });

  it('sends UNSUBSCRIBE once, when the last observer leaves', async () => {
    const { registry, port, connect } = setup();
    await connect();
    const stream = registry.observe('a');
    const first = stream.subscribe();
    const second = stream.subscribe();
    await settle();
    first.unsubscribe();
    await settle();
    expect(port.unsubscribes).toHaveLength(0);
    expect(registry.liveFilterCount()).toBe(1);
    second.unsubscribe();
    second.unsubscribe(); // idempotent
    await settle();
    expect(port.unsubscribedFilters()).toEqual([['a']]);
    expect(registry.liveFilterCount()).toBe(0);
    expect(registry.stats().observers).toBe(0);
  });

  it('causes no churn when the last observer leaves and one comes back in the same job (switchMap, repeat)', async () => {
    const { registry, port, connect } = setup();
    await connect();
    const stream = registry.observe('a');
    stream.subscribe().unsubscribe();
    await settle();
    const subscription = stream.subscribe();
    await settle();
    expect(port.subscribedFilters()).toEqual([['a']]);
    subscription.unsubscribe();
    const again = stream.subscribe();
    await settle();
    expect(port.unsubscribes).toHaveLength(0);
    expect(port.subscribes).toHaveLength(1);
    again.unsubscribe();
    await settle();
    expect(port.unsubscribedFilters()).toEqual([['a']]);
  });

  it('sends nothing at all for a filter that comes and goes within one job', async () => {
    const { registry, port, connect } = setup();
    await connect();
    registry.observe('a').subscribe().unsubscribe();
    await settle();
    expect(port.subscribes).toHaveLength(0);
    expect(port.unsubscribes).toHaveLength(0);
  });

  it('shares one broker subscription between spellings that reduce to the same filter', async () => {
    const { registry, port, connect } = setup();
    await connect();
    const byId = collect(registry.observe('devices/+id/#rest'));
    const byName = collect(registry.observe('devices/+name/#'));
    const plain = collect(registry.observe('devices/+/#'));
    await settle();
    expect(port.subscribedFilters()).toEqual([['devices/+/#']]);
    port.deliver('devices/abc/telemetry/power', '1');
    expect(byId.values[0]?.params).toEqual({ id: 'abc', rest: 'telemetry/power' });
    expect(byName.values[0]?.params).toEqual({ name: 'abc' });
    expect(plain.values[0]?.params).toEqual({});
    byId.subscription.unsubscribe();
    byName.subscription.unsubscribe();
    await settle();
    expect(port.unsubscribes).toHaveLength(0);
    plain.subscription.unsubscribe();
    await settle();
    expect(port.unsubscribedFilters()).toEqual([['devices/+/#']]);
  });
});

describe('grace period (virtual time)', () => {
  function virtual(defaultGracePeriod: number) {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.maxFrames = Number.POSITIVE_INFINITY; // virtual milliseconds, not marble frames
    return { scheduler, ...setup({ scheduler, defaultGracePeriod }) };
  }

  it('keeps the broker subscription for the grace period after the last observer left', async () => {
    const { scheduler, registry, port, connect } = virtual(1000);
    await connect();
    const subscription = registry.observe('a').subscribe();
    await settle();
    const samples: [number, number][] = [];
    scheduler.schedule(() => subscription.unsubscribe(), 100);
    // A sample due at the same time as the timer runs first (scheduled earlier), so sample at +1.
    for (const at of [100, 1099, 1101])
      scheduler.schedule(() => samples.push([scheduler.now(), registry.liveFilterCount()]), at);
    scheduler.flush();
    expect(samples).toEqual([
      [100, 1],
      [1099, 1],
      [1101, 0],
    ]);
    await settle();
    expect(port.unsubscribedFilters()).toEqual([['a']]);
  });

  it('is cancelled by an observer arriving within it: no UNSUBSCRIBE, no new SUBSCRIBE', async () => {
    const { scheduler, registry, port, connect } = virtual(0);
    await connect();
    const stream = registry.observe('a', { gracePeriod: 500 });
    const first = stream.subscribe();
    await settle();
    let second: Subscription | undefined;
    scheduler.schedule(() => first.unsubscribe(), 10);
    scheduler.schedule(() => (second = stream.subscribe()), 400);
    scheduler.schedule(() => second?.unsubscribe(), 600);
    const counts: number[] = [];
    for (const at of [900, 1099, 1101]) scheduler.schedule(() => counts.push(registry.liveFilterCount()), at);
    scheduler.flush();
    expect(counts).toEqual([1, 1, 0]); // the second grace period started at 600
    await settle();
    expect(port.subscribes).toHaveLength(1);
    expect(port.unsubscribes).toHaveLength(1);
  });

  it('uses the longest grace period any observer of the filter asked for', async () => {
    const { scheduler, registry, connect } = virtual(0);
    await connect();
    const short = registry.observe('a', { gracePeriod: 100 }).subscribe();
    const long = registry.observe('a', { gracePeriod: 300 }).subscribe();
    short.unsubscribe();
    long.unsubscribe();
    const counts: number[] = [];
    for (const at of [299, 301]) scheduler.schedule(() => counts.push(registry.liveFilterCount()), at);
    scheduler.flush();
    expect(counts).toEqual([1, 0]);
  });
});

describe('QoS: the broker subscription takes the highest QoS asked', () => {
  it('raises it with one more SUBSCRIBE when a later observer asks more, and only then', async () => {
    const { registry, port, connect } = setup();
    await connect();
    registry.observe('a', { qos: 0 }).subscribe();
    await settle();
    registry.observe('a', { qos: 1 }).subscribe();
    await settle();
    registry.observe('a', { qos: 1 }).subscribe();
    registry.observe('a', { qos: 0 }).subscribe();
    await settle();
    expect(port.subscribes.map((call) => call.requests)).toEqual([
      [{ filter: 'a', qos: 0 }],
      [{ filter: 'a', qos: 1 }],
    ]);
    await expect(registry.whenSubscribed('a')).resolves.toBe(1);
  });

  it('sends the highest QoS directly when the observers arrive in the same job', async () => {
    const { registry, port, connect } = setup();
    await connect();
    registry.observe('a', { qos: 1 }).subscribe();
    registry.observe('a', { qos: 2 }).subscribe();
    registry.observe('a').subscribe();
    await settle();
    expect(port.subscribes.map((call) => call.requests)).toEqual([[{ filter: 'a', qos: 2 }]]);
  });

  it('does not lower it when the demanding observer leaves', async () => {
    const { registry, port, connect } = setup();
    await connect();
    registry.observe('a').subscribe();
    const demanding = registry.observe('a', { qos: 2 }).subscribe();
    await settle();
    demanding.unsubscribe();
    await settle();
    port.drop();
    await connect(false);
    expect(port.subscribes.at(-1)?.requests).toEqual([{ filter: 'a', qos: 2 }]);
  });
});

describe('whenSubscribed: awaiting the SUBACK', () => {
  it('resolves with the granted QoS once the SUBACK arrived, across a reconnect', async () => {
    const { registry, port, connect } = setup();
    port.autoAck = (request) => (request.qos === 2 ? 1 : request.qos); // the broker downgrades 2 to 1
    registry.observe('a', { qos: 2 }).subscribe();
    let granted: number | undefined;
    void registry.whenSubscribed('a').then((qos) => (granted = qos));
    await settle();
    expect(granted).toBeUndefined(); // not connected yet
    await connect();
    expect(granted).toBe(1);
    await expect(registry.whenSubscribed('a')).resolves.toBe(1);
  });

  it('accepts any spelling of the filter', async () => {
    const { registry, connect } = setup();
    await connect();
    registry.observe('d/+id').subscribe();
    await expect(registry.whenSubscribed('d/+other')).resolves.toBe(0);
    await expect(registry.whenSubscribed('d/+')).resolves.toBe(0);
  });

  it('rejects when no observer holds the filter, or the filter is invalid', async () => {
    const { registry } = setup();
    await expect(registry.whenSubscribed('a')).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(registry.whenSubscribed('a/#/b')).rejects.toBeInstanceOf(InvalidTopicError);
  });

  it('rejects with CLOSED when the last observer leaves before the SUBACK', async () => {
    const { registry, port, connect } = setup();
    port.autoAck = undefined;
    await connect();
    const subscription = registry.observe('a').subscribe();
    const waiting = registry.whenSubscribed('a');
    subscription.unsubscribe();
    await expect(waiting).rejects.toBeInstanceOf(ClosedError);
  });
});

describe('refused subscriptions', () => {
  it('errors only the observers of the refused filter with SUBSCRIBE_REFUSED and forgets the filter', async () => {
    const { registry, port, errors, logs, connect } = setup();
    port.autoAck = (request) => (request.filter === 'secret/#' ? 0x80 : request.qos);
    await connect();
    const refused1 = collect(registry.observe('secret/#'));
    const refused2 = collect(registry.observe('secret/#', { decode: 'string' }));
    const fine = collect(registry.observe('public/#'));
    const waiting = registry.whenSubscribed('secret/#');
    await settle();
    expect(port.subscribedFilters()).toEqual([['secret/#', 'public/#']]);
    for (const observer of [refused1, refused2]) {
      expect(observer.state.error).toBeInstanceOf(SubscribeRefusedError);
      expect(observer.state.error).toMatchObject({
        code: 'SUBSCRIBE_REFUSED',
        filter: 'secret/#',
        reasonCode: 0x80,
      });
    }
    await expect(waiting).rejects.toBeInstanceOf(SubscribeRefusedError);
    expect(fine.state).toEqual({ completed: false });
    expect(errors).toEqual([refused1.state.error]);
    expect(logs.some(([level, , context]) => level === 'warn' && context['filter'] === 'secret/#')).toBe(
      true,
    );
    expect(registry.liveFilterCount()).toBe(1);
    expect(registry.stats().observers).toBe(1);
    port.deliver('public/x', 'still here');
    port.deliver('secret/x', 'nobody');
    expect(payloads(fine.values)).toEqual(['still here']);
    await settle();
    expect(port.unsubscribes).toHaveLength(0); // the broker never held it
    // A new observer starts over with a new SUBSCRIBE.
    registry.observe('secret/#').subscribe({ error: () => undefined });
    await settle();
    expect(port.subscribedFilters().at(-1)).toEqual(['secret/#']);
  });
});

describe('reconnects', () => {
  it('defers SUBSCRIBE while disconnected and sends everything, batched, on the next CONNACK', async () => {
    const { registry, port, connect } = setup({ subscribeBatchSize: 2 });
    for (const filter of ['a', 'b', 'c']) registry.observe(filter).subscribe();
    await settle();
    expect(port.subscribes).toHaveLength(0);
    await connect();
    expect(port.subscribedFilters()).toEqual([['a', 'b'], ['c']]);
  });

  it('with sessionPresent false, subscribes every live filter again, once each, with its own options', async () => {
    const { registry, port, connect } = setup();
    await connect();
    registry.observe('a', { qos: 1 }).subscribe();
    registry.observe('a').subscribe();
    registry
      .observe('b/+id', { qos: 2, noLocal: true, retainAsPublished: true, retainHandling: 1 })
      .subscribe();
    registry.observe('$share/g/c').subscribe();
    registry.observe('d', { gracePeriod: 60_000 }).subscribe().unsubscribe(); // in its grace period: still live
    await settle();
    port.drop();
    await connect(false);
    expect(port.subscribes.at(-1)?.requests).toEqual([
      { filter: 'a', qos: 1 },
      { filter: 'b/+', qos: 2, noLocal: true, retainAsPublished: true, retainHandling: 1 },
      { filter: '$share/g/c', qos: 0 },
      { filter: 'd', qos: 0 },
    ]);
    expect(port.subscribes).toHaveLength(2);
  });

  it('resolves onConnected only once the SUBACKs arrived', async () => {
    const { registry, port } = setup();
    port.autoAck = undefined;
    registry.observe('a').subscribe();
    let done = false;
    void registry.onConnected(port.open(false)).then(() => (done = true));
    await settle();
    expect(done).toBe(false);
    port.subscribes[0]?.resolve([0]);
    await settle();
    expect(done).toBe(true);
  });

  it('with sessionPresent true, re-sends nothing that the session acknowledged', async () => {
    const { registry, port, connect } = setup();
    await connect();
    registry.observe('a').subscribe();
    registry.observe('b').subscribe();
    await settle();
    port.drop();
    await connect(true);
    expect(port.subscribes).toHaveLength(1);
  });

  it('keeps observers through a drop while a SUBACK is pending, and subscribes the filter on the next CONNACK', async () => {
    const { registry, port, connect } = setup();
    port.autoAck = undefined;
    await connect();
    const observer = collect(registry.observe('a', { qos: 1 }));
    await settle();
    expect(port.subscribes).toHaveLength(1);
    port.drop();
    await settle();
    expect(observer.state).toEqual({ completed: false });
    port.autoAck = (request) => request.qos;
    await connect(true); // even with a session: this filter was never acknowledged
    expect(port.subscribedFilters()).toEqual([['a'], ['a']]);
    port.deliver('a', 'after');
    expect(payloads(observer.values)).toEqual(['after']);
    await expect(registry.whenSubscribed('a')).resolves.toBe(1);
  });

  it('ignores a SUBACK that arrives for an earlier connection', async () => {
    const { registry, port, connect } = setup();
    port.autoAck = undefined;
    await connect();
    registry.observe('a').subscribe();
    await settle();
    const stale = port.subscribes[0];
    port.drop();
    port.autoAck = (request) => request.qos;
    await connect(false);
    stale?.resolve([0x80]); // already rejected by the drop; a late answer changes nothing
    await settle();
    expect(registry.liveFilterCount()).toBe(1);
  });

  it('does not complete observers on a drop; they receive messages again after the reconnect', async () => {
    const { registry, port, connect } = setup();
    await connect();
    const observer = collect(registry.observe('a'));
    port.deliver('a', 'before');
    port.drop();
    await settle();
    await connect(false);
    port.deliver('a', 'after');
    expect(payloads(observer.values)).toEqual(['before', 'after']);
    expect(observer.state).toEqual({ completed: false });
  });

  it('UNSUBSCRIBEs a filter left while disconnected when the session survived, not when it is new', async () => {
    const { registry, port, connect } = setup();
    await connect();
    const a = registry.observe('a').subscribe();
    const b = registry.observe('b').subscribe();
    await settle();
    port.drop();
    a.unsubscribe();
    b.unsubscribe();
    await settle();
    expect(registry.liveFilterCount()).toBe(0);
    await connect(true);
    expect(port.unsubscribedFilters()).toEqual([['a', 'b']]);
    port.drop();
    registry.observe('c').subscribe().unsubscribe();
    await connect(false);
    expect(port.unsubscribes).toHaveLength(1);
  });

  it('UNSUBSCRIBEs again after a reconnect with a session when the first UNSUBSCRIBE was lost', async () => {
    const { registry, port, connect } = setup();
    await connect();
    const subscription = registry.observe('a').subscribe();
    await settle();
    port.autoAck = undefined;
    subscription.unsubscribe();
    await settle();
    expect(port.unsubscribes).toHaveLength(1);
    port.drop();
    await settle();
    port.autoAck = (request) => request.qos;
    await connect(true);
    expect(port.unsubscribedFilters()).toEqual([['a'], ['a']]);
  });
});

describe('MQTT 5 options shared by a filter', () => {
  it('refuses an observer asking other options than the live ones', async () => {
    const { registry, connect } = setup();
    await connect();
    const first = collect(registry.observe('a', { noLocal: true }));
    const second = collect(registry.observe('a'));
    expect(first.state.error).toBeUndefined();
    expect(second.state.error).toBeInstanceOf(InvalidArgumentError);
    expect(String(second.state.error)).toMatch(/noLocal=true/);
    expect(registry.stats().observers).toBe(1);
  });

  it('takes the new options of an observer arriving in the grace period, and subscribes again', async () => {
    const { registry, port, connect } = setup({ defaultGracePeriod: 60_000 });
    await connect();
    registry.observe('a', { retainHandling: 2 }).subscribe().unsubscribe();
    await settle();
    registry.observe('a').subscribe();
    await settle();
    expect(port.subscribes.map((call) => call.requests)).toEqual([
      [{ filter: 'a', qos: 0, retainHandling: 2 }],
      [{ filter: 'a', qos: 0 }],
    ]);
    registry.dispose();
  });
});

describe('dispose', () => {
  it('completes observers and the streams, rejects waiters, and ignores later messages', async () => {
    const { registry, port } = setup();
    const observer = collect(registry.observe('a'));
    const all = collect(registry.messages$);
    const waiting = registry.whenSubscribed('a');
    registry.dispose();
    registry.dispose();
    expect(observer.state.completed).toBe(true);
    expect(all.state.completed).toBe(true);
    await expect(waiting).rejects.toBeInstanceOf(ClosedError);
    port.deliver('a', 'x');
    expect(observer.values).toEqual([]);
    const late = collect(registry.observe('a'));
    expect(late.state.completed).toBe(true);
    expect(registry.liveFilterCount()).toBe(0);
  });
});
