/**
 * The retained cache by protocol. MQTT 5: the connector subscribes with Retain As Published, so the
 * cache takes only messages that really were retained, and observers see the `retain` flag they asked
 * for. MQTT 3.1.1: a live message on a cached topic is taken as its new state (the broker clears the
 * flag when forwarding). Both: a retained message the broker sends again with the same payload (reconnect
 * without session, QoS upgrade, an overlapping filter) is not delivered again to observers that have it.
 */
import { settle } from './fake-port';
import { collect, setup } from './registry-harness';

const V5 = { protocolVersion: 5 } as const;
const flags = (messages: readonly { payload: unknown; retain: boolean }[]) =>
  messages.map((m) => [m.payload, m.retain]);

describe('MQTT 5: the cache trusts the retain flag', () => {
  it('subscribes with Retain As Published, whatever the observer asked', async () => {
    const { port, registry } = await setup({}, { ...V5, subscriptionIdentifiersAvailable: false });
    collect(registry.observe('a'));
    collect(registry.observe('b', { retainAsPublished: true }));
    await settle();
    expect(port.subscribes[0]?.requests).toEqual([
      { filter: 'a', qos: 0, retainAsPublished: true },
      { filter: 'b', qos: 0, retainAsPublished: true },
    ]);
  });

  it('a late observer gets the state the broker holds, not a later non-retained event', async () => {
    const { port, registry } = await setup({}, V5);
    const first = collect(registry.observe('s'));
    await settle();
    port.deliver('s', 'state', { retain: true }); // sent because we subscribed
    port.deliver('s', 'transient event'); // live, not retained
    const late = collect(registry.observe('s'));
    expect(flags(late.values)).toEqual([['state', true]]);
    expect(flags(first.values)).toEqual([
      ['state', true],
      ['transient event', false],
    ]);
  });

  it('a live retained publish becomes the state; observers see retain: false unless they asked Retain As Published', async () => {
    const { port, registry } = await setup({}, V5);
    const plain = collect(registry.observe('s/+'));
    const asPublished = collect(registry.observe('s/#', { retainAsPublished: true }));
    await settle();
    port.deliver('s/1', 'v1', { retain: true }); // the state at subscription (to both, by topic)
    port.deliver('s/1', 'v2', { retain: true }); // a live publish with the retain flag
    expect(flags(plain.values)).toEqual([
      ['v1', true],
      ['v2', false],
    ]);
    expect(flags(asPublished.values)).toEqual([
      ['v1', true],
      ['v2', true],
    ]);
    expect(flags(collect(registry.observe('s/+')).values)).toEqual([['v2', true]]);
  });

  it('the first retained message of a topic that had none at subscription counts as its state', async () => {
    const { port, registry } = await setup({}, V5);
    const plain = collect(registry.observe('s/+'));
    await settle();
    port.deliver('s/new', 'first', { retain: true }); // cannot be told from a state sent at SUBSCRIBE
    port.deliver('s/new', 'second', { retain: true });
    expect(flags(plain.values)).toEqual([
      ['first', true],
      ['second', false],
    ]);
  });

  it('an empty retained message clears the state', async () => {
    const { port, registry } = await setup({}, V5);
    collect(registry.observe('s'));
    await settle();
    port.deliver('s', 'state', { retain: true });
    port.deliver('s', '', { retain: true });
    expect(collect(registry.observe('s')).values).toEqual([]);
    expect(registry.stats().retainedTopics).toBe(0);
  });

  it('Retain Handling 2: every retained message is live (the broker sends none at subscription)', async () => {
    const { port, registry } = await setup({}, V5);
    const observer = collect(registry.observe('s', { retainHandling: 2 }));
    await settle();
    port.deliver('s', 'v1', { retain: true });
    expect(flags(observer.values)).toEqual([['v1', false]]);
  });

  it('with the cache off (maxRetained 0), sends the observers’ own Retain As Published and reports the flag as received', async () => {
    const { port, registry } = await setup(
      { maxRetained: 0 },
      { ...V5, subscriptionIdentifiersAvailable: false },
    );
    const observer = collect(registry.observe('s'));
    await settle();
    expect(port.subscribes[0]?.requests).toEqual([{ filter: 's', qos: 0 }]);
    port.deliver('s', 'v1', { retain: true });
    port.deliver('s', 'v1', { retain: true });
    expect(flags(observer.values)).toEqual([
      ['v1', true],
      ['v1', true],
    ]);
  });
});

