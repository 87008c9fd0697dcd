/**
 * MQTT 5 Subscription Identifiers: filters that never match one topic together share an identifier (exact
 * filters one, wildcard filters in groups without overlaps) and pack into SUBSCRIBEs of many; shared
 * filters and overlapping ones hold different identifiers, and a PUBLISH goes only to the matching
 * filters whose identifiers it carries — so `$share/g/F` and `F` on one connector, or overlapping
 * filters, each get their own copies exactly once. Without identifiers (MQTT 3.1.1, or a
 * broker without them) routing is by topic alone, and a shared + plain pair is warned about.
 */
import { settle } from './fake-port';
import { collect, createRegistry, payloads, setup } from './registry-harness';

const V5 = { protocolVersion: 5 } as const;

/** The identifier each filter was subscribed with, by filter. */
function identifiers(port: Awaited<ReturnType<typeof setup>>['port']): Record<string, number | undefined> {
  const ids: Record<string, number | undefined> = {};
  for (const call of port.subscribes)
    for (const request of call.requests) ids[request.filter] = request.subscriptionIdentifier;
  return ids;
}

describe('with subscription identifiers (MQTT 5)', () => {
  it('subscribes each filter in its own SUBSCRIBE with its own identifier', async () => {
    const { port, registry } = await setup({}, V5);
    collect(registry.observe('a/+'));
    collect(registry.observe('a/#'));
    collect(registry.observe('$share/g/a/+'));
    await settle();
    expect(port.subscribedFilters()).toEqual([['a/+'], ['a/#'], ['$share/g/a/+']]);
    const ids = Object.values(identifiers(port));
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) {
      expect(Number.isInteger(id)).toBe(true);
      expect(id).toBeGreaterThanOrEqual(1);
      expect(id).toBeLessThanOrEqual(268_435_455);
    }
  });

  it('wraps from the largest identifier to 2 (1 is the exact filters’) and keeps routing each filter its own copies', async () => {
    const { port, registry } = await setup({ firstSubscriptionId: 268_435_455 }, V5);
    const last = collect(registry.observe('a/+'));
    const wrapped = collect(registry.observe('a/#'));
    const exact = collect(registry.observe('a/b'));
    await settle();
    expect(identifiers(port)).toEqual({ 'a/+': 268_435_455, 'a/#': 2, 'a/b': 1 });
    port.deliver('a/b', 'to the wrapped one', { properties: { subscriptionIdentifier: 2 } });
    port.deliver('a/b', 'to the exact one', { properties: { subscriptionIdentifier: 1 } });
    expect(payloads(wrapped.values)).toEqual(['to the wrapped one']);
    expect(payloads(exact.values)).toEqual(['to the exact one']);
    expect(last.values).toEqual([]);
  });

  it('$share/g/F and F: each copy reaches only the observers of the subscription it was sent for', async () => {
    const { port, registry } = await setup({}, V5);
    const shared = collect(registry.observe('$share/g/jobs/+id'));
    const plain = collect(registry.observe('jobs/+'));
    await settle();
    const ids = identifiers(port);
    const sharedId = ids['$share/g/jobs/+'];
    const plainId = ids['jobs/+'];
    // The broker sends the plain subscription its copy of every message, the group only some.
    port.deliver('jobs/1', '1', { properties: { subscriptionIdentifier: plainId } });
    port.deliver('jobs/1', '1', { properties: { subscriptionIdentifier: sharedId } });
    port.deliver('jobs/2', '2', { properties: { subscriptionIdentifier: plainId } });
    expect(payloads(plain.values)).toEqual([1, 2]);
    expect(shared.values.map((m) => [m.payload, m.params])).toEqual([[1, { id: '1' }]]);
  });

  it('overlapping filters: one copy per subscription, or one naming several, reaches each observer once', async () => {
    const { port, registry, logs } = await setup({}, V5);
    const wide = collect(registry.observe('a/#'));
    const narrow = collect(registry.observe('a/+'));
    await settle();
    const ids = identifiers(port);
    port.deliver('a/b', 'one copy each', { properties: { subscriptionIdentifier: ids['a/#'] } });
    port.deliver('a/b', 'one copy each', { properties: { subscriptionIdentifier: ids['a/+'] } });
    port.deliver('a/b', 'merged', {
      properties: { subscriptionIdentifier: [ids['a/+'] ?? 0, ids['a/#'] ?? 0] },
    });
    expect(payloads(wide.values)).toEqual(['one copy each', 'merged']);
    expect(payloads(narrow.values)).toEqual(['one copy each', 'merged']);
    expect(logs.filter(([level]) => level === 'warn')).toEqual([]);
  });

  it('retained copies sent per subscription: each reaches its own observers once, also after a reconnect', async () => {
    const { port, registry } = await setup({}, V5);
    const wide = collect(registry.observe('a/#'));
    const narrow = collect(registry.observe('a/+'));
    await settle();
    const ids = identifiers(port);
    const copies = (payload: string) => {
      port.deliver('a/b', payload, { retain: true, properties: { subscriptionIdentifier: ids['a/#'] } });
      port.deliver('a/b', payload, { retain: true, properties: { subscriptionIdentifier: ids['a/+'] } });
    };
    copies('v1'); // a retained publish: one copy per subscription, the second repeats the first's bytes
    copies('v2');
    port.drop();
    await registry.onConnected(port.open(false, V5));
    copies('v2'); // the restoring SUBSCRIBEs: the state again, which both already have
    for (const observer of [wide, narrow]) {
      expect(observer.values.map((m) => [m.payload, m.retain])).toEqual([
        ['v1', true],
        ['v2', false],
      ]);
    }
  });

  it('keeps each filter’s identifier when it subscribes again: QoS upgrade, reconnect without session', async () => {
    const { port, registry } = await setup({}, V5);
    collect(registry.observe('a'));
    collect(registry.observe('$share/g/a'));
    await settle();
    const before = identifiers(port);
    collect(registry.observe('a', { qos: 1 }));
    await settle();
    port.drop();
    await registry.onConnected(port.open(false, V5));
    await settle();
    expect(port.subscribes.map((call) => call.requests)).toEqual([
      [{ filter: 'a', qos: 0, retainAsPublished: true, subscriptionIdentifier: before['a'] }],
      [
        {
          filter: '$share/g/a',
          qos: 0,
          retainAsPublished: true,
          subscriptionIdentifier: before['$share/g/a'],
        },
      ],
      [{ filter: 'a', qos: 1, retainAsPublished: true, subscriptionIdentifier: before['a'] }],
      [{ filter: 'a', qos: 1, retainAsPublished: true, subscriptionIdentifier: before['a'] }],
      [
        {
          filter: '$share/g/a',
          qos: 0,
          retainAsPublished: true,
          subscriptionIdentifier: before['$share/g/a'],
        },
      ],
    ]);
  });

  it('keeps a shared identifier while a filter holds it, and hands out a new one after the last left', async () => {
    const { port, registry } = await setup({}, V5);
    const wildcard = collect(registry.observe('a/+'));
    const exact = collect(registry.observe('a/b'));
    collect(registry.observe('c'));
    await settle();
    const before = identifiers(port);
    wildcard.subscription.unsubscribe();
    exact.subscription.unsubscribe();
    await settle();
    expect(port.unsubscribedFilters()).toEqual([['a/+', 'a/b']]);
    port.subscribes.length = 0;
    collect(registry.observe('a/+'));
    collect(registry.observe('a/b'));
    await settle();
    const after = identifiers(port);
    // `c` still holds the exact filters' identifier; a/+ was the last of its group.
    expect(after['a/b']).toBe(before['c']);
    expect(after['a/+']).not.toBe(before['a/+']);
  });

  it('packs filters that never match one topic together into SUBSCRIBEs of subscribeBatchSize under one identifier', async () => {
    const { port, registry } = await setup({ subscribeBatchSize: 2 }, V5);
    const filters = ['a', 'a/+', 'b/c', '$share/g/a', 'd', 'e/#', 'f', 'a/#', 'x/+/y'];
    for (const filter of filters) collect(registry.observe(filter));
    await settle();
    // Exact filters share one identifier; a/+, e/# and x/+/y another; a/# overlaps a/+ and starts a group.
    expect(port.subscribedFilters()).toEqual([
      ['a', 'b/c'],
      ['d', 'f'],
      ['a/+', 'e/#'],
      ['x/+/y'],
      ['$share/g/a'],
      ['a/#'],
    ]);
    const ids = identifiers(port);
    expect([ids['b/c'], ids['d'], ids['f']]).toEqual([ids['a'], ids['a'], ids['a']]);
    expect([ids['e/#'], ids['x/+/y']]).toEqual([ids['a/+'], ids['a/+']]);
    expect(new Set([ids['a'], ids['a/+'], ids['$share/g/a'], ids['a/#']]).size).toBe(4);
    for (const call of port.subscribes) {
      expect(new Set(call.requests.map((request) => request.subscriptionIdentifier)).size).toBe(1);
    }
  });

  it('a wildcard filter joins a group once the filter it overlapped there has left', async () => {
    const { port, registry } = await setup({}, V5);
    const narrow = collect(registry.observe('a/+'));
    collect(registry.observe('b/+'));
    await settle();
    const group = identifiers(port)['a/+'];
    expect(identifiers(port)['b/+']).toBe(group);
    narrow.subscription.unsubscribe();
    await settle();
    const wide = collect(registry.observe('a/#'));
    await settle();
    expect(identifiers(port)['a/#']).toBe(group);
    port.deliver('a/1', 'for a/#', { properties: { subscriptionIdentifier: group } });
    expect(payloads(wide.values)).toEqual(['for a/#']);
  });

  it('filters sharing an identifier: each copy reaches the filters it names that match its topic', async () => {
    const { port, registry } = await setup({}, V5);
    const exact = collect(registry.observe('a/b'));
    const other = collect(registry.observe('x'));
    const wildcard = collect(registry.observe('a/+'));
    const disjoint = collect(registry.observe('x/#'));
    const shared = collect(registry.observe('$share/g/a/b'));
    await settle();
    const ids = identifiers(port);
    expect(ids['x']).toBe(ids['a/b']);
    expect(ids['x/#']).toBe(ids['a/+']);
    // One copy per subscription (Mosquitto), then one copy naming both overlapping subscriptions.
    port.deliver('a/b', 'for a/b', { properties: { subscriptionIdentifier: ids['a/b'] } });
    port.deliver('a/b', 'for a/+', { properties: { subscriptionIdentifier: ids['a/+'] } });
    port.deliver('a/b', 'for the group', { properties: { subscriptionIdentifier: ids['$share/g/a/b'] } });
    port.deliver('a/b', 'merged', {
      properties: { subscriptionIdentifier: [ids['a/+'] ?? 0, ids['a/b'] ?? 0] },
    });
    port.deliver('x', 'for x', { properties: { subscriptionIdentifier: ids['x'] } });
    port.deliver('x', 'for x/#', { properties: { subscriptionIdentifier: ids['x/#'] } });
    expect(payloads(disjoint.values)).toEqual(['for x/#']);
    expect(payloads(exact.values)).toEqual(['for a/b', 'merged']);
    expect(payloads(wildcard.values)).toEqual(['for a/+', 'merged']);
    expect(payloads(shared.values)).toEqual(['for the group']);
    expect(payloads(other.values)).toEqual(['for x']);
  });

  it('gives filters observed before the first CONNACK their identifiers when their SUBSCRIBEs leave', async () => {
    const { port, registry } = createRegistry();
    for (const filter of ['a', 'a/+', 'b', 'a/#']) collect(registry.observe(filter));
    await settle();
    expect(port.subscribes).toEqual([]);
    await registry.onConnected(port.open(false, V5));
    await settle();
    expect(port.subscribedFilters()).toEqual([['a', 'b'], ['a/+'], ['a/#']]);
    const ids = identifiers(port);
    expect(ids['b']).toBe(ids['a']);
    expect(new Set(Object.values(ids)).size).toBe(3);
    expect(Object.values(ids).every((id) => Number.isInteger(id) && (id as number) >= 1)).toBe(true);
  });

  it('restores exact filters packed after a reconnect without session, each with the identifier it had', async () => {
    const { port, registry } = await setup({ subscribeBatchSize: 100 }, V5);
    const filters = Array.from({ length: 150 }, (_, i) => `devices/${i}/state`);
    for (const filter of filters) collect(registry.observe(filter));
    collect(registry.observe('devices/+/state'));
    await settle();
    const before = identifiers(port);
    port.drop();
    port.subscribes.length = 0;
    await registry.onConnected(port.open(false, V5));
    await settle();
    expect(port.subscribes.map((call) => call.requests.length)).toEqual([100, 50, 1]);
    expect(identifiers(port)).toEqual(before);
  });

  it('falls back to the topic for a copy naming none of the live filters (a session of an earlier run)', async () => {
    const { port, registry } = await setup({}, V5);
    const unmatched = collect(registry.unmatched$);
    const a = collect(registry.observe('a/+'));
    const b = collect(registry.observe('a/#'));
    await settle();
    const stale = Math.max(...Object.values(identifiers(port)).map(Number)) + 1;
    port.deliver('a/1', 'backlog', { properties: { subscriptionIdentifier: stale } });
    expect(payloads(a.values)).toEqual(['backlog']);
    expect(payloads(b.values)).toEqual(['backlog']);
    expect(unmatched.values).toEqual([]);
  });
});

