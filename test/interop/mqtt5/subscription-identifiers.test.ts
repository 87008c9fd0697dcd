/**
 * MQTT 5 Subscription Identifiers on Mosquitto: one connector holds `$share/workers/F`, `F` and an
 * overlapping `F`-wide filter at once, a second connector is the other member of the share group. Mosquitto
 * sends the first connector one copy per matching subscription, each tagged with that subscription's
 * identifier; every observer must still receive each message it was meant for exactly once — the plain
 * and the wide observers every message, the two share-group members every message once between them.
 * The 3.1.1 run of the same set-up shows the documented limitation (routing by topic: the shared
 * observer also gets the messages sent for the plain filter) and the warning. Exact filters share one
 * identifier (1), so their SUBSCRIBEs carry many filters each; Mosquitto still routes each copy right.
 */
import { filter as where, type Subscription } from 'rxjs';
import type { ConnectorEvent, LogEntry, MqttMessage } from '../../../src/index';
import { matchesTopic } from '../../../src/streams/topic-match';
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

test('MQTT 5: exact filters share one identifier and pack into SUBSCRIBEs of 100; each copy reaches its own filter', async () => {
  const base = uniqueTopic('subid-exact');
  const exactCount = 250;
  const one = await pool.connected({ mqttBroker: broker.url, protocolVersion: 5 });
  const packets: string[][] = [];
  const events: Subscription = one.events$
    .pipe(
      where((event): event is Extract<ConnectorEvent, { type: 'subscribe' }> => event.type === 'subscribe'),
    )
    .subscribe((event) => packets.push([...event.filters]));
  const exact = Array.from(
    { length: exactCount },
    (_, n) => new Recorder(one.subscribe<{ n: number }>(`${base}/dev/${n}`, { qos: 1 })),
  );
  const wildcard = new Recorder(one.subscribe<{ n: number }>(`${base}/dev/+`, { qos: 1 }));
  const shared = new Recorder(one.subscribe<{ n: number }>(`$share/g/${base}/dev/7`, { qos: 1 }));
  const wire = new Recorder(one.messages$);
  await Promise.all([
    ...exact.map((_, n) => one.whenSubscribed(`${base}/dev/${n}`)),
    one.whenSubscribed(`${base}/dev/+`),
    one.whenSubscribed(`$share/g/${base}/dev/7`),
  ]);
  events.unsubscribe();
  expect(packets.map((filters) => filters.length)).toEqual([100, 100, 50, 1, 1]);
  const publisher = await pool.connected({ mqttBroker: broker.url, protocolVersion: 5 });
  await Promise.all(
    Array.from({ length: exactCount }, (_, n) => publisher.publish(`${base}/dev/${n}`, { n }, { qos: 1 })),
  );
  await publisher.publish(`${base}/dev/end`, { n: -1 }, { qos: 1 });
  await wildcard.waitForItem((m) => m.payload.n === -1, 'the end marker');
  wire.stop();
  // Mosquitto sent a copy per subscription: the exact one, the wildcard and, for dev/7, the group's.
  expect(wire.items).toHaveLength(2 * exactCount + 1 + 1);
  exact.forEach((recorder, n) => expect(recorder.items.map((m) => m.payload.n)).toEqual([n]));
  // The exact filters' identifier is 1, one byte in each copy Mosquitto sent for them.
  expect(exact.map((recorder) => recorder.items[0]?.properties?.subscriptionIdentifier)).toEqual(
    Array(exactCount).fill(1),
  );
  expect(numbers(wildcard.items.slice(0, -1))).toEqual(Array.from({ length: exactCount }, (_, n) => n));
  expect(shared.items.map((m) => m.payload.n)).toEqual([7]);
});

test('MQTT 5: overlapping filters in identifier groups: every observer gets each retained and live message it matches once', async () => {
  const base = uniqueTopic('subid-groups');
  const filters = new Set<string>();
  for (const s of ['s0', 's1', 's2']) {
    filters.add(`${base}/${s}/#`);
    for (const m of ['t', 'h']) filters.add(`${base}/${s}/+/${m}`);
    for (const d of ['d0', 'd1', 'd2', 'd3']) {
      filters.add(`${base}/${s}/${d}/+`);
      filters.add(`${base}/${s}/${d}/t`);
    }
  }
  filters.add(`${base}/+/d0/t`);
  filters.add(`${base}/#`);
  const topics = ['s0', 's1', 's2', 's3'].flatMap((s) =>
    ['d0', 'd1', 'd4'].flatMap((d) => ['t', 'h'].map((m) => `${base}/${s}/${d}/${m}`)),
  );
  const publisher = await pool.connected({ mqttBroker: broker.url, protocolVersion: 5 });
  await Promise.all(topics.map((topic) => publisher.publish(topic, 'retained', { qos: 1, retain: true })));
  const one = await pool.connected({ mqttBroker: broker.url, protocolVersion: 5 });
  let packets = 0;
  const events = one.events$.subscribe((event) => {
    if (event.type === 'subscribe') packets++;
  });
  const received = new Map<string, string[]>();
  const observers = [...filters].map((filter) => {
    const topicsSeen: string[] = [];
    received.set(filter, topicsSeen);
    return one
      .subscribe(filter, { qos: 1, decode: 'string' })
      .subscribe((m) => topicsSeen.push(`${m.topic} ${m.payload}`));
  });
  await Promise.all([...filters].map((filter) => one.whenSubscribed(filter)));
  events.unsubscribe();
  // 19 wildcard filters in a few groups, 12 exact ones sharing one identifier: far fewer packets than filters.
  expect(packets).toBeLessThan(filters.size / 2);
  for (const topic of topics) await publisher.publish(topic, 'live', { qos: 1 });
  await publisher.publish(`${base}/end`, 'end', { qos: 1 });
  const all = received.get(`${base}/#`) as string[];
  const deadline = Date.now() + 10_000;
  while (!all.includes(`${base}/end end`) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  for (const [filter, seen] of received) {
    const matching = topics.filter((topic) => matchesTopic(filter.split('/'), topic));
    const expected = [...matching.map((t) => `${t} retained`), ...matching.map((t) => `${t} live`)];
    if (filter === `${base}/#`) expected.push(`${base}/end end`);
    expect({ filter, seen: [...seen].sort() }).toEqual({ filter, seen: expected.sort() });
  }
  for (const observer of observers) observer.unsubscribe();
});