describe.each([
  ['MQTT 3.1.1', {}],
  ['MQTT 5', V5],
] as const)('%s: a retained message sent again with the same payload', (_name, connAck) => {
  it('after a reconnect without session: not delivered again to live observers; a changed one is', async () => {
    const { port, registry } = await setup({}, connAck);
    const early = collect(registry.observe('lamps/+'));
    await settle();
    port.deliver('lamps/1', 'on', { retain: true });
    port.deliver('lamps/2', 'off', { retain: true });
    const replayed = collect(registry.observe('lamps/+'));
    expect(replayed.values).toHaveLength(2);
    port.drop();
    await registry.onConnected(port.open(false, connAck)); // the restoring SUBSCRIBE...
    port.deliver('lamps/1', 'on', { retain: true }); // ...makes the broker send the state again
    port.deliver('lamps/2', 'on', { retain: true }); // changed while we were away
    for (const observer of [early, replayed]) {
      expect(flags(observer.values).slice(-1)).toEqual([['on', true]]);
      expect(observer.values.filter((m) => m.topic === 'lamps/1')).toHaveLength(1);
    }
    expect(early.values).toHaveLength(3);
  });

  it('for a new observer that joined while offline, delivered (it has not seen it)', async () => {
    const { port, registry } = await setup({}, connAck);
    collect(registry.observe('a'));
    await settle();
    port.deliver('a', 'state', { retain: true });
    port.drop();
    const offline = collect(registry.observe('a', { replayRetained: false }));
    await registry.onConnected(port.open(false, connAck));
    port.deliver('a', 'state', { retain: true });
    expect(flags(offline.values)).toEqual([['state', true]]);
  });

  it('live messages with the same payload are delivered as usual', async () => {
    const { port, registry } = await setup({}, connAck);
    const observer = collect(registry.observe('a'));
    await settle();
    port.deliver('a', 'state', { retain: true });
    port.deliver('a', 'state');
    port.deliver('a', 'state');
    expect(observer.values).toHaveLength(3);
  });
});

describe('MQTT 3.1.1: routing by topic', () => {
  it('the retained state sent for a new overlapping filter reaches only its own observers', async () => {
    const { port, registry } = await setup();
    const wide = collect(registry.observe('lamps/#'));
    await settle();
    port.deliver('lamps/1', 'on', { retain: true });
    const narrow = collect(registry.observe('lamps/1')); // a new SUBSCRIBE: the broker sends the state
    expect(narrow.values).toEqual([]);
    port.deliver('lamps/1', 'on', { retain: true });
    expect(flags(narrow.values)).toEqual([['on', true]]);
    expect(wide.values).toHaveLength(1);
  });

  it('a restore that brings back the state the broker holds replaces a transient value taken as state', async () => {
    const { port, registry } = await setup();
    const observer = collect(registry.observe('a'));
    await settle();
    port.deliver('a', 'state', { retain: true });
    port.deliver('a', 'event'); // 3.1.1: taken as the new state (it could have been a retained publish)
    port.drop();
    await registry.onConnected(port.open(false));
    port.deliver('a', 'state', { retain: true }); // what the broker really holds
    expect(flags(observer.values)).toEqual([
      ['state', true],
      ['event', false],
      ['state', true],
    ]);
    expect(flags(collect(registry.observe('a')).values)).toEqual([['state', true]]);
  });
});
