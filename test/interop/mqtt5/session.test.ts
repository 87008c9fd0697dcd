/**
 * Persistent sessions on Mosquitto with MQTT 5: `clean: false` plus `sessionExpiryInterval`. A
 * subscriber that goes away (disconnect(), a new process with the same client id, or a killed socket)
 * gets what was published meanwhile (QoS 1) when it comes back, and sends no SUBSCRIBE for it.
 */
import type { ConnectorEvent, MqttConnectorOptions, MqttMessage } from '../../../src/index';
import { waitForState } from '../../../src/testing/wait-for-state';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy';
import { MOSQUITTO_NO_QUEUE_LIMITS, startMosquitto, type MosquittoBroker } from '../../support/mosquitto';
import { ConnectorPool, uniqueTopic } from '../helpers/connectors';
import { Recorder } from '../helpers/recorder';

const pool = new ConnectorPool();
let broker: MosquittoBroker;
let proxy: FaultProxy | undefined;

beforeAll(async () => {
  broker = await startMosquitto({ config: MOSQUITTO_NO_QUEUE_LIMITS });
});
afterEach(async () => {
  await pool.closeAll();
  await proxy?.close();
  proxy = undefined;
});
afterAll(() => broker?.close());

let clientCount = 0;
/** Options of a persistent-session subscriber with a fresh client id. */
function sessionOptions(url = broker.url): MqttConnectorOptions {
  clientCount += 1;
  return {
    mqttBroker: url,
    protocolVersion: 5,
    clientId: `session-${process.pid}-${clientCount}`,
    clean: false,
    sessionExpiryInterval: 300,
  };
}

const subscribes = (events: Recorder<ConnectorEvent>) => events.items.filter((e) => e.type === 'subscribe');
const payloads = (messages: readonly MqttMessage[]) => messages.map((m) => m.payload);

async function publishAll(topic: string, values: readonly number[]): Promise<void> {
  const publisher = await pool.connected({ mqttBroker: broker.url, protocolVersion: 5 });
  for (const value of values) await publisher.publish(topic, value, { qos: 1 });
  await pool.close(publisher);
}

test('disconnect() then connect(): the session is resumed, the backlog arrives, no SUBSCRIBE is sent', async () => {
  const topic = uniqueTopic('session-same');
  const connector = await pool.connected(sessionOptions());
  const got = new Recorder(connector.subscribe(topic, { qos: 1 }));
  await connector.whenSubscribed(topic);
  await connector.disconnect();

  await publishAll(topic, [1, 2, 3]);
  const events = new Recorder<ConnectorEvent>(connector.events$);
  expect(await connector.connect()).toBe(true);
  expect(connector.state.sessionPresent).toBe(true);
  await got.waitForCount(3, 'the backlog');
  expect(payloads(got.items)).toEqual([1, 2, 3]);
  expect(subscribes(events)).toEqual([]);
});

test('a new connector with the same client id (a restarted app) gets the backlog without subscribing', async () => {
  const topic = uniqueTopic('session-new');
  const options = sessionOptions();
  const first = await pool.connected(options);
  first.subscribe(topic, { qos: 1 }).subscribe();
  await first.whenSubscribed(topic);
  await pool.close(first);

  await publishAll(topic, [1, 2, 3]);
  const second = pool.create(options);
  const events = new Recorder<ConnectorEvent>(second.events$);
  // No filter is live in this connector yet: the backlog comes out of unmatched$ (and messages$).
  const backlog = new Recorder(second.unmatched$);
  expect(await second.connect()).toBe(true);
  expect(second.state.sessionPresent).toBe(true);
  await backlog.waitForCount(3, 'the backlog');
  expect(payloads(backlog.items)).toEqual([1, 2, 3]);
  expect(backlog.items.every((m) => m.topic === topic && m.qos === 1)).toBe(true);
  expect(subscribes(events)).toEqual([]);
});

test('the socket dies (no DISCONNECT): the connector comes back by itself to its session and its backlog', async () => {
  const topic = uniqueTopic('session-cut');
  proxy = await startFaultProxy('127.0.0.1', broker.ports.plain as number);
  const connector = await pool.connected(sessionOptions(proxy.url));
  const events = new Recorder<ConnectorEvent>(connector.events$);
  const got = new Recorder(connector.subscribe(topic, { qos: 1 }));
  await connector.whenSubscribed(topic);

  await proxy.refuse(); // the broker stays out of reach until the backlog is there
  proxy.cutAll({ reset: true }); // no DISCONNECT: the socket dies
  await waitForState(connector, 'reconnecting', { timeout: 20_000 });
  await publishAll(topic, [1, 2, 3]);
  await proxy.accept();

  await got.waitForCount(3, 'the backlog');
  expect(payloads(got.items)).toEqual([1, 2, 3]);
  expect(connector.state).toMatchObject({ status: 'connected', sessionPresent: true });
  expect(subscribes(events).filter((e) => e.type === 'subscribe' && e.resubscribe)).toEqual([]);
});

test('control: with sessionExpiryInterval 0 the session ends with the connection, and the connector resubscribes', async () => {
  const topic = uniqueTopic('session-none');
  const connector = await pool.connected({ ...sessionOptions(), sessionExpiryInterval: 0 });
  const got = new Recorder(connector.subscribe(topic, { qos: 1 }));
  await connector.whenSubscribed(topic);
  await connector.disconnect();

  await publishAll(topic, [1]); // nobody's session holds it: lost, as MQTT 5 says
  const events = new Recorder<ConnectorEvent>(connector.events$);
  expect(await connector.connect()).toBe(true);
  expect(connector.state.sessionPresent).toBe(false);
  await events.waitForItem(
    (e) => e.type === 'suback' && e.filter === topic,
    'the SUBACK of the resubscription',
  );
  expect(subscribes(events)).toMatchObject([{ filters: [topic] }]);
  await publishAll(topic, [2]);
  await got.waitForCount(1, 'the message after the resubscription');
  expect(payloads(got.items)).toEqual([2]);
});
