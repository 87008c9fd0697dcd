/**
 * One end-to-end run: publisher → broker → subscriber, both in this process, n messages carrying a
 * sequence number; counts unique, duplicate and out-of-order arrivals. Shared by scenarios 2 and 7.
 */
import type { MqttClient } from 'mqtt';
import type { QoS } from '../../src/connector/types.js';
import type { BrokerEndpoint } from './brokers.js';
import { brokerLoad, measureCost, type RunCost } from './cost.js';
import { errorText } from './output.js';
import { type BenchConnector, type ConnectorClass, publishWindowed, startConnector } from './connector.js';
import { connectRaw, endRaw, windowWithin } from './raw.js';
import { sleep, withTimeout } from './timing.js';

/** What one run measured. */
export interface E2eResult {
  /** Unique messages received per second (first publish → last receive). */
  readonly rate: number;
  readonly unique: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly outOfOrder: number;
  /** "complete", "idle" (publisher done, nothing arrived for a while) or "cap" (time cap). */
  readonly outcome: 'complete' | 'idle' | 'cap';
  /** Publisher error (e.g. disconnected by the broker), if any. */
  readonly error?: string;
  /** This process's CPU and GC time per unique message received (µs): both clients run here. */
  readonly cpuPerMessage?: number;
  readonly gcPerMessage?: number;
  /** The broker's CPU per unique message received (µs) and its busy share of the run (0–1), if measured. */
  readonly brokerCpuPerMessage?: number;
  readonly brokerBusy?: number;
}

/** Counts arrivals by sequence number. */
class Receiver {
  private readonly seen: Uint8Array;
  unique = 0;
  duplicates = 0;
  outOfOrder = 0;
  last = -1;
  lastAt = 0;
  private wake: (() => void) | undefined;

  constructor(readonly n: number) {
    this.seen = new Uint8Array(n);
  }

  receive(payload: Uint8Array): void {
    const seq =
      ((payload[0] ?? 0) << 24) | ((payload[1] ?? 0) << 16) | ((payload[2] ?? 0) << 8) | (payload[3] ?? 0);
    if (seq < 0 || seq >= this.n) return;
    this.lastAt = performance.now();
    if (this.seen[seq] === 1) {
      this.duplicates++;
      return;
    }
    this.seen[seq] = 1;
    this.unique++;
    if (seq < this.last) this.outOfOrder++;
    this.last = Math.max(this.last, seq);
    if (this.unique === this.n) this.wake?.();
  }

  /** Resolves when all arrived, or `idleMs` after `published` with nothing new, or at `capMs`. */
  async done(
    published: Promise<unknown>,
    idleMs: number,
    capMs: number,
    start: number,
  ): Promise<E2eResult['outcome']> {
    if (this.unique === this.n) return 'complete';
    const all = new Promise<void>((resolve) => (this.wake = resolve));
    let publisherDone = false;
    void published.then(
      () => (publisherDone = true),
      () => (publisherDone = true),
    );
    for (;;) {
      const winner = await Promise.race([
        all.then(() => 'all' as const),
        sleep(50).then(() => 'tick' as const),
      ]);
      if (winner === 'all' || this.unique === this.n) return 'complete';
      const now = performance.now();
      if (now - start > capMs) return 'cap';
      if (publisherDone && now - Math.max(this.lastAt, start) > idleMs) return 'idle';
    }
  }
}

/** A payload of `size` bytes whose first 4 bytes are `seq` (big-endian). */
export function sequenced(seq: number, size: number, template: Buffer): Buffer {
  const payload = Buffer.from(template);
  payload.writeUInt32BE(seq, 0);
  return payload;
}

/** Pre-built payloads (building them is not part of what is timed). */
export function payloads(n: number, size: number): Buffer[] {
  const template = Buffer.alloc(Math.max(4, size), 0x78);
  return Array.from({ length: n }, (_, i) => sequenced(i, size, template));
}

