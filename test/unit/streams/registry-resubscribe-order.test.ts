import { SubscriptionRegistry } from '../../../src/streams/subscription-registry';
import { FakePort, settle } from './fake-port';

describe('subscribing a filter again while its UNSUBSCRIBE is in flight', () => {
  it('waits for the UNSUBACK before sending the SUBSCRIBE (brokers may reorder them otherwise)', async () => {
    const port = new FakePort();
    const registry = new SubscriptionRegistry(port, { log: () => undefined });
    const connected = registry.onConnected(port.open());
    await settle();
    await connected;

    const first = registry.observe('jobs/#').subscribe();
    await settle();
    expect(port.subscribedFilters()).toEqual([['jobs/#']]);

    port.autoAck = undefined; // the test answers from now on
    first.unsubscribe();
    await settle();
    expect(port.unsubscribes.map((u) => u.filters)).toEqual([['jobs/#']]);

    // A new observer in a later job: its SUBSCRIBE must wait for the UNSUBACK.
    const second = registry.observe('jobs/#').subscribe();
    await settle();
    expect(port.subscribes).toHaveLength(1);

    port.unsubscribes[0]?.resolve();
    await settle();
    expect(port.subscribedFilters()).toEqual([['jobs/#'], ['jobs/#']]);

    port.subscribes[1]?.resolve([0]);
    await expect(registry.whenSubscribed('jobs/#')).resolves.toBe(0);
    second.unsubscribe();
    registry.dispose();
  });

  it('sends other filters at once while one waits for its UNSUBACK', async () => {
    const port = new FakePort();
    const registry = new SubscriptionRegistry(port, { log: () => undefined });
    const connected = registry.onConnected(port.open());
    await settle();
    await connected;
    const first = registry.observe('a').subscribe();
    await settle();
    port.autoAck = undefined;
    first.unsubscribe();
    await settle();
    const again = registry.observe('a').subscribe();
    const other = registry.observe('b').subscribe();
    await settle();
    expect(port.subscribedFilters()).toEqual([['a'], ['b']]);
    port.unsubscribes[0]?.resolve();
    await settle();
    expect(port.subscribedFilters()).toEqual([['a'], ['b'], ['a']]);
    again.unsubscribe();
    other.unsubscribe();
    registry.dispose();
  });
});
