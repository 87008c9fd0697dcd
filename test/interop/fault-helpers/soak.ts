/**
 * The soak: numbered messages from one connector to another, both behind fault proxies and both with
 * persistent sessions, while a {@link FaultInjector} cuts, resets and stalls their connections. It
 * records what every `publish()` settled with, what arrived (lost, duplicated, reordered), reconnects,
 * and the heap before and after, and returns the figures; the test asserts on them.
 */
import {
  MqttConnector,
  type ConnectorMetrics,
  type MqttConnectorOptions,
  type QoS,
} from '../../../src/index';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy';
import { FaultInjector, type FaultPlan, type FaultTally } from './fault-injector';
import { measureHeap, mib, type HeapReading } from './heap';
import { seededRandom, soakSeed } from './random';
import { SequenceTracker, type SequenceSummary } from './sequence-tracker';

/** What to soak. */
export interface SoakOptions {
  /** For the report and the client ids ("mosquitto-v5-qos1"). */
  readonly name: string;
  /** The broker's plain TCP port on 127.0.0.1. */
  readonly brokerPort: number;
  readonly messages: number;
  readonly qos: Exclude<QoS, 0>;
  readonly protocolVersion: 4 | 5;
  /** Keepalive of both connectors, seconds. */
  readonly keepalive: number;
  /**
   * How long publishing is spread over at least, ms (messages go out in small slices every 20 ms); it
   * also waits for the faults: the last 1/(minFaults+1) of the messages go out after the last required fault.
   */
  readonly publishSpanMs: number;
  /** Fault plan; `keepGoing` is set to "still publishing or messages still missing". */
  readonly faults: Omit<FaultPlan, 'keepGoing'>;
  /** Upper bound of the whole run, ms: past it the run stops and reports what is missing. */
  readonly deadlineMs: number;
  /** Extra options for both connectors. */
  readonly connectorOptions?: MqttConnectorOptions;
  /** Seed of the fault plan. Default: `FAULT_SEED` or random. */
  readonly seed?: number;
}

/** What a soak measured. */
export interface SoakReport {
  readonly name: string;
  readonly seed: number;
  readonly qos: QoS;
  readonly durationMs: number;
  /** True when every publish settled and every message arrived before the deadline. */
  readonly completed: boolean;
  /** Why it did not complete, if it did not. */
  readonly incomplete?: string;
  readonly published: number;
  readonly fulfilled: number;
  readonly rejected: number;
  /** Rejection codes and how many of each. */
  readonly rejectionCodes: Readonly<Record<string, number>>;
  readonly received: SequenceSummary;
  readonly faults: FaultTally;
  /** Faults applied while messages were still being published. */
  readonly faultsWhilePublishing: number;
  readonly publisherMetrics: ConnectorMetrics;
  readonly subscriberMetrics: ConnectorMetrics;
  readonly proxyConnections: { readonly publisher: number; readonly subscriber: number };
  readonly heapBefore: HeapReading;
  readonly heapAfter: HeapReading;
}

const TICK_MS = 20;
/** Topics the messages are spread over (number n goes to topic n % TOPICS). */
const TOPICS = 8;

