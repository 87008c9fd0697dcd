import { VirtualTimeScheduler } from 'rxjs';
import { SubscriptionRegistry } from '../../../src/streams/subscription-registry';
import type { MqttConnectorError } from '../../../src/connector/errors';
import { FakePort, settle } from './fake-port';

async function setup() {
  const port = new FakePort();
  const scheduler = new VirtualTimeScheduler();
  const registry = new SubscriptionRegistry(port, { log: () => undefined, scheduler });
  await registry.onConnected(port.open());
  return { port, scheduler, registry };
}

/** Advances virtual time by `ms` (the scheduler's clock only moves when an action runs). */
const clocks = new WeakMap<VirtualTimeScheduler, number>();
function advance(scheduler: VirtualTimeScheduler, ms: number) {
  const target = (clocks.get(scheduler) ?? 0) + ms;
  clocks.set(scheduler, target);
  scheduler.maxFrames = target;
  scheduler.flush();
}

describe('a subscription the broker refuses while it is restored', () => {
  it('keeps its observers and subscribes again with a growing delay until the broker grants it', async () => {
    const { port, scheduler, registry } = await setup();
    let error: unknown;
    const subscription = registry
      .observe('jobs/#', { qos: 1 })
      .subscribe({ error: (e: unknown) => (error = e) });
    await settle();
    expect(port.subscribedFilters()).toEqual([['jobs/#']]);

    // The connection drops; the new broker (no session) refuses the restore twice, then grants it.
    port.drop();
    port.autoAck = () => 0x80;
    await registry.onConnected(port.open());
    await settle();
    expect(port.subscribes).toHaveLength(2);
    advance(scheduler, 499);
    await settle();
    expect(port.subscribes).toHaveLength(2); // not before 500 ms
    advance(scheduler, 1);
    await settle();
    expect(port.subscribes).toHaveLength(3);
    port.autoAck = (request) => request.qos;
    advance(scheduler, 1000); // second retry after 1 s
    await settle();
    expect(port.subscribes).toHaveLength(4);
    await expect(registry.whenSubscribed('jobs/#')).resolves.toBe(1);
    expect(error).toBeUndefined();

    port.deliver('jobs/1', 'x', { qos: 1 });
    subscription.unsubscribe();
    registry.dispose();
  });

  it('still errors the observers when the broker refuses a filter it never granted', async () => {
    const { port, registry } = await setup();
    port.autoAck = () => 0x80;
    let error: MqttConnectorError | undefined;
    registry.observe('secret/#').subscribe({ error: (e: MqttConnectorError) => (error = e) });
    await settle();
    await settle();
    expect(error?.code).toBe('SUBSCRIBE_REFUSED');
    registry.dispose();
  });

  it('stops retrying when the connection drops (the next CONNACK restores anyway)', async () => {
    const { port, scheduler, registry } = await setup();
    const subscription = registry.observe('a', { qos: 1 }).subscribe();
    await settle();
    port.drop();
    port.autoAck = () => 0x80;
    await registry.onConnected(port.open());
    await settle();
    const sent = port.subscribes.length;
    port.drop();
    advance(scheduler, 60_000);
    await settle();
    expect(port.subscribes).toHaveLength(sent);
    subscription.unsubscribe();
    registry.dispose();
  });
});
