/**
 * One end-to-end run: publisher → broker → subscriber, both in this process, n messages carrying a
 * sequence number, counted by a `Receiver` (e2e-receiver.ts). Shared by scenarios 2, 7 and 8 and the tools.
 */
import type { MqttClient } from 'mqtt';
import type { QoS } from '../../src/connector/types.js';
import type { BrokerEndpoint } from './brokers.js';
import { measureCost } from './cost.js';
import { type BenchConnector, type ConnectorClass, publishWindowed, startConnector } from './connector.js';
import { type E2eResult, finishedE2e, Receiver } from './e2e-receiver.js';
import { connectRaw, endRaw, windowWithin } from './raw.js';
import { withTimeout } from './timing.js';

/** Limits of one run. */
export interface E2eLimits {
  readonly idleMs: number;
  readonly capMs: number;
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

/** What a subscribing side needs: its connector (connector sides), its drops, and its close. */
export interface SubscribeSide {
  readonly connector?: BenchConnector;
  drops(): number;
  close(): Promise<void>;
}

/**
 * Subscribes a fresh client of the given kind to `topic`, handing every payload to `rx` (a `Receiver`, or
 * anything that forwards to one); resolves once the broker acknowledged the subscription.
 */
export async function subscribeSide(
  kind: E2eSides['subscriber'],
  broker: Pick<BrokerEndpoint, 'url'>,
  topic: string,
  qos: QoS,
  rx: Pick<Receiver, 'receive'>,
  Connector: ConnectorClass | undefined,
  protocolVersion: 4 | 5,
): Promise<SubscribeSide> {
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

/** What a publishing side needs: its run, its connector (connector sides), its drops, and its close. */
export interface PublishSide {
  /** Publishes every message; resolves when all settled (raw: every callback ran). */
  publish(): Promise<unknown>;
  readonly connector?: BenchConnector;
  drops(): number;
  close(): Promise<void>;
}

/**
 * Connects a publisher of the given kind (raw: `window` callbacks outstanding, 100 by default; connector:
 * all fired by default, every promise awaited) that will publish `messages` to `topic`.
 */
export async function publishSide(
  kind: E2eSides['publisher'],
  broker: BrokerEndpoint,
  topic: string,
  qos: QoS,
  messages: readonly Buffer[],
  window: E2eSides['window'],
  Connector: ConnectorClass | undefined,
  protocolVersion: 4 | 5,
): Promise<PublishSide> {
  if (kind === 'raw') {
    const client = await connectRaw(broker.url, { noDelay: true, mqtt: { protocolVersion } });
    return {
      publish: () => rawPublishAll(client, topic, qos, messages, window ?? 100),
      drops: () => 0,
      close: () => endRaw(client),
    };
  }
  const bench = await startConnector(broker.url, { protocolVersion }, Connector);
  const limit = window ?? 'all';
  return {
    publish: () =>
      limit === 'all'
        ? Promise.all(messages.map((payload) => bench.connector.publish(topic, payload, { qos })))
        : publishWindowed(bench.connector, topic, qos, messages.length, (i) => messages[i] as Buffer, limit),
    connector: bench,
    drops: () => bench.drops(),
    close: () => bench.close(),
  };
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
    const pub = await publishSide(
      sides.publisher,
      broker,
      topic,
      qos,
      messages,
      sides.window,
      sides.Connector,
      protocolVersion,
    );
    closers.push(() => pub.close());
    teardown = sides.setup?.(pub.connector, sub.connector);
    let publishError: string | undefined;
    const meter = measureCost(broker.pid());
    const start = performance.now();
    const published = pub.publish().catch((error: unknown) => {
      publishError = error instanceof Error ? error.message : String(error);
    });
    const outcome = await rx.done(published, limits.idleMs, limits.capMs, start);
    const cost = await meter.stop();
    const drops = pub.drops() + sub.drops();
    return finishedE2e(
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
