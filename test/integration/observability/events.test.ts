import { firstValueFrom, filter } from 'rxjs';
import { MqttConnector, type ConnectorEvent } from '../../../src/index';
import { startAedes, type EmbeddedBroker } from '../../support/aedes';

describe('events$ and metrics()', () => {
  let broker: EmbeddedBroker;
  let connector: MqttConnector;
  let events: ConnectorEvent[];

  beforeEach(async () => {
    broker = await startAedes();
    connector = new MqttConnector({
      mqttBroker: broker.url,
      reconnectInterval: 30,
      reconnectJitter: 'none',
      throttleInterval: 0,
    });
    events = [];
    connector.events$.subscribe((e) => events.push(e));
  });
  afterEach(async () => {
    await connector.disconnect();
    await broker.close();
  });

  const types = () => events.map((e) => e.type);

  it('reports the connection, subscriptions, publishes and decode errors as typed events', async () => {
    await connector.connect();
    const received = firstValueFrom(connector.subscribe('obs/+', { qos: 1, decode: 'json' }));
    await connector.whenSubscribed('obs/+');
    await connector.publish('obs/bad', 'not json', { qos: 1 });
    await connector.publish('obs/good', { ok: true }, { qos: 1 });
    await received;

    expect(types()).toEqual(
      expect.arrayContaining([
        'attempt',
        'connected',
        'subscribe',
        'suback',
        'publish-queued',
        'publish-sent',
        'publish-acked',
        'error-reported',
      ]),
    );
    expect(events.find((e) => e.type === 'suback')).toMatchObject({ filter: 'obs/+', granted: 1 });
    expect(events.find((e) => e.type === 'subscribe')).toMatchObject({
      filters: ['obs/+'],
      resubscribe: false,
    });
    expect(events.find((e) => e.type === 'error-reported')).toMatchObject({
      error: { code: 'DECODE_FAILED', topic: 'obs/bad' },
    });
    const acked = events.filter((e) => e.type === 'publish-acked');
    expect(acked).toHaveLength(2);
    expect(acked[0]).toMatchObject({ topic: 'obs/bad', qos: 1, status: 'acknowledged' });
    expect(events.every((e) => typeof e.time === 'number')).toBe(true);

    const metrics = connector.metrics();
    expect(metrics).toMatchObject({
      published: 2,
      acknowledged: 2,
      failed: 0,
      received: 2,
      decodeFailures: 1,
      reconnects: 0,
      liveFilters: 1,
      queued: 0,
      inFlight: 0,
      currentOutageMs: 0,
    });
    expect(metrics.lastConnectedAt).toBeGreaterThan(0);
  });

  it('reports a drop, the backoff, the resubscribe and the outage', async () => {
    await connector.connect();
    connector.subscribe('obs/x', { qos: 1 }).subscribe();
    await connector.whenSubscribed('obs/x');
    events.length = 0;
    await broker.close();
    await firstValueFrom(connector.state$.pipe(filter((s) => s.status === 'reconnecting')));
    expect(connector.metrics().currentOutageMs).toBeGreaterThanOrEqual(0);
    await new Promise((r) => setTimeout(r, 50));
    await broker.restart();
    await firstValueFrom(connector.state$.pipe(filter((s) => s.status === 'connected')));
    await connector.whenSubscribed('obs/x');

    expect(events[0]).toMatchObject({
      type: 'disconnected',
      reason: 'lost',
      error: { code: 'CONNECTION_LOST' },
    });
    expect(events[1]).toMatchObject({ type: 'backoff', attempt: 1, delayMs: 30 });
    expect(events.find((e) => e.type === 'subscribe')).toMatchObject({
      filters: ['obs/x'],
      resubscribe: true,
    });
    const metrics = connector.metrics();
    expect(metrics.reconnects).toBe(1);
    expect(metrics.currentOutageMs).toBe(0);
    expect(metrics.longestOutageMs).toBeGreaterThanOrEqual(50);
  });

  it('counts publishes dropped by the offline queue and rejected at disconnect', async () => {
    const small = new MqttConnector({ mqttBroker: broker.url, maxQueued: { messages: 1 } });
    const first = small.publish('q/a', 1);
    await expect(small.publish('q/b', 2)).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    await small.disconnect({ flush: false });
    await expect(first).rejects.toMatchObject({ code: 'CLOSED' });
    expect(small.metrics()).toMatchObject({ published: 2, failed: 2, dropped: 1, acknowledged: 0 });
  });
});
