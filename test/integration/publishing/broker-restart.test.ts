/**
 * 1,000 QoS 1 publishes through connector.publish() with the broker stopped and restarted in the
 * middle: every promise settles, none rejects, and every message arrives at a subscriber, in order, once.
 *
 * At the stop, the state is fixed rather than left to timing: the broker's first life acknowledges
 * messages 0-249 and holds back 250 on (its authorizePublish hook never answers them), so 250-349 are in
 * flight (the in-flight window of 100, unacknowledged) and 350-499 wait in the connector's queue;
 * 500-999 are published while the broker is down.
 */
import { filter, firstValueFrom, timeout } from 'rxjs';
import { MqttConnector, type PublishResult } from '../../../src/index';
import { startAedes, type EmbeddedBroker } from '../../support/aedes';
import { eventually } from '../../support/eventually';
import { rawSubscriber, type RawSubscriber } from './helpers/raw-subscriber';

const SUBSCRIBER_ID = 'restart-subscriber';
/** The first life of the broker acknowledges the messages below this index only. */
const ACKNOWLEDGED = 250;
const WINDOW = 100;

const indexOf = (payload: Uint8Array | string) =>
  Number(typeof payload === 'string' ? payload : Buffer.from(payload).toString());

describe('publish() across a broker restart', () => {
  let broker: EmbeddedBroker;
  let subscriber: RawSubscriber;
  let connector: MqttConnector;

  beforeEach(async () => {
    broker = await startAedes({
      authorizePublish: (client, packet, callback) => {
        if (client?.id !== SUBSCRIBER_ID && indexOf(packet.payload) >= ACKNOWLEDGED) return; // held
        callback(null);
      },
    });
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

  it('settles all 1,000 without a rejection; every message arrives, in order, once', async () => {
    const promises: Promise<PublishResult>[] = [];
    let acknowledged = 0;
    const publish = (i: number) => {
      const promise = connector.publish(`load/${i % 7}`, String(i), { qos: 1 });
      promises.push(promise);
      void promise.then(
        () => acknowledged++,
        () => undefined,
      );
    };
    for (let i = 0; i < 500; i++) publish(i);
    await eventually(() => acknowledged === ACKNOWLEDGED);
    // The broker forwards what it acknowledged asynchronously: let it reach the subscriber before the
    // stop (what a broker without persistence acknowledged but had not forwarded dies with it).
    await subscriber.waitFor(ACKNOWLEDGED);
    // Acknowledged, in flight and queued when the broker dies: exactly as arranged.
    expect(connector.metrics()).toMatchObject({ inFlight: WINDOW, queued: 500 - ACKNOWLEDGED - WINDOW });

    await broker.close();
    await firstValueFrom(
      connector.state$.pipe(
        filter((s) => s.status !== 'connected'),
        timeout(5000),
      ),
    );
    // The unacknowledged ones stay in flight across the drop (MQTT.js sends them again after it).
    expect(connector.metrics()).toMatchObject({ inFlight: WINDOW, queued: 500 - ACKNOWLEDGED - WINDOW });
    for (let i = 500; i < 1000; i++) publish(i); // queued while the broker is down
    expect(connector.metrics().queued).toBe(1000 - ACKNOWLEDGED - WINDOW);

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

    await subscriber.waitFor(1000);
    // 0-249 before the stop; 250-349 sent again after the restart, then the queue: all of them, in order.
    expect(subscriber.received.map((m) => indexOf(m.payload))).toEqual(
      Array.from({ length: 1000 }, (_, i) => i),
    );
    expect(connector.isConnected()).toBe(true);
  });
});
