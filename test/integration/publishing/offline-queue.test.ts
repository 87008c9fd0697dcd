/**
 * The offline queue and close behaviour through the public API against aedes: publishes made before
 * connect() wait and go out in order once connected; overflow refuses with QUEUE_FULL; disconnect()
 * flushes by default and rejects with CLOSED without flush; a per-publish timeout removes a queued one.
 */
import { MqttConnector, type MqttConnectorOptions } from '../../../src/index';
import { startAedes, type EmbeddedBroker } from '../../support/aedes';
import { rawSubscriber, type RawSubscriber } from './helpers/raw-subscriber';

const text = (payload: Uint8Array) => Buffer.from(payload).toString();

describe('offline queue through the public API', () => {
  let broker: EmbeddedBroker;
  let subscriber: RawSubscriber;
  const connectors: MqttConnector[] = [];

  function create(options: MqttConnectorOptions = {}): MqttConnector {
    const connector = new MqttConnector({
      mqttBroker: broker.url,
      throttleInterval: 0,
      logLevel: 'error',
      ...options,
    });
    connectors.push(connector);
    return connector;
  }

  beforeEach(async () => {
    broker = await startAedes();
    subscriber = await rawSubscriber(broker.url, 'q/#', 1);
  });

  afterEach(async () => {
    await Promise.all(connectors.splice(0).map((c) => c.disconnect({ flush: false })));
    await subscriber.end();
    await broker.close();
  });

  it('queues publishes made before connect() and sends them in order once connected', async () => {
    const connector = create({ throttleInterval: 5 });
    const promises = ['a', 'b', 'c', 'd'].map((v) => connector.publish('q/early', v, { qos: 1 }));
    expect(connector.metrics().queued).toBe(4);
    await expect(connector.connect()).resolves.toBe(true);
    await Promise.all(promises);
    const received = await subscriber.waitFor(4);
    expect(received.map((m) => text(m.payload))).toEqual(['a', 'b', 'c', 'd']);
  });

  it('refuses with QUEUE_FULL beyond maxQueued, and the queued ones still go out', async () => {
    const connector = create({ maxQueued: { messages: 2 } });
    const first = connector.publish('q/full', '1', { qos: 1 });
    const second = connector.publish('q/full', '2', { qos: 1 });
    await expect(connector.publish('q/full', '3', { qos: 1 })).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    await connector.connect();
    await expect(Promise.all([first, second])).resolves.toHaveLength(2);
    expect((await subscriber.waitFor(2)).map((m) => text(m.payload))).toEqual(['1', '2']);
  });

  it('removes a queued publish whose timeout passes before the connection', async () => {
    const connector = create();
    const late = connector.publish('q/timeout', 'never', { qos: 1, timeout: 20 });
    await expect(late).rejects.toMatchObject({ code: 'TIMEOUT' });
    await connector.connect();
    await connector.publish('q/timeout', 'after', { qos: 1 });
    expect((await subscriber.waitFor(1)).map((m) => text(m.payload))).toEqual(['after']);
  });

  it('disconnect() flushes what is queued first (default)', async () => {
    const connector = create({ throttleInterval: 2 });
    await connector.connect();
    const promises = Array.from({ length: 20 }, (_, i) =>
      connector.publish('q/flush', String(i), { qos: 1 }),
    );
    await connector.disconnect();
    const settled = await Promise.allSettled(promises);
    expect(settled.every((s) => s.status === 'fulfilled')).toBe(true);
    expect((await subscriber.waitFor(20)).map((m) => text(m.payload))).toEqual(
      Array.from({ length: 20 }, (_, i) => String(i)),
    );
  });

  it('disconnect({ flush: false }) rejects what is still queued with CLOSED, and later publishes too', async () => {
    const connector = create({ throttleInterval: 1000 });
    await connector.connect();
    // sent at once: acknowledged or CLOSED, depending on the race with the close
    const first = connector.publish('q/closed', 'sent', { qos: 1 }).catch(() => undefined);
    const queued = connector.publish('q/closed', 'queued', { qos: 1 });
    const queuedRejects = expect(queued).rejects.toMatchObject({ code: 'CLOSED' });
    await connector.disconnect({ flush: false });
    await queuedRejects;
    await first;
    await expect(connector.publish('q/closed', 'after')).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
