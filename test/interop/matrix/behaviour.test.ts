/**
 * The behavioural suite, written once and run against every broker of the matrix (helpers/targets.ts):
 * connect, publish and receive every QoS the broker supports, wildcard subscriptions, retained messages,
 * resubscription after a broker restart, and the offline queue. Each target starts its own broker on
 * ephemeral loopback ports and stops it. Connection security (auth, TLS) and the brokers' limitations
 * are in security.test.ts.
 */
import type { ConnectorEvent, MqttMessage, QoS } from '../../../src/index';
import { waitForState } from '../../../src/testing/wait-for-state';
import { ConnectorPool, uniqueTopic } from '../helpers/connectors';
import { Recorder } from '../helpers/recorder';
import { TARGETS, type RunningTarget } from '../helpers/targets';

const sorted = (values: readonly string[]) => [...values].sort();

describe.each(TARGETS)('$name', (target) => {
  const pool = new ConnectorPool();
  let broker: RunningTarget;
  const maxQos = target.qos[target.qos.length - 1] as QoS;

  beforeAll(async () => {
    broker = await target.start();
  });
  afterEach(() => pool.closeAll());
  afterAll(() => broker?.close());

  test('connects: state connected, attempt 0, no stored session', async () => {
    const connector = await pool.connected(broker.options());
    expect(connector.state).toMatchObject({ status: 'connected', attempt: 0, sessionPresent: false });
    expect(connector.state.broker).toContain(`:${new URL(broker.url).port}`);
    expect(connector.isConnected()).toBe(true);
  });

  test.each(target.qos)('QoS %i: the message is received at that QoS, payload intact', async (qos) => {
    const topic = uniqueTopic(`qos${qos}`);
    const subscriber = await pool.connected(broker.options());
    const got = new Recorder(subscriber.subscribe<{ qos: number; text: string }>(topic, { qos: maxQos }));
    await subscriber.whenSubscribed(topic);
    const publisher = await pool.connected(broker.options());
    const payload = { qos, text: 'grüße, 温度 🌡' };
    const result = await publisher.publish(topic, payload, { qos });
    expect(result.status).toBe(qos === 0 ? 'written' : 'acknowledged');
    const [message] = await got.waitForCount(1, 'the message');
    expect(message).toMatchObject({ topic, payload, qos, retain: false, dup: false, params: {} });
  });

  test(`bytes arrive byte-exact (QoS ${maxQos})`, async () => {
    const topic = uniqueTopic('bytes');
    const connector = await pool.connected(broker.options());
    const got = new Recorder(connector.subscribe(topic, { qos: maxQos, decode: 'binary' }));
    await connector.whenSubscribed(topic);
    const bytes = Uint8Array.from({ length: 1024 }, (_, i) => (i * 7) % 256);
    await connector.publish(topic, bytes, { qos: maxQos });
    const [message] = await got.waitForCount(1, 'the bytes');
    expect(Array.from(message?.payload ?? [])).toEqual(Array.from(bytes));
  });

  test('wildcards: +, #, named wildcards and empty levels match as MQTT §4.7 says', async () => {
    const base = uniqueTopic('wildcards');
    // One connector per filter: one broker subscription each (see the overlapping-filters report).
    const filters = {
      plus: `${base}/+/temp`,
      hash: `${base}/#`,
      named: `${base}/+room/+sensor`,
      kitchen: `${base}/kitchen/#`,
    };
    const recorders = new Map<string, Recorder<MqttMessage<unknown>>>();
    for (const filter of Object.values(filters)) {
      const connector = await pool.connected(broker.options());
      recorders.set(filter, new Recorder(connector.subscribe(filter, { qos: 1 })));
      await connector.whenSubscribed(filter);
    }
    const publisher = await pool.connected(broker.options());
    const levels = ['kitchen/humidity', 'a/b/temp', '', '/temp', 'kitchen', 'hall/temp', 'kitchen/temp'];
    const topics = levels.map((rest) => (rest === '' ? base : `${base}/${rest}`));
    // The last topic matches every filter: once it arrived, everything before it has too.
    for (const topic of topics) await publisher.publish(topic, topic, { qos: 1 });
    const last = topics[topics.length - 1] as string;
    const seen = async (filter: string) => {
      const recorder = recorders.get(filter) as Recorder<MqttMessage<unknown>>;
      await recorder.waitForItem((m) => m.topic === last, `${last} on ${filter}`);
      return recorder.items;
    };
    const at = (...rest: string[]) => sorted(rest.map((r) => `${base}/${r}`));
    expect(sorted((await seen(filters.plus)).map((m) => m.topic))).toEqual(
      at('/temp', 'hall/temp', 'kitchen/temp'),
    );
    expect(sorted((await seen(filters.hash)).map((m) => m.topic))).toEqual(sorted(topics));
    expect(sorted((await seen(filters.kitchen)).map((m) => m.topic))).toEqual(
      sorted([`${base}/kitchen`, `${base}/kitchen/humidity`, `${base}/kitchen/temp`]),
    );
    const named = await seen(filters.named);
    expect(sorted(named.map((m) => m.topic))).toEqual(
      at('/temp', 'hall/temp', 'kitchen/humidity', 'kitchen/temp'),
    );
    expect(named.find((m) => m.topic === `${base}/hall/temp`)?.params).toEqual({
      room: 'hall',
      sensor: 'temp',
    });
    expect(named.find((m) => m.topic === `${base}//temp`)?.params).toEqual({ room: '', sensor: 'temp' });
  });

  test('retained: a late subscriber gets the retained message; an empty retained payload clears it', async () => {
    const topic = uniqueTopic('retained');
    const publisher = await pool.connected(broker.options());
    await publisher.publish(topic, { state: 'on' }, { qos: 1, retain: true });

    const late = await pool.connected(broker.options());
    const first = new Recorder(late.subscribe(topic, { qos: 1 }));
    const [retained] = await first.waitForCount(1, 'the retained message');
    expect(retained).toMatchObject({ topic, payload: { state: 'on' }, retain: true });

    await publisher.publish(topic, '', { qos: 1, retain: true });
    const later = await pool.connected(broker.options());
    const second = new Recorder(later.subscribe(topic, { qos: 1, decode: 'string' }));
    await later.whenSubscribed(topic);
    // The broker queues retained messages when it handles the SUBSCRIBE, before this later publish:
    // if anything were still retained it would arrive first.
    await publisher.publish(topic, 'live', { qos: 1 });
    await second.waitForItem((m) => m.payload === 'live', 'the live message');
    expect(second.items.map((m) => [m.payload, m.retain])).toEqual([['live', false]]);
  });

  test('broker restart: the connector resubscribes by itself and messages flow again', async () => {
    const filter = `${uniqueTopic('restart')}/#`;
    const subscriber = await pool.connected(broker.options());
    const events = new Recorder<ConnectorEvent>(subscriber.events$);
    const got = new Recorder(subscriber.subscribe<string>(filter, { qos: 1, decode: 'string' }));
    await subscriber.whenSubscribed(filter);
    const publisher = await pool.connected(broker.options());
    await publisher.publish(filter.replace('#', 'before'), 'before', { qos: 1 });
    await got.waitForCount(1, 'the message before the restart');

    await broker.restart();
    // The SUBACK of a SUBSCRIBE sent to restore the subscription (the new broker has no session for us).
    await events.waitFor((items) => {
      const resubscribe = items.findIndex(
        (e) => e.type === 'subscribe' && e.resubscribe && e.filters.includes(filter),
      );
      return (
        resubscribe >= 0 && items.slice(resubscribe).some((e) => e.type === 'suback' && e.filter === filter)
      );
    }, 'the resubscription and its SUBACK');
    expect(subscriber.state).toMatchObject({ status: 'connected', sessionPresent: false });

    await publisher.publish(filter.replace('#', 'after'), 'after', { qos: 1 });
    await got.waitForItem((m) => m.payload === 'after', 'the message after the restart');
    expect(got.items.map((m) => m.payload)).toEqual(['before', 'after']);
    expect(events.items.filter((e) => e.type === 'connected')).toHaveLength(1);
  });

  // One QoS per run, so each lane's order can be checked; offline-mixed-qos.test.ts mixes them.
  test.each(target.qos)(
    'offline queue, QoS %i: publishes made while the broker is down arrive, in order, once it is back',
    async (qos) => {
      const topic = uniqueTopic(`offline${qos}`);
      const connector = await pool.connected(broker.options());
      const got = new Recorder(connector.subscribe<string>(topic, { qos, decode: 'string' }));
      await connector.whenSubscribed(topic);

      await broker.stop();
      await waitForState(connector, 'reconnecting', { timeout: 20_000 });
      const count = 60;
      const publishes = Array.from({ length: count }, (_, i) => connector.publish(topic, String(i), { qos }));
      expect(connector.metrics().queued).toBe(count);
      await broker.start();

      const results = await Promise.all(publishes);
      expect(results.map((r) => r.status)).toEqual(Array(count).fill(qos === 0 ? 'written' : 'acknowledged'));
      await got.waitForCount(count, `${count} queued messages`);
      // Sent after the SUBSCRIBE that restores the subscription, in publish order, each once.
      expect(got.items.map((m) => Number(m.payload))).toEqual(Array.from({ length: count }, (_, i) => i));
    },
  );
});
