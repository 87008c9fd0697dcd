/**
 * The broker is SIGKILLed under load and started again.
 *
 * Mosquitto (MQTT 5, persistence on, persistent sessions): mosquitto 2.0 sends PUBACK *before* it writes a
 * message to disk, and with autosave off it writes only when told (`persist()`, SIGUSR1) or on a clean
 * stop. So the exact guarantee tested is:
 *   1. every `publish()` resolves — none rejects — across the kill and the restart;
 *   2. every message acknowledged before the broker's last save (`persist()`) reaches the persistent
 *      subscriber after the restart (mosquitto's durability, made visible end to end);
 *   3. every message the connector had not seen acknowledged when the old connection died (in flight or
 *      queued at the kill) is sent again by the connector and reaches the subscriber: acknowledged by the
 *      restarted broker, it cannot be lost;
 *   4. messages acknowledged by the old broker after its last save are the broker's own loss window: they
 *      are counted and printed, not asserted (no client can re-send what the broker acknowledged).
 *
 * aedes in a child process (MQTT 3.1.1, in-memory: a restart is an empty broker): after a SIGKILL the
 * connectors reconnect by themselves, re-subscribe (no session on the new broker), publishes queued during
 * the outage settle, and traffic resumes.
 */
import { filter, firstValueFrom, take, timeout } from 'rxjs';
import { MqttConnector, type MqttConnectorOptions, type MqttMessage } from '../../../src/index';
import { waitForState } from '../../../src/testing/wait-for-state';
import { startAedesProcess, type AedesProcess } from '../../support/aedes-process';
import { MOSQUITTO_NO_QUEUE_LIMITS, startMosquitto, type MosquittoBroker } from '../../support/mosquitto';
import { SequenceTracker } from '../fault-helpers/sequence-tracker';

const WAIT = { timeout: 30_000 };
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

/** Resolves with the first message on `filter` whose payload is `payload`, within `ms`. */
function arrival(c: MqttConnector, topicFilter: string, payload: string, ms = 30_000): Promise<MqttMessage> {
  return firstValueFrom(
    c.subscribe(topicFilter, { qos: 1, decode: 'string' }).pipe(
      filter((m) => m.payload === payload),
      take(1),
      timeout(ms),
    ),
  );
}

describe('mosquitto with persistence, SIGKILLed while a connector publishes QoS 1', () => {
  let broker: MosquittoBroker;
  beforeEach(async () => {
    broker = await startMosquitto({ persistence: { autosave: 'off' }, config: MOSQUITTO_NO_QUEUE_LIMITS });
  });
  afterEach(() => broker?.close());

  test('every publish resolves; everything acknowledged before the last save, and everything re-sent after the restart, reaches the persistent subscriber', async () => {
    const SAVED = 2000; // acknowledged, then persist()
    const AROUND = 3000; // published around the kill
    const TOTAL = SAVED + AROUND;
    const topic = `kill/${process.pid}/${Date.now().toString(36)}`;
    const session = { protocolVersion: 5, clean: false, sessionExpiryInterval: 600 } as const;
    const subscriber = connector({ ...session, mqttBroker: broker.url, clientId: `kill-sub-${process.pid}` });
    subscriber.subscribe(topic, { qos: 1 }).subscribe();
    expect(await subscriber.connect()).toBe(true);
    await subscriber.whenSubscribed(topic);
    await subscriber.disconnect(); // away: mosquitto queues for its session from now on

    const publisher = connector({ ...session, mqttBroker: broker.url, clientId: `kill-pub-${process.pid}` });
    expect(await publisher.connect()).toBe(true);
    await Promise.all(
      Array.from({ length: SAVED }, (_, i) => publisher.publish(topic, String(i), { qos: 1 })),
    );
    await broker.persist(); // 2. everything acknowledged so far is on disk now

    // Which connection acknowledged each message: 'old' until the publisher sees the old connection end.
    let phase: 'old' | 'new' = 'old';
    const watch = publisher.state$.subscribe((s) => {
      if (s.status !== 'connected' && phase === 'old') phase = 'new';
    });
    const ackedBy = new Array<'old' | 'new' | 'rejected'>(AROUND);
    let ackedOld = 0;
    let killAt: () => void = () => undefined;
    const enoughAcked = new Promise<void>((resolve) => (killAt = resolve));
    const around = Array.from({ length: AROUND }, (_, k) =>
      publisher.publish(topic, String(SAVED + k), { qos: 1 }).then(
        (result) => {
          ackedBy[k] = phase;
          if (phase === 'old' && ++ackedOld === 500) killAt();
          return result;
        },
        (error: unknown) => {
          ackedBy[k] = 'rejected';
          throw error;
        },
      ),
    );
    await enoughAcked; // some acknowledged after the save, the rest in flight or queued
    await broker.kill();
    await waitForState(publisher, ['reconnecting', 'connecting'], WAIT);
    await broker.start();

    // 1. every publish() resolves, none rejects
    const settled = await Promise.allSettled(around);
    watch.unsubscribe();
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
    await waitForState(publisher, 'connected', WAIT);
    expect(publisher.state.sessionPresent).toBe(true);

    // The subscriber comes back to its persisted session; a fence published last closes the backlog.
    const tracker = new SequenceTracker(TOTAL);
    subscriber.subscribe(topic, { qos: 1, decode: 'string' }).subscribe((m) => {
      if (m.payload !== 'fence') tracker.record(m.payload);
    });
    const fence = arrival(subscriber, topic, 'fence');
    expect(await subscriber.connect()).toBe(true);
    expect(subscriber.state.sessionPresent).toBe(true);
    await publisher.publish(topic, 'fence', { qos: 1 });
    await fence;

    const summary = tracker.summary();
    const got = (n: number) => tracker.has(n);
    const missingSaved = range(0, SAVED).filter((n) => !got(n));
    const resent = range(0, AROUND).filter((k) => ackedBy[k] === 'new');
    const missingResent = resent.filter((k) => !got(SAVED + k));
    const unsaved = range(0, AROUND).filter((k) => ackedBy[k] === 'old');
    const lostUnsaved = unsaved.filter((k) => !got(SAVED + k));
    console.log(
      `mosquitto SIGKILL: ${SAVED} acknowledged + saved, ${missingSaved.length} of them lost; ` +
        `${unsaved.length} acknowledged by the old broker after its last save, ${lostUnsaved.length} of them lost (the broker's window); ` +
        `${resent.length} re-sent by the connector and acknowledged by the restarted broker, ${missingResent.length} lost; ` +
        `${summary.duplicates} duplicates; publisher reconnects ${publisher.metrics().reconnects}`,
    );
    expect(missingSaved).toEqual([]); // 2.
    expect(resent.length).toBeGreaterThan(0); // the kill really caught messages in flight or queued
    expect(missingResent).toEqual([]); // 3.
    expect(publisher.metrics()).toMatchObject({ queued: 0, inFlight: 0, failed: 0 });
  }, 120_000);
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