/** Runs a soak (see the module documentation). Never rejects for a lost message: it reports it. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const seed = options.seed ?? soakSeed();
  const run = `${options.name}-${process.pid}-${Date.now().toString(36)}`;
  const topic = `soak/${run}`;
  const proxies: FaultProxy[] = [];
  const connectors: MqttConnector[] = [];
  const tracker = new SequenceTracker(options.messages, TOPICS);
  let injector: FaultInjector | undefined;
  let publishTimer: NodeJS.Timeout | undefined;
  try {
    const subProxy = await startFaultProxy('127.0.0.1', options.brokerPort);
    proxies.push(subProxy);
    const pubProxy = await startFaultProxy('127.0.0.1', options.brokerPort);
    proxies.push(pubProxy);
    const make = (role: string, proxy: FaultProxy) => {
      const connector = new MqttConnector({
        mqttBroker: proxy.url,
        clientId: `${run}-${role}`,
        clean: false,
        protocolVersion: options.protocolVersion,
        ...(options.protocolVersion === 5 ? { sessionExpiryInterval: 600 } : {}),
        keepalive: options.keepalive,
        throttleInterval: 0,
        reconnectInterval: 50,
        maxReconnectInterval: 500,
        connectTimeout: 10_000,
        logLevel: 'error',
        ...options.connectorOptions,
      });
      connectors.push(connector);
      return connector;
    };
    const subscriber = make('sub', subProxy);
    const publisher = make('pub', pubProxy);
    const deliveries = subscriber
      .subscribe(`${topic}/#`, { qos: options.qos, decode: 'string' })
      .subscribe((message) => tracker.record(message.payload));
    if (!(await subscriber.connect())) throw new Error('the subscriber did not connect');
    await subscriber.whenSubscribed(`${topic}/#`);
    if (!(await publisher.connect())) throw new Error('the publisher did not connect');

    const heapBefore = await measureHeap();
    const started = Date.now();
    let published = 0;
    let fulfilled = 0;
    let rejected = 0;
    const rejectionCodes: Record<string, number> = {};
    let settleWaiter: (() => void) | undefined;
    const onSettled = () => {
      if (fulfilled + rejected === options.messages) settleWaiter?.();
    };
    const publishingDone = new Promise<void>((resolve) => {
      const total = options.messages;
      const { minFaults } = options.faults;
      const tick = () => {
        // Spread over publishSpanMs, and never ahead of the faults: the last share is released only
        // after the minFaults-th fault, so at least minFaults faults hit while messages are flowing.
        const byTime = Math.ceil((total * (Date.now() - started + TICK_MS)) / options.publishSpanMs);
        const applied = injector?.applied ?? 0;
        const byFaults = Math.ceil((total * (applied + 1)) / (minFaults + 1));
        const end = Math.min(total, byTime, byFaults);
        for (; published < end; published++) {
          // Several topics: the subscription is a wildcard, and per-topic order is what MQTT promises.
          publisher.publish(`${topic}/${published % TOPICS}`, String(published), { qos: options.qos }).then(
            () => {
              fulfilled++;
              onSettled();
            },
            (error: unknown) => {
              rejected++;
              const code = (error as { code?: string }).code ?? String(error);
              rejectionCodes[code] = (rejectionCodes[code] ?? 0) + 1;
              onSettled();
            },
          );
        }
        if (published < options.messages) publishTimer = setTimeout(tick, TICK_MS);
        else resolve();
      };
      tick();
    });
    let publishingFinished = false;
    void publishingDone.then(() => (publishingFinished = true));
    let faultsAtPublishEnd = -1;
    void publishingDone.then(() => (faultsAtPublishEnd = injector?.applied ?? 0));

    injector = new FaultInjector(
      [
        { name: 'publisher', proxy: pubProxy, connector: publisher },
        { name: 'subscriber', proxy: subProxy, connector: subscriber },
      ],
      { ...options.faults, keepGoing: () => !publishingFinished },
      seededRandom(seed),
    );
    const faultsDone = injector.run();

    const allSettled = new Promise<void>((resolve) => {
      settleWaiter = resolve;
      onSettled();
    });
    let incomplete: string | undefined;
    let deadlineTimer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      deadlineTimer = setTimeout(() => resolve('deadline'), options.deadlineMs);
    });
    try {
      const finished = await Promise.race([
        Promise.all([publishingDone, faultsDone, allSettled, tracker.whenComplete(options.deadlineMs)]),
        deadline,
      ]);
      if (finished === 'deadline') incomplete = `deadline of ${options.deadlineMs} ms reached`;
    } catch (error) {
      incomplete = error instanceof Error ? error.message : String(error);
    } finally {
      clearTimeout(deadlineTimer);
      clearTimeout(publishTimer);
      tracker.dispose();
      injector.stop();
    }
    const faults = await faultsDone.catch(() => injector?.tally() as FaultTally);
    const durationMs = Date.now() - started;
    const heapAfter = await measureHeap();
    deliveries.unsubscribe();
    const received = tracker.summary();
    return {
      name: options.name,
      seed,
      qos: options.qos,
      durationMs,
      completed: incomplete === undefined && tracker.complete && fulfilled + rejected === options.messages,
      ...(incomplete === undefined ? {} : { incomplete }),
      published,
      fulfilled,
      rejected,
      rejectionCodes,
      received,
      faults,
      faultsWhilePublishing: faultsAtPublishEnd < 0 ? faults.applied : faultsAtPublishEnd,
      publisherMetrics: publisher.metrics(),
      subscriberMetrics: subscriber.metrics(),
      proxyConnections: {
        publisher: pubProxy.stats().connections,
        subscriber: subProxy.stats().connections,
      },
      heapBefore,
      heapAfter,
    };
  } finally {
    clearTimeout(publishTimer);
    tracker.dispose();
    injector?.stop();
    await Promise.all(connectors.map((c) => c.disconnect({ flush: false })));
    await Promise.all(proxies.map((p) => p.close()));
  }
}

/** The reconnects of both connectors together. */
export const reconnectsOf = (report: SoakReport): number =>
  report.publisherMetrics.reconnects + report.subscriberMetrics.reconnects;

