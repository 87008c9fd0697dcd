/**
 * Know the broker's limits. Mosquitto 2.0 keeps at most `max_queued_messages` (default 1000) messages per
 * client beyond the `max_inflight_messages` (default 20) in flight to it, and SILENTLY DROPS further QoS 1/2
 * messages for a subscriber that falls behind, although the publisher got its PUBACK for every one of them.
 * No client library can recover those: the broker never had them queued. The connector's own promise ("every
 * publish() settles, nothing acknowledged is lost by the connector") ends at the broker's PUBACK.
 *
 * Here a subscriber that falls behind is a connected connector whose traffic is stalled by a fault proxy
 * (keepalive 60 s, so the connection survives the stall), while another connector publishes 5,000 QoS 1
 * messages. Stock mosquitto loses most of them; with `max_queued_messages 0` and `max_queued_bytes 0`
 * (MOSQUITTO_NO_QUEUE_LIMITS) none is lost.
 *
 * Every Mosquitto the connector tests start uses MOSQUITTO_NO_QUEUE_LIMITS (the matrix targets, mqtt5/,
 * faults/, failover/, shared/, poison-publish), with two deliberate exceptions: the stock broker here, and
 * publishing/mosquitto-publish.test.ts, which shows the connector's QoS 2 window staying within the stock
 * in-flight limit (its floods of 1,000 messages also stay within the stock queue of 1,000). The helper
 * tests under test/interop/support start stock brokers to test the helpers themselves (a few messages).
 */
import { firstValueFrom, of, timeout } from 'rxjs';
import { MqttConnector, type MqttConnectorOptions } from '../../../src/index';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy';
import { MOSQUITTO_NO_QUEUE_LIMITS, startMosquitto, type MosquittoBroker } from '../../support/mosquitto';
import { SequenceTracker } from '../fault-helpers/sequence-tracker';

const MESSAGES = 5000;
/** mosquitto's defaults: max_queued_messages 1000, max_inflight_messages 20. */
const STOCK_QUEUE = 1000;
const STOCK_INFLIGHT = 20;

const connectors: MqttConnector[] = [];
const proxies: FaultProxy[] = [];
afterEach(async () => {
  await Promise.all(connectors.splice(0).map((c) => c.disconnect({ flush: false })));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

function connector(options: MqttConnectorOptions): MqttConnector {
  const c = new MqttConnector({
    protocolVersion: 5,
    throttleInterval: 0,
    reconnectInterval: 100,
    maxReconnectInterval: 1000,
    logLevel: 'error',
    ...options,
  });
  connectors.push(c);
  return c;
}

/** Publishes MESSAGES QoS 1 messages to a subscriber stalled behind a proxy, then lets it read. */
async function slowSubscriberRun(broker: MosquittoBroker, name: string) {
  const proxy = await startFaultProxy('127.0.0.1', broker.ports.plain as number);
  proxies.push(proxy);
  const topic = `limits/${name}/${process.pid}`;
  const tracker = new SequenceTracker(MESSAGES);
  const subscriber = connector({
    mqttBroker: proxy.url,
    keepalive: 60,
    clientId: `${name}-sub-${process.pid}`,
  });
  subscriber.subscribe(topic, { qos: 1, decode: 'string' }).subscribe((m) => tracker.record(m.payload));
  expect(await subscriber.connect()).toBe(true);
  await subscriber.whenSubscribed(topic);
  const publisher = connector({ mqttBroker: broker.url });
  expect(await publisher.connect()).toBe(true);

  proxy.stall(); // the subscriber stops reading: it has fallen behind
  const results = await Promise.allSettled(
    Array.from({ length: MESSAGES }, (_, i) => publisher.publish(topic, String(i), { qos: 1 })),
  );
  const acknowledged = results.filter((r) => r.status === 'fulfilled').length;

  // A fence after the burst: once one arrives, mosquitto has sent everything it still had for us. A full
  // stock queue drops a fence too, so it is sent again (at most 20 times, 1 s apart) until one arrives.
  proxy.resume();
  let fenced = false;
  subscriber.subscribe(`${topic}/fence`, { qos: 1 }).subscribe(() => (fenced = true));
  await subscriber.whenSubscribed(`${topic}/fence`);
  for (let i = 0; i < 20 && !fenced; i++) {
    await publisher.publish(`${topic}/fence`, 'fence', { qos: 1 });
    await firstValueFrom(
      subscriber.subscribe(`${topic}/fence`, { qos: 1 }).pipe(timeout({ first: 1000, with: () => of(null) })),
    );
  }
  expect(fenced).toBe(true);
  const summary = tracker.summary();
  const lost = MESSAGES - summary.unique;
  console.log(
    `mosquitto limits (${name}): ${acknowledged}/${MESSAGES} QoS 1 publishes acknowledged to the publisher, ` +
      `${summary.unique} delivered to the subscriber that fell behind, ${lost} lost by the broker`,
  );
  return { acknowledged, delivered: summary.unique, lost, summary };
}

describe('mosquitto queue limits and a subscriber that falls behind', () => {
  let stock: MosquittoBroker;
  let unlimited: MosquittoBroker;
  beforeAll(async () => {
    [stock, unlimited] = await Promise.all([
      startMosquitto(),
      startMosquitto({ config: MOSQUITTO_NO_QUEUE_LIMITS }),
    ]);
  });
  afterAll(() => Promise.all([stock?.close(), unlimited?.close()]));

  test('stock mosquitto (max_queued_messages 1000, max_inflight_messages 20) acknowledges all 5,000 QoS 1 publishes but drops all but about 1,020 for the subscriber that fell behind', async () => {
    const run = await slowSubscriberRun(stock, 'stock');
    expect(run.acknowledged).toBe(MESSAGES); // the publisher cannot tell
    expect(run.delivered).toBeLessThanOrEqual(STOCK_QUEUE + STOCK_INFLIGHT);
    expect(run.lost).toBeGreaterThanOrEqual(MESSAGES - STOCK_QUEUE - STOCK_INFLIGHT);
    // What survives is the head of the burst: the first messages in order, the rest dropped.
    expect(run.summary.missingSample[0]).toBeGreaterThanOrEqual(STOCK_QUEUE);
  });

  test('mosquitto with max_queued_messages 0 and max_queued_bytes 0 (no queue limits) delivers all 5,000 to the same subscriber', async () => {
    const run = await slowSubscriberRun(unlimited, 'unlimited');
    expect(run.acknowledged).toBe(MESSAGES);
    expect(run.lost).toBe(0);
    expect(run.summary.duplicates).toBe(0);
  });
});