/** The record of a run that threw (a broker that refused, a client that could not connect): all `n` lost. */
export function failedE2e(n: number, error: unknown): E2eResult {
  return {
    rate: 0,
    unique: 0,
    lost: n,
    duplicates: 0,
    outOfOrder: 0,
    outcome: 'cap',
    error: errorText(error),
  };
}

/** Limits of one run. */
export interface E2eLimits {
  readonly idleMs: number;
  readonly capMs: number;
}

function result(
  rx: Receiver,
  start: number,
  outcome: E2eResult['outcome'],
  cost: RunCost,
  error?: string,
): E2eResult {
  const elapsed = (rx.lastAt > 0 ? rx.lastAt : performance.now()) - start;
  const load = brokerLoad(cost, rx.unique);
  return {
    cpuPerMessage: cost.cpuUs / Math.max(1, rx.unique),
    gcPerMessage: cost.gcUs / Math.max(1, rx.unique),
    ...(load !== undefined ? { brokerCpuPerMessage: load.perMessage, brokerBusy: load.busy } : {}),
    rate: rx.unique > 0 ? (rx.unique / elapsed) * 1000 : 0,
    unique: rx.unique,
    lost: rx.n - rx.unique,
    duplicates: rx.duplicates,
    outOfOrder: rx.outOfOrder,
    outcome,
    ...(error !== undefined ? { error } : {}),
  };
}

/** Which client publishes and which subscribes. */
export interface E2eSides {
  readonly publisher: 'raw' | 'connector';
  readonly subscriber: 'raw' | 'connector';
  /**
   * Callbacks (raw) or promises (connector) the publisher keeps outstanding at most; `'all'`: everything
   * fired at once. Default: 100 for raw, `'all'` for the connector (every promise awaited).
   */
  readonly window?: number | 'all';
  /** The connector class for the connector sides (another source tree's: bench/tools/ab.ts). */
  readonly Connector?: ConnectorClass;
  /**
   * The MQTT version of both sides (default 4, MQTT 3.1.1). On 5 a raw publisher keeps its window within
   * the broker's Receive Maximum, as the connector does.
   */
  readonly protocolVersion?: 4 | 5;
  /** Called once both connectors exist (scenario 7 attaches its observers); returns the detach function. */
  readonly setup?: (
    publisher: BenchConnector | undefined,
    subscriber: BenchConnector | undefined,
  ) => () => void;
}

/** Subscribes `rx` to `topic` with a fresh client of the given kind; returns what to close afterwards. */
async function subscribeSide(
  kind: E2eSides['subscriber'],
  broker: BrokerEndpoint,
  topic: string,
  qos: QoS,
  rx: Receiver,
  Connector: ConnectorClass | undefined,
  protocolVersion: 4 | 5,
): Promise<{ close(): Promise<void>; connector?: BenchConnector; drops(): number }> {
  if (kind === 'raw') {
    const client = await connectRaw(broker.url, {
      noDelay: true,
      onMessage: (_t, payload) => rx.receive(payload),
      mqtt: { protocolVersion },
    });
    try {
      await withTimeout(client.subscribeAsync(topic, { qos }), 10_000, 'raw SUBSCRIBE timed out');
    } catch (error) {
      await endRaw(client);
      throw error;
    }
    return { close: () => endRaw(client), drops: () => 0 };
  }
  const bench = await startConnector(broker.url, { protocolVersion }, Connector);
  const subscription = bench.connector
    .subscribe<Uint8Array>(topic, { qos, decode: 'binary' })
    .subscribe((message) => rx.receive(message.payload));
  try {
    await withTimeout(bench.connector.whenSubscribed(topic), 10_000, 'connector SUBSCRIBE timed out');
  } catch (error) {
    subscription.unsubscribe();
    await bench.close();
    throw error;
  }
  return {
    connector: bench,
    drops: () => bench.drops(),
    close: async () => {
      subscription.unsubscribe();
      await bench.close();
    },
  };
}

