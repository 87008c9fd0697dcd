/**
 * QoS 2 end to end through Mosquitto, with MQTT 3.1.1 and MQTT 5: 2,000 messages fired at once, none
 * lost, none duplicated. Stock mosquitto takes 20 QoS 2 publishes in flight per client
 * (`max_inflight_messages`) and, on MQTT 3.1.1, silently drops any beyond (baseline.md F4): the
 * connector's default QoS 2 window is 19 there, and on MQTT 5 it follows the CONNACK's Receive Maximum (20).
 * The subscriber side gets no queue limit, so a slow subscriber does not lose messages either.
 */
import { MOSQUITTO_NO_QUEUE_LIMITS, startMosquitto, type MosquittoBroker } from '../../support/mosquitto';
import { ConnectorPool, uniqueTopic } from '../helpers/connectors';
import { Recorder } from '../helpers/recorder';

const COUNT = 2000;
const pool = new ConnectorPool();
let broker: MosquittoBroker;

beforeAll(async () => {
  broker = await startMosquitto({ config: [...MOSQUITTO_NO_QUEUE_LIMITS] });
});
afterEach(() => pool.closeAll());
afterAll(() => broker?.close());

test.each([
  ['MQTT 3.1.1', 4],
  ['MQTT 5', 5],
] as const)(
  `%s: ${COUNT} QoS 2 messages fired at once arrive exactly once, in order`,
  async (_name, protocolVersion) => {
    const topic = uniqueTopic(`qos2-v${protocolVersion}`);
    const options = { mqttBroker: broker.url, protocolVersion };
    const subscriber = await pool.connected(options);
    const got = new Recorder(subscriber.subscribe<string>(`${topic}/#`, { qos: 2, decode: 'string' }));
    await subscriber.whenSubscribed(`${topic}/#`);
    const publisher = await pool.connected(options);

    const results = await Promise.all(
      Array.from({ length: COUNT }, (_, i) => publisher.publish(`${topic}/n`, String(i), { qos: 2 })),
    );
    expect(results.every((r) => r.status === 'acknowledged')).toBe(true);
    // Published after every PUBCOMP: a duplicate of any earlier message would arrive before it.
    await publisher.publish(`${topic}/end`, 'end', { qos: 2 });
    await got.waitForItem((m) => m.topic.endsWith('/end'), 'the end marker', 60_000);

    const received = got.items.filter((m) => m.topic.endsWith('/n'));
    expect(received.every((m) => m.qos === 2 && !m.dup)).toBe(true);
    expect(received.map((m) => Number(m.payload))).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    expect(publisher.metrics().reconnects).toBe(0);
  },
);

test("control: with maxInFlight 100 (above mosquitto's 20) MQTT 3.1.1 loses QoS 2 messages the broker acknowledged", async () => {
  const topic = uniqueTopic('qos2-control');
  const options = { mqttBroker: broker.url, protocolVersion: 4 as const };
  const subscriber = await pool.connected(options);
  const got = new Recorder(subscriber.subscribe<string>(`${topic}/#`, { qos: 2, decode: 'string' }));
  await subscriber.whenSubscribed(`${topic}/#`);
  const publisher = await pool.connected({ ...options, maxInFlight: 100 });

  const results = await Promise.all(
    Array.from({ length: 200 }, (_, i) => publisher.publish(`${topic}/n`, String(i), { qos: 2 })),
  );
  expect(results.every((r) => r.status === 'acknowledged')).toBe(true); // every one acknowledged...
  await publisher.publish(`${topic}/end`, 'end', { qos: 2 });
  await got.waitForItem((m) => m.topic.endsWith('/end'), 'the end marker', 60_000);
  expect(got.items.filter((m) => m.topic.endsWith('/n')).length).toBeLessThan(200); // ...and some never delivered
});
