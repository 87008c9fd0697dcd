/**
 * MQTT 5 Subscription Identifiers on Mosquitto: one connector holds `$share/workers/F`, `F` and an
 * overlapping `F`-wide filter at once, a second connector is the other member of the share group. Mosquitto
 * sends the first connector one copy per matching subscription, each tagged with that subscription's
 * identifier; every observer must still receive each message it was meant for exactly once — the plain
 * and the wide observers every message, the two share-group members every message once between them.
 * The 3.1.1 run of the same set-up shows the documented limitation (routing by topic: the shared
 * observer also gets the messages sent for the plain filter) and the warning.
 */
import type { LogEntry, MqttMessage } from '../../../src/index';
import { MOSQUITTO_NO_QUEUE_LIMITS, startMosquitto, type MosquittoBroker } from '../../support/mosquitto';
import { ConnectorPool, uniqueTopic } from '../helpers/connectors';
import { Recorder } from '../helpers/recorder';

const COUNT = 300;
const pool = new ConnectorPool();
let broker: MosquittoBroker;

beforeAll(async () => {
  broker = await startMosquitto({ config: [...MOSQUITTO_NO_QUEUE_LIMITS] });
});
afterEach(() => pool.closeAll());
afterAll(() => broker?.close());

/** Sorted payload numbers. */
const numbers = (messages: readonly MqttMessage<{ n: number }>[]) =>
  messages.map((m) => m.payload.n).sort((a, b) => a - b);
const everyOnce = Array.from({ length: COUNT }, (_, n) => n);

async function scenario(protocolVersion: 4 | 5) {
  const base = uniqueTopic(`subid-v${protocolVersion}`);
  const filter = `${base}/jobs/+id`;
  const shared = `$share/workers/${filter}`;
  const logs: LogEntry[] = [];
  const options = { mqttBroker: broker.url, protocolVersion };
  const one = await pool.connected({ ...options, logger: (entry) => logs.push(entry), logLevel: 'warn' });
  const two = await pool.connected(options);
  const plain = new Recorder(one.subscribe<{ n: number }>(filter, { qos: 1 }));
  const wide = new Recorder(one.subscribe<{ n: number }>(`${base}/#`, { qos: 1 }));
  const sharedOne = new Recorder(one.subscribe<{ n: number }>(shared, { qos: 1 }));
  const sharedTwo = new Recorder(two.subscribe<{ n: number }>(shared, { qos: 1 }));
  const endTwo = new Recorder(two.subscribe(`${base}/end`, { qos: 1 }));
  const wire = new Recorder(one.messages$); // every PUBLISH the broker sent connector one
  await Promise.all([
    one.whenSubscribed(filter),
    one.whenSubscribed(`${base}/#`),
    one.whenSubscribed(shared),
    two.whenSubscribed(shared),
    two.whenSubscribed(`${base}/end`),
  ]);
  const publisher = await pool.connected(options);
  const results = await Promise.all(
    Array.from({ length: COUNT }, (_, n) => publisher.publish(`${base}/jobs/${n % 5}`, { n }, { qos: 1 })),
  );
  expect(results.every((result) => result.status === 'acknowledged')).toBe(true);
  // A marker sent after every PUBACK: Mosquitto queued every copy for each connector before it, so once
  // both have it, any duplicate would have arrived too.
  await publisher.publish(`${base}/end`, { n: -1 }, { qos: 1 });
  await wide.waitForItem((m) => m.payload.n === -1, 'the end marker on connector one');
  await endTwo.waitForCount(1, 'the end marker on connector two');
  wire.stop();
  return { plain, wide, sharedOne, sharedTwo, wire, logs };
}

test('MQTT 5: $share/g/F, F and an overlapping filter on one connector: each observer gets its messages exactly once', async () => {
  const { plain, wide, sharedOne, sharedTwo, wire, logs } = await scenario(5);
  // Mosquitto sent connector one a copy per subscription: the plain, the wide and its share of the group.
  expect(wire.items.length).toBe(2 * COUNT + 1 + sharedOne.items.length);
  expect(numbers(plain.items)).toEqual(everyOnce);
  expect(numbers(wide.items.slice(0, -1))).toEqual(everyOnce);
  expect(numbers([...sharedOne.items, ...sharedTwo.items])).toEqual(everyOnce); // split, none twice
  expect(sharedOne.items.length).toBeGreaterThan(0);
  expect(sharedTwo.items.length).toBeGreaterThan(0);
  expect(sharedOne.items.every((m) => m.params.id === String(m.payload.n % 5))).toBe(true);
  expect(logs.filter((entry) => entry.level === 'warn')).toEqual([]);
});

test('MQTT 3.1.1: the same set-up routes by topic (the documented limitation) and warns once', async () => {
  const { plain, sharedOne, sharedTwo, wire, logs } = await scenario(4);
  // Mosquitto sends a 3.1.1 client one copy per message, and nothing in it names a subscription: routed by
  // topic, the shared observer of connector one gets every message, not just its share, while connector
  // two still gets its share — the group as a whole handles those messages twice.
  expect(wire.items).toHaveLength(COUNT + 1);
  expect(numbers(plain.items)).toEqual(everyOnce);
  expect(numbers(sharedOne.items)).toEqual(everyOnce);
  expect(sharedTwo.items.length).toBeGreaterThan(0);
  expect(logs.filter((entry) => entry.level === 'warn').map((entry) => entry.context)).toEqual([
    {
      filters: [
        expect.stringMatching(/^interop\/.*\/jobs\/\+$/),
        expect.stringMatching(/^\$share\/workers\//),
      ],
    },
  ]);
});