/** Heap growth over the soak, bytes (negative when it shrank). */
export const heapGrowth = (report: SoakReport): number =>
  report.heapAfter.heapUsed - report.heapBefore.heapUsed;

/** The report as a few lines for CI logs; `heapBoundBytes` is the growth the test allows, if any. */
export function formatSoakReport(report: SoakReport, heapBoundBytes?: number): string {
  const r = report.received;
  const f = report.faults;
  const heap = (h: HeapReading) => `${mib(h.heapUsed)} MiB${h.collected ? '' : ' (NO forced GC)'}`;
  const growth = heapGrowth(report);
  const perReconnect = growth / Math.max(1, reconnectsOf(report)) / 1024;
  const bound = heapBoundBytes === undefined ? '' : `; bound ${mib(heapBoundBytes)} MiB`;
  return [
    `soak ${report.name} (seed ${report.seed}, QoS ${report.qos}): ${report.completed ? 'complete' : `INCOMPLETE: ${report.incomplete ?? ''}`} in ${(report.durationMs / 1000).toFixed(1)} s`,
    `  publish(): ${report.published} called, ${report.fulfilled} resolved, ${report.rejected} rejected ${JSON.stringify(report.rejectionCodes)}`,
    `  received: ${r.unique}/${r.total} distinct, ${r.deliveries} deliveries, ${r.duplicates} duplicates (${r.duplicatedNumbers} numbers), ${r.outOfOrder} out of order within a topic, missing e.g. [${r.missingSample.join(', ')}]`,
    `  faults: ${f.applied} (${f.cuts} cuts, ${f.resets} resets, ${f.refusals} cuts + refused reconnects, ${f.stalls} stalls of which ${f.stallsThatDropped} ended in a keepalive timeout), ${report.faultsWhilePublishing} while publishing`,
    `  reconnects: publisher ${report.publisherMetrics.reconnects}, subscriber ${report.subscriberMetrics.reconnects}; proxy connections ${report.proxyConnections.publisher} / ${report.proxyConnections.subscriber}`,
    `  after: publisher queued ${report.publisherMetrics.queued}, inFlight ${report.publisherMetrics.inFlight}; subscriber liveFilters ${report.subscriberMetrics.liveFilters}, received ${report.subscriberMetrics.received}`,
    `  heap (after full GCs): before ${heap(report.heapBefore)}, after ${heap(report.heapAfter)}: ${growth >= 0 ? '+' : ''}${mib(growth)} MiB, ${perReconnect.toFixed(0)} KiB per reconnect${bound}`,
  ].join('\n');
}
