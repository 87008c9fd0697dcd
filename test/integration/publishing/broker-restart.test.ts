/**
 * 1,000 QoS 1 publishes through connector.publish() with the broker stopped and restarted in the
 * middle: every promise settles, none rejects, and every message queued while the broker was down
 * arrives at a subscriber, all of them, in order.
 */
import { filter, firstValueFrom, timeout } from 'rxjs';
import { MqttConnector, type PublishResult } from '../../../src/index';
import { startAedes, type EmbeddedBroker } from '../../support/aedes';
import { rawSubscriber, type RawSubscriber } from './helpers/raw-subscriber';

const SUBSCRIBER_ID = 'restart-subscriber';

describe('publish() across a broker restart', () => {
  let broker: EmbeddedBroker;
  let subscriber: RawSubscriber;
  let connector: MqttConnector;

  beforeEach(async () => {
    broker = await startAedes();
    // Reconnects by itself and re-subscribes (MQTT.js resubscribe) after the restart.
    subscriber = await rawSubscriber(broker.url, 'load/#', 1, {
      clientId: SUBSCRIBER_ID,
      reconnectPeriod: 20,
    });
    connector = new MqttConnector({
      mqttBroker: broker.url,
      throttleInterval: 0,
      reconnectInterval: 20,
      maxReconnectInterval: 200,
      reconnectJitter: 'none',
      logLevel: 'error',
    });
    await expect(connector.connect()).resolves.toBe(true);
  });

  afterEach(async () => {
    await connector.disconnect({ flush: false });
    await subscriber.end();
    await broker.close();
  });

  it('settles all 1,000 without a rejection; every message queued while down arrives, in order', async () => {
    const promises: Promise<PublishResult>[] = [];
    const publish = (i: number) => promises.push(connector.publish(`load/${i % 7}`, String(i), { qos: 1 }));
    for (let i = 0; i < 500; i++) publish(i); // some acknowledged, some in flight, some queued when the broker dies

    await broker.close();
    await firstValueFrom(
      connector.state$.pipe(
        filter((s) => s.status !== 'connected'),
        timeout(5000),
      ),
    );
    for (let i = 500; i < 1000; i++) publish(i); // queued while the broker is down
    expect(connector.metrics().queued).toBeGreaterThanOrEqual(500);

    // The fresh broker turns the connector away (CONNACK 3, server unavailable: it retries) until the
    // subscriber has its subscription back, so nothing can reach the broker before someone listens.
    let subscriberReady = false;
    await broker.restart({
      authenticate: (client, _username, _password, done) => {
        if (client.id === SUBSCRIBER_ID || subscriberReady) done(null, true);
        else done(Object.assign(new Error('not yet'), { returnCode: 3 }) as never, false);
      },
    });
    broker.broker.on('subscribe', (_subscriptions, client) => {
      if (client.id === SUBSCRIBER_ID) subscriberReady = true;
    });

    const settled = await Promise.allSettled(promises);
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
    expect(settled.every((s) => s.status === 'fulfilled' && s.value.status === 'acknowledged')).toBe(true);

    const indexOf = (payload: Uint8Array) => Number(Buffer.from(payload).toString());
    const late = () => subscriber.received.map((m) => indexOf(m.payload)).filter((i) => i >= 500);
    await subscriber.waitUntil(() => late().length >= 500);
    expect(late()).toEqual(Array.from({ length: 500 }, (_, k) => 500 + k));
    expect(connector.isConnected()).toBe(true);
  });
});
