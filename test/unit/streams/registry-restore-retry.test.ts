import { VirtualTimeScheduler } from 'rxjs';
import {
  SubscriptionRegistry,
  type SubscriptionRegistryOptions,
} from '../../../src/streams/subscription-registry';
import { InvalidOptionsError, type MqttConnectorError } from '../../../src/connector/errors';
import { MqttConnector } from '../../../src/index';
import { FakePort, settle } from './fake-port';

async function setup(options: Partial<SubscriptionRegistryOptions> = {}) {
  const port = new FakePort();
  const scheduler = new VirtualTimeScheduler();
  const registry = new SubscriptionRegistry(port, { log: () => undefined, scheduler, ...options });
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

  /** Loses the connection, then connects to a broker (no session) that refuses every SUBSCRIBE. */
  async function refuseFromNowOn(port: FakePort, registry: SubscriptionRegistry) {
    port.drop();
    port.autoAck = () => 0x87;
    await registry.onConnected(port.open());
    await settle();
  }

  /** Advances virtual time retry by retry; returns the virtual ms at which each SUBSCRIBE was sent. */
  async function retryTimes(port: FakePort, scheduler: VirtualTimeScheduler, upTo: number) {
    const times: number[] = [];
    let now = 0;
    while (now < upTo) {
      const sent = port.subscribes.length;
      advance(scheduler, 500);
      now += 500;
      await settle();
      if (port.subscribes.length > sent) times.push(now);
    }
    return times;
  }

  it('gives up after maxRestoreAttempts retries: SUBSCRIBE_REFUSED to the observers, the filter is forgotten', async () => {
    const { port, scheduler, registry } = await setup({ maxRestoreAttempts: 3 });
    const errors: MqttConnectorError[] = [];
    registry.errors$.subscribe((e) => errors.push(e));
    let error: MqttConnectorError | undefined;
    registry.observe('jobs/#', { qos: 1 }).subscribe({ error: (e: MqttConnectorError) => (error = e) });
    await settle();
    await refuseFromNowOn(port, registry);
    const waiting = registry.whenSubscribed('jobs/#').catch((e: unknown) => e);
    // Retries 0.5 s, 1 s and 2 s after each refusal: at 0.5, 1.5 and 3.5 s.
    expect(await retryTimes(port, scheduler, 60_000)).toEqual([500, 1500, 3500]);
    expect(error).toMatchObject({ code: 'SUBSCRIBE_REFUSED', filter: 'jobs/#', reasonCode: 0x87 });
    expect(await waiting).toBe(error);
    expect(errors).toEqual([error]);
    expect(registry.stats().filters).toBe(0);
    registry.dispose();
  });

  it('by default retries 20 times, for about 7.5 minutes, then gives up', async () => {
    const { port, scheduler, registry } = await setup();
    let error: MqttConnectorError | undefined;
    registry.observe('a', { qos: 1 }).subscribe({ error: (e: MqttConnectorError) => (error = e) });
    await settle();
    await refuseFromNowOn(port, registry);
    const times = await retryTimes(port, scheduler, 600_000);
    expect(times).toHaveLength(20);
    expect(times.at(-1)).toBe(451_500); // 0.5 + 1 + 2 + 4 + 8 + 16 s, then 14 × 30 s
    expect(error?.code).toBe('SUBSCRIBE_REFUSED');
    registry.dispose();
  });

  it('retries for as long as the filter has observers with maxRestoreAttempts -1', async () => {
    const { port, scheduler, registry } = await setup({ maxRestoreAttempts: -1 });
    let error: unknown;
    const subscription = registry.observe('a', { qos: 1 }).subscribe({ error: (e: unknown) => (error = e) });
    await settle();
    await refuseFromNowOn(port, registry);
    expect(await retryTimes(port, scheduler, 3_600_000)).toHaveLength(
      6 + Math.floor((3_600_000 - 31_500) / 30_000),
    );
    expect(error).toBeUndefined();
    subscription.unsubscribe();
    registry.dispose();
  });

  it('gives up at the first refused restore with maxRestoreAttempts 0', async () => {
    const { port, registry } = await setup({ maxRestoreAttempts: 0 });
    let error: MqttConnectorError | undefined;
    registry.observe('a', { qos: 1 }).subscribe({ error: (e: MqttConnectorError) => (error = e) });
    await settle();
    await refuseFromNowOn(port, registry);
    expect(error?.code).toBe('SUBSCRIBE_REFUSED');
    registry.dispose();
  });

  it.each([[-2], [1.5], ['3']])('refuses maxRestoreAttempts %p with INVALID_OPTIONS', (value) => {
    expect(() => new MqttConnector({ maxRestoreAttempts: value as number })).toThrow(InvalidOptionsError);
    expect(() => new MqttConnector({ maxRestoreAttempts: value as number })).toThrow(/maxRestoreAttempts/);
  });
});
