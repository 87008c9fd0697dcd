/**
 * A broker SIGKILLed while a connector publishes QoS 1 to a persistent subscriber that is away, then
 * started again: which acknowledged messages survive?
 *
 * A subscriber with a persistent session subscribes and leaves (the broker queues for it from then on).
 * A publisher with a persistent session fires `messages` QoS 1 publishes at once (its window paces them);
 * once `killAfterAcks` are acknowledged the broker is SIGKILLed and started again. Every publish is
 * tagged with the connection that acknowledged it: 'old' (the broker that was killed) or 'new' (the
 * restarted one; what the connector re-sent or sent after the restart). Then the subscriber comes back
 * to its session, a fence published last closes the backlog, and the report says what arrived.
 */
import { filter, firstValueFrom, take, timeout } from 'rxjs';
import { MqttConnector, type MqttConnectorOptions } from '../../../src/index';
import { waitForState } from '../../../src/testing/wait-for-state';
import { SequenceTracker } from './sequence-tracker';

/** The broker under test. */
export interface KillableBroker {
  /** `mqtt://127.0.0.1:<port>` */
  readonly url: string;
  /** SIGKILL, resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port with its store; resolves once it accepts connections. */
  start(): Promise<void>;
}

/** What to run. */
export interface KillRunOptions {
  /** For client ids and the topic. */
  readonly name: string;
  readonly protocolVersion: 4 | 5;
  readonly messages: number;
  /** Acknowledgements from the old broker to wait for before the SIGKILL. */
  readonly killAfterAcks: number;
  /** How long connectors may take to reconnect, and the backlog to arrive, ms. */
  readonly waitMs: number;
}

/** What happened. */
export interface KillRunReport {
  /** Numbers whose publish() rejected (should stay empty). */
  readonly rejected: readonly number[];
  /** Acknowledged by the broker that was killed. */
  readonly ackedOld: readonly number[];
  /** Acknowledged by the restarted broker. */
  readonly ackedNew: readonly number[];
  /** Of those, never delivered to the subscriber. */
  readonly lostOld: readonly number[];
  readonly lostNew: readonly number[];
  readonly duplicates: number;
  readonly publisherSessionPresent: boolean | undefined;
  readonly subscriberSessionPresent: boolean | undefined;
  readonly publisherReconnects: number;
}

/** Runs the scenario of the module documentation against `broker`. */
export async function killUnderLoad(broker: KillableBroker, options: KillRunOptions): Promise<KillRunReport> {
  const { messages, waitMs } = options;
  const run = `${options.name}-${process.pid}-${Date.now().toString(36)}`;
  const topic = `kill/${run}`;
  const connectors: MqttConnector[] = [];
  const make = (role: string) => {
    const connector = new MqttConnector({
      mqttBroker: broker.url,
      clientId: `${run}-${role}`,
      protocolVersion: options.protocolVersion,
      clean: false,
      ...(options.protocolVersion === 5 ? { sessionExpiryInterval: 600 } : {}),
      throttleInterval: 0,
      reconnectInterval: 50,
      maxReconnectInterval: 500,
      connectTimeout: 10_000,
      logLevel: 'error',
    } satisfies MqttConnectorOptions);
    connectors.push(connector);
    return connector;
  };
  try {
    const subscriber = make('sub');
    subscriber.subscribe(topic, { qos: 1 }).subscribe();
    if (!(await subscriber.connect())) throw new Error('the subscriber did not connect');
    await subscriber.whenSubscribed(topic);
    await subscriber.disconnect(); // away: the broker queues for its session from now on

    const publisher = make('pub');
    if (!(await publisher.connect())) throw new Error('the publisher did not connect');
    // Which connection acknowledged each message: 'old' until the publisher sees the old connection end.
    let phase: 'old' | 'new' = 'old';
    const watch = publisher.state$.subscribe((s) => {
      if (s.status !== 'connected' && phase === 'old') phase = 'new';
    });
    const ackedBy = new Array<'old' | 'new' | 'rejected'>(messages);
    let ackedOld = 0;
    let killNow: () => void = () => undefined;
    const enoughAcked = new Promise<void>((resolve) => (killNow = resolve));
    const publishes = Array.from({ length: messages }, (_, n) =>
      publisher.publish(topic, String(n), { qos: 1 }).then(
        () => {
          ackedBy[n] = phase;
          if (phase === 'old' && ++ackedOld === options.killAfterAcks) killNow();
        },
        () => {
          ackedBy[n] = 'rejected';
        },
      ),
    );
    await enoughAcked;
    await broker.kill();
    await waitForState(publisher, ['reconnecting', 'connecting'], { timeout: waitMs });
    await broker.start();
    await Promise.all(publishes);
    watch.unsubscribe();
    const back = await waitForState(publisher, 'connected', { timeout: waitMs });

    const tracker = new SequenceTracker(messages);
    subscriber.subscribe(topic, { qos: 1, decode: 'string' }).subscribe((m) => {
      if (m.payload !== 'fence') tracker.record(m.payload);
    });
    const fence = firstValueFrom(
      subscriber.subscribe(topic, { qos: 1, decode: 'string' }).pipe(
        filter((m) => m.payload === 'fence'),
        take(1),
        timeout(waitMs),
      ),
    );
    if (!(await subscriber.connect())) throw new Error('the subscriber did not come back');
    const subscriberSessionPresent = subscriber.state.sessionPresent;
    await publisher.publish(topic, 'fence', { qos: 1 });
    await fence;

    const numbers = (tag: 'old' | 'new' | 'rejected') => ackedBy.flatMap((by, n) => (by === tag ? [n] : []));
    const lost = (list: number[]) => list.filter((n) => !tracker.has(n));
    const old = numbers('old');
    const fresh = numbers('new');
    return {
      rejected: numbers('rejected'),
      ackedOld: old,
      ackedNew: fresh,
      lostOld: lost(old),
      lostNew: lost(fresh),
      duplicates: tracker.summary().duplicates,
      publisherSessionPresent: back.sessionPresent,
      subscriberSessionPresent,
      publisherReconnects: publisher.metrics().reconnects,
    };
  } finally {
    await Promise.all(connectors.map((c) => c.disconnect({ flush: false })));
  }
}

/** The report as one line for CI logs. */
export function formatKillReport(name: string, r: KillRunReport): string {
  return (
    `${name} SIGKILL: acknowledged by the killed broker ${r.ackedOld.length}, lost ${r.lostOld.length}` +
    `${r.lostOld.length > 0 ? ` (${r.lostOld.slice(0, 5).join(', ')})` : ''}; ` +
    `acknowledged by the restarted broker (re-sent or sent after the restart) ${r.ackedNew.length}, lost ${r.lostNew.length}; ` +
    `rejected ${r.rejected.length}; ${r.duplicates} duplicates; sessions present: publisher ${String(r.publisherSessionPresent)}, ` +
    `subscriber ${String(r.subscriberSessionPresent)}; publisher reconnects ${r.publisherReconnects}`
  );
}
