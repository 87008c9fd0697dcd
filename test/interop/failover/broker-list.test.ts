/**
 * Failover along a broker list: `mqttBroker: [A, B]` (two Mosquittos, MQTT 5). On every failure or drop the
 * connector moves on to the next broker of the list, and `state$` says which broker it is on. On the new
 * broker (no session there) the connector restores its subscriptions before it releases the publishes
 * queued while it was moving, so those reach even its own subscription.
 */
import { filter, firstValueFrom, take, timeout } from 'rxjs';
import { MqttConnector, type ConnectionState, type MqttConnectorOptions } from '../../../src/index';
import { waitForState } from '../../../src/testing/wait-for-state';
import { MOSQUITTO_NO_QUEUE_LIMITS, startMosquitto, type MosquittoBroker } from '../../support/mosquitto';
import { SequenceTracker } from '../fault-helpers/sequence-tracker';

const WAIT = { timeout: 30_000 };
const connectors: MqttConnector[] = [];
let a: MosquittoBroker;
let b: MosquittoBroker;

beforeEach(async () => {
  [a, b] = await Promise.all([
    startMosquitto({ config: MOSQUITTO_NO_QUEUE_LIMITS }),
    startMosquitto({ config: MOSQUITTO_NO_QUEUE_LIMITS }),
  ]);
});
afterEach(async () => {
  await Promise.all(connectors.splice(0).map((c) => c.disconnect({ flush: false })));
  await Promise.all([a?.close(), b?.close()]);
});

function connector(options: MqttConnectorOptions): MqttConnector {
  const c = new MqttConnector({
    protocolVersion: 5,
    throttleInterval: 0,
    reconnectInterval: 50,
    maxReconnectInterval: 500,
    connectTimeout: 10_000,
    logLevel: 'error',
    ...options,
  });
  connectors.push(c);
  return c;
}

/** A connector pinned to one broker that records the sequence numbers published on `topic`. */
async function observer(broker: MosquittoBroker, topic: string, total: number): Promise<SequenceTracker> {
  const tracker = new SequenceTracker(total);
  const c = connector({ mqttBroker: broker.url });
  c.subscribe(topic, { qos: 1, decode: 'string' }).subscribe((m) => tracker.record(m.payload));
  expect(await c.connect()).toBe(true);
  await c.whenSubscribed(topic);
  return tracker;
}

const connectedTo = (url: string) => (s: ConnectionState) => s.status === 'connected' && s.broker === url;

test('killing A moves the connector to B and back: state$ names the broker, subscriptions are restored, queued publishes arrive', async () => {
  const topic = `failover/${process.pid}/${Date.now().toString(36)}`;
  const TOTAL = 300;
  const onA = await observer(a, topic, TOTAL);
  const onB = await observer(b, topic, TOTAL);
  const mover = connector({ mqttBroker: [a.url, b.url] });
  const own = new SequenceTracker(TOTAL);
  mover.subscribe(topic, { qos: 1, decode: 'string' }).subscribe((m) => own.record(m.payload));
  const brokers: string[] = [];
  mover.state$.subscribe((s) => {
    if (s.status === 'connected') brokers.push(s.broker);
  });

  // On A.
  expect(await mover.connect()).toBe(true);
  expect(mover.state.broker).toBe(a.url);
  await mover.whenSubscribed(topic);
  await Promise.all(range(0, 100).map((n) => mover.publish(topic, String(n), { qos: 1 })));
  await Promise.all([onA.whenSeen(0, 100, 30_000), own.whenSeen(0, 100, 30_000)]);

  // A dies: publishes made while the connector is not connected wait in its queue.
  await a.kill();
  await waitForState(mover, (s) => s.status !== 'connected', WAIT);
  const queuedToB = range(100, 200).map((n) => mover.publish(topic, String(n), { qos: 1 }));
  const onNew = await waitForState(mover, connectedTo(b.url), WAIT);
  expect(onNew.sessionPresent).toBe(false);
  await expect(Promise.all(queuedToB)).resolves.toHaveLength(100);
  await mover.whenSubscribed(topic); // SUBACK from B
  // The queued publishes reached B, and the connector's own subscription on B (restored before they left).
  await Promise.all([onB.whenSeen(100, 200, 30_000), own.whenSeen(100, 200, 30_000)]);
  // Another client's message on B reaches the connector: its subscription lives on B now.
  const fromB = firstMessage(mover, topic, 'from-b');
  const bClient = connector({ mqttBroker: b.url });
  expect(await bClient.connect()).toBe(true);
  await bClient.publish(topic, 'from-b', { qos: 1 });
  await fromB;

  // A is back, B dies: the connector moves to A again.
  await a.start();
  await b.kill();
  await waitForState(mover, (s) => s.status !== 'connected', WAIT);
  const queuedToA = range(200, 300).map((n) => mover.publish(topic, String(n), { qos: 1 }));
  await waitForState(mover, connectedTo(a.url), WAIT);
  await expect(Promise.all(queuedToA)).resolves.toHaveLength(100);
  await mover.whenSubscribed(topic);
  await own.whenSeen(200, 300, 30_000);
  expect(mover.state.broker).toBe(a.url);
  expect(brokers).toEqual([a.url, b.url, a.url]);
  expect(mover.metrics()).toMatchObject({ queued: 0, inFlight: 0, failed: 0, reconnects: 2 });
  expect(own.summary().unique).toBe(TOTAL);
}, 90_000);