describe('without subscription identifiers', () => {
  it('MQTT 3.1.1: $share/g/F and F both route by topic, so each observer gets both copies; warned once', async () => {
    const { port, registry, logs } = await setup();
    const shared = collect(registry.observe('$share/g/jobs/+'));
    const plain = collect(registry.observe('jobs/+'));
    collect(registry.observe('$share/h/jobs/+'));
    await settle();
    expect(port.subscribedFilters()).toEqual([['$share/g/jobs/+', 'jobs/+', '$share/h/jobs/+']]);
    expect(port.subscribes[0]?.requests.every((r) => r.subscriptionIdentifier === undefined)).toBe(true);
    port.deliver('jobs/1', 'for the plain subscription');
    port.deliver('jobs/1', 'for the group');
    // The documented 3.1.1 limitation: nothing in a PUBLISH says which subscription it was sent for.
    expect(payloads(plain.values)).toEqual(['for the plain subscription', 'for the group']);
    expect(payloads(shared.values)).toEqual(['for the plain subscription', 'for the group']);
    const warnings = logs.filter(([level]) => level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.[2]).toEqual({ filters: ['$share/g/jobs/+', 'jobs/+'] });
  });

  it('warns on the CONNACK for a pair subscribed while offline, and not for a $share filter alone', async () => {
    const { port, registry, logs } = await setup();
    collect(registry.observe('$share/g/a'));
    collect(registry.observe('b'));
    await settle();
    port.drop();
    collect(registry.observe('$share/g/b'));
    expect(logs.filter(([level]) => level === 'warn')).toEqual([]);
    await registry.onConnected(port.open(false));
    expect(logs.filter(([level]) => level === 'warn').map(([, , context]) => context)).toEqual([
      { filters: ['b', '$share/g/b'] },
    ]);
  });

  it('MQTT 5 broker without them (subscriptionIdentifiersAvailable false): batched, no identifiers', async () => {
    const { port, registry } = await setup(
      {},
      { protocolVersion: 5, subscriptionIdentifiersAvailable: false },
    );
    collect(registry.observe('a'));
    collect(registry.observe('b'));
    await settle();
    expect(port.subscribes.map((call) => call.requests)).toEqual([
      [
        { filter: 'a', qos: 0, retainAsPublished: true },
        { filter: 'b', qos: 0, retainAsPublished: true },
      ],
    ]);
  });
});
