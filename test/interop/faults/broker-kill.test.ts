/**
 * The broker is SIGKILLed under load and started again (fault-helpers/kill-run.ts: a publisher fires QoS 1
 * messages at a persistent subscriber that is away; the broker is killed once some are acknowledged).
 *
 * Mosquitto (MQTT 5, persistent sessions, persistence with `autosave_on_changes true` and
 * `autosave_interval 1`: it saves its database after every change). Mosquitto 2.0 writes the PUBACK
 * *before* the save at the end of its loop turn, so a SIGKILL can land between the two. Asserted:
 *   1. every `publish()` resolves, none rejects, across the kill and the restart;
 *   2. everything acknowledged by the killed broker reaches the persistent subscriber, except at most the
 *      last message it acknowledged (its PUBACK went out, its save did not): measured, exactly that one
 *      message is lost in every run, because the kill lands while mosquitto saves after it;
 *   3. everything the connector had not seen acknowledged at the kill is sent again, acknowledged by the
 *      restarted broker, and arrives.
 *
 * nats-server (MQTT 3.1.1, JetStream file store, persistent sessions): every acknowledged message arrives
 * (0 lost in 28 of 28 runs, with kills after 100 to 2,400 acknowledgements).
 *
 * aedes in a child process (MQTT 3.1.1, in-memory: a restart is an empty broker): after a SIGKILL the
 * connectors reconnect by themselves, re-subscribe (no session on the new broker), publishes queued during
 * the outage settle, and traffic resumes.
 */
import { MqttConnector, type MqttConnectorOptions } from '../../../src/index';
import { waitForState } from '../../../src/testing/wait-for-state';
import { startAedesProcess, type AedesProcess } from '../../support/aedes-process';
import { MOSQUITTO_NO_QUEUE_LIMITS, startMosquitto, type MosquittoBroker } from '../../support/mosquitto';
import { startNats, type NatsServer } from '../../support/nats';
import { formatKillReport, killUnderLoad, type KillRunReport } from '../fault-helpers/kill-run';
import { SequenceTracker } from '../fault-helpers/sequence-tracker';

const WAIT = { timeout: 30_000 };
const MESSAGES = 2000;
const KILL_AFTER_ACKS = 500;
const connectors: MqttConnector[] = [];
afterEach(async () => {
  await Promise.all(connectors.splice(0).map((c) => c.disconnect({ flush: false })));
});

function connector(options: MqttConnectorOptions): MqttConnector {
  const c = new MqttConnector({
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

/** What holds for every broker with persistence: nothing rejected, the kill caught messages in flight. */
function expectSettledAndResent(report: KillRunReport): void {
  expect(report.rejected).toEqual([]);
  expect(report.ackedOld.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
  expect(report.ackedNew.length).toBeGreaterThan(0); // the kill really caught messages in flight or queued
  expect(report.ackedOld.length + report.ackedNew.length).toBe(MESSAGES);
  expect(report.lostNew).toEqual([]);
  expect(report.publisherSessionPresent).toBe(true);
  expect(report.subscriberSessionPresent).toBe(true);
}

describe('mosquitto saving after every change, SIGKILLed while a connector publishes QoS 1', () => {
  let broker: MosquittoBroker;
  beforeEach(async () => {
    broker = await startMosquitto({
      persistence: { autosave: 'every-change' },
      config: MOSQUITTO_NO_QUEUE_LIMITS,
    });
  });
  afterEach(() => broker?.close());

  test('every publish resolves; everything acknowledged arrives except at most the last message the killed broker acknowledged; everything re-sent arrives', async () => {
    const report = await killUnderLoad(broker, {
      name: 'mosquitto-kill',
      protocolVersion: 5,
      messages: MESSAGES,
      killAfterAcks: KILL_AFTER_ACKS,
      waitMs: 30_000,
    });
    console.log(formatKillReport('mosquitto (autosave after every change)', report));
    expectSettledAndResent(report);
    const lastAcknowledged = Math.max(...report.ackedOld);
    expect(report.lostOld.filter((n) => n !== lastAcknowledged)).toEqual([]);
  }, 90_000);
});

describe('nats-server with JetStream, SIGKILLed while a connector publishes QoS 1', () => {
  let server: NatsServer;
  beforeEach(async () => {
    server = await startNats();
  });
  afterEach(() => server?.close());

  test('every publish resolves; every acknowledged message reaches the persistent subscriber', async () => {
    const report = await killUnderLoad(server, {
      name: 'nats-kill',
      protocolVersion: 4,
      messages: MESSAGES,
      killAfterAcks: KILL_AFTER_ACKS,
      waitMs: 30_000,
    });
    console.log(formatKillReport('nats-server (JetStream file store)', report));
    expectSettledAndResent(report);
    expect(report.lostOld).toEqual([]);
  }, 90_000);
});

describe('aedes in a child process, SIGKILLed and started again (empty)', () => {
  let broker: AedesProcess;
  beforeEach(async () => {
    broker = await startAedesProcess();
  });
  afterEach(() => broker?.close());

  test('both connectors reconnect by themselves, re-subscribe, publishes queued during the outage resolve, traffic resumes', async () => {
    const topic = `aedes-kill/${process.pid}`;
    const subscriber = connector({ mqttBroker: broker.url });
    const publisher = connector({ mqttBroker: broker.url });
    const tracker = new SequenceTracker(300);
    subscriber
      .subscribe(`${topic}/#`, { qos: 1, decode: 'string' })
      .subscribe((m) => tracker.record(m.payload));
    expect(await subscriber.connect()).toBe(true);
    expect(await publisher.connect()).toBe(true);
    await subscriber.whenSubscribed(`${topic}/#`);
    await Promise.all(range(0, 100).map((n) => publisher.publish(`${topic}/before`, String(n), { qos: 1 })));
    await tracker.whenSeen(0, 100, 30_000);

    await broker.kill();
    await Promise.all([
      waitForState(subscriber, 'reconnecting', WAIT),
      waitForState(publisher, 'reconnecting', WAIT),
    ]);
    // Queued while the broker is down; the new broker has no session, so these reach whoever is
    // subscribed when they are sent (maybe nobody yet): only their settlement is asserted.
    const queued = range(100, 200).map((n) => publisher.publish(`${topic}/during`, String(n), { qos: 1 }));
    expect(publisher.metrics().queued).toBe(100);
    await broker.start();

    const [subState, pubState] = await Promise.all([
      waitForState(subscriber, 'connected', WAIT),
      waitForState(publisher, 'connected', WAIT),
    ]);
    expect(subState.sessionPresent).toBe(false);
    expect(pubState.sessionPresent).toBe(false);
    await expect(Promise.all(queued)).resolves.toHaveLength(100);
    await subscriber.whenSubscribed(`${topic}/#`); // restored by the connector on the new broker
    await Promise.all(range(200, 300).map((n) => publisher.publish(`${topic}/after`, String(n), { qos: 1 })));
    await tracker.whenSeen(200, 300, 30_000); // none lost after the subscription was restored
    expect(subscriber.metrics().reconnects).toBe(1);
    expect(publisher.metrics()).toMatchObject({ queued: 0, inFlight: 0, failed: 0, reconnects: 1 });
  }, 60_000);
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