test('QoS 1 messages in flight or queued when A dies are sent to B: every publish resolves, none that A had not acknowledged is lost', async () => {
  const topic = `failover-burst/${process.pid}/${Date.now().toString(36)}`;
  const TOTAL = 3000;
  const onA = await observer(a, topic, TOTAL);
  const onB = await observer(b, topic, TOTAL);
  const mover = connector({ mqttBroker: [a.url, b.url] });
  expect(await mover.connect()).toBe(true);
  // Which broker acknowledged each message: A until the mover sees its connection to A end.
  let onFirst = true;
  mover.state$.subscribe((s) => {
    if (s.status !== 'connected') onFirst = false;
  });
  const ackedByA: number[] = [];
  const ackedByB: number[] = [];
  let killNow: () => void = () => undefined;
  const someAcked = new Promise<void>((resolve) => (killNow = resolve));
  const burst = range(0, TOTAL).map((n) =>
    mover.publish(topic, String(n), { qos: 1 }).then((result) => {
      (onFirst ? ackedByA : ackedByB).push(n);
      if (ackedByA.length === TOTAL / 10) killNow();
      return result;
    }),
  );
  await someAcked; // some acknowledged by A, some in flight to it, the rest queued in the connector
  await a.kill();
  await expect(Promise.all(burst)).resolves.toHaveLength(TOTAL);
  expect(mover.state).toMatchObject({ status: 'connected', broker: b.url });
  expect(ackedByB.length).toBeGreaterThan(0);
  await onB.whenSeenAll(ackedByB, 30_000);
  const lostWithA = ackedByA.filter((n) => !onA.has(n)).length;
  console.log(
    `failover burst: ${ackedByA.length} acknowledged by A (${lostWithA} of them died with A before its observer got them), ` +
      `${ackedByB.length} sent again or sent to B, all ${ackedByB.length} delivered on B`,
  );
  expect(mover.metrics()).toMatchObject({ queued: 0, inFlight: 0, failed: 0, reconnects: 1 });
}, 60_000);

test('a broker that is down at the first connect is skipped: the connector starts on the next one', async () => {
  await a.kill();
  const states: ConnectionState[] = [];
  const mover = connector({ mqttBroker: [a.url, b.url] });
  mover.state$.subscribe((s) => states.push(s));
  expect(await mover.connect()).toBe(true);
  expect(mover.state.broker).toBe(b.url);
  const failedOnA = states.find((s) => s.status === 'connecting' && s.error !== undefined);
  expect(failedOnA?.error?.code).toBe('CONNECTION_FAILED');
  expect(states[0]?.broker).toBe(a.url);
}, 30_000);

function firstMessage(c: MqttConnector, topic: string, payload: string): Promise<unknown> {
  return firstValueFrom(
    c.subscribe(topic, { qos: 1, decode: 'string' }).pipe(
      filter((m) => m.payload === payload),
      take(1),
      timeout(30_000),
    ),
  );
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