/** Publishes every message with a raw client (windowed or all fired); resolves when all callbacks ran. */
function rawPublishAll(
  client: MqttClient,
  topic: string,
  qos: QoS,
  messages: readonly Buffer[],
  window: number | 'all',
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const n = messages.length;
    const limit = window === 'all' ? n : windowWithin(client, qos, window);
    let sent = 0;
    let done = 0;
    client.once('close', () => reject(new Error('the broker closed the publisher’s connection')));
    const callback = (error?: Error) => {
      if (error) return reject(error);
      done++;
      if (done === n) resolve();
      else if (window !== 'all') next();
    };
    const next = () => {
      while (sent < n && sent - done < limit) {
        // Count it before publishing: MQTT.js may run the callback (and so next()) synchronously.
        const seq = sent++;
        client.publish(topic, messages[seq] as Buffer, { qos }, callback);
      }
    };
    next();
  });
}

/** One end-to-end run with the given publisher and subscriber; never leaves a client open. */
export async function e2eRun(
  broker: BrokerEndpoint,
  topic: string,
  qos: QoS,
  messages: readonly Buffer[],
  limits: E2eLimits,
  sides: E2eSides,
): Promise<E2eResult> {
  const rx = new Receiver(messages.length);
  const closers: (() => Promise<void>)[] = [];
  let teardown: (() => void) | undefined;
  try {
    const protocolVersion = sides.protocolVersion ?? 4;
    const sub = await subscribeSide(
      sides.subscriber,
      broker,
      topic,
      qos,
      rx,
      sides.Connector,
      protocolVersion,
    );
    closers.push(() => sub.close());
    let publish: () => Promise<unknown>;
    let pubDrops = () => 0;
    let pubConnector: BenchConnector | undefined;
    if (sides.publisher === 'raw') {
      const client = await connectRaw(broker.url, { noDelay: true, mqtt: { protocolVersion } });
      closers.push(() => endRaw(client));
      publish = () => rawPublishAll(client, topic, qos, messages, sides.window ?? 100);
    } else {
      const bench = await startConnector(broker.url, { protocolVersion }, sides.Connector);
      closers.push(() => bench.close());
      pubConnector = bench;
      pubDrops = () => bench.drops();
      const window = sides.window ?? 'all';
      publish = () =>
        window === 'all'
          ? Promise.all(messages.map((payload) => bench.connector.publish(topic, payload, { qos })))
          : publishWindowed(
              bench.connector,
              topic,
              qos,
              messages.length,
              (i) => messages[i] as Buffer,
              window,
            );
    }
    teardown = sides.setup?.(pubConnector, sub.connector);
    let publishError: string | undefined;
    const meter = measureCost(broker.pid());
    const start = performance.now();
    const published = publish().catch((error: unknown) => {
      publishError = error instanceof Error ? error.message : String(error);
    });
    const outcome = await rx.done(published, limits.idleMs, limits.capMs, start);
    const cost = await meter.stop();
    const drops = pubDrops() + sub.drops();
    return result(
      rx,
      start,
      outcome,
      cost,
      publishError ?? (drops > 0 ? `connection dropped ${drops}×` : undefined),
    );
  } finally {
    teardown?.();
    await Promise.all(closers.map((close) => close()));
  }
}

/** Raw MQTT.js publisher (`window` callbacks outstanding, or all fired) → raw subscriber. */
export function rawE2e(
  broker: BrokerEndpoint,
  topic: string,
  qos: QoS,
  messages: readonly Buffer[],
  window: number | 'all',
  limits: E2eLimits,
): Promise<E2eResult> {
  return e2eRun(broker, topic, qos, messages, limits, { publisher: 'raw', subscriber: 'raw', window });
}

/** Connector publisher (all fired, every promise awaited) → connector subscriber (decode 'binary'). */
export function connectorE2e(
  broker: BrokerEndpoint,
  topic: string,
  qos: QoS,
  messages: readonly Buffer[],
  limits: E2eLimits,
  setup?: E2eSides['setup'],
): Promise<E2eResult> {
  return e2eRun(broker, topic, qos, messages, limits, {
    publisher: 'connector',
    subscriber: 'connector',
    setup,
  });
}
