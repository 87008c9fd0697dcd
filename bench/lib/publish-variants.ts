/**
 * Scenario 1's variants: the ways of publishing n messages that a row of its table compares (raw MQTT.js's
 * patterns, the connector awaiting every promise or through `publishTo`, and the diagnosis rows), each
 * timed with its CPU cost and the broker's.
 */
import type { QoS } from '../../src/connector/types.js';
import { PublishPipeline } from '../../src/streams/publish-pipeline.js';
import type { BenchBroker } from './brokers.js';
import {
  connectorPublishRun,
  connectorPublishToRun,
  connectorWindowedRun,
  startConnector,
} from './connector.js';
import { RunSamples, timedRun, type TimedRun } from './cost.js';
import { QuietPort } from './quiet-port.js';
import { connectRaw, endRaw, type RawPattern, rawPublishRun } from './raw.js';

/** One way of publishing n messages; resolves with elapsed ms. */
export interface Variant {
  readonly name: string;
  readonly raw: boolean;
  /** A diagnosis row (where the connector's time goes): not a reference, not a target. */
  readonly diagnosis?: boolean;
  /** Excluded from "best raw" (the broker silently drops what it acknowledges). */
  readonly lossy?: string;
  /** Runs only in the first this-many reps (the slow per-message-callback pattern). */
  readonly maxReps?: number;
  /** Connector variants: how often the broker dropped the connection during this row's runs. */
  readonly drops?: { count: number };
  /** One run of n messages: elapsed ms of the publishing (connect and close excluded), and its cost. */
  run(n: number): Promise<TimedRun>;
}

/** Outcome of one variant over the reps of a row. */
export class VariantResult extends RunSamples {
  readonly failures: string[] = [];
  /** Most 'drain' listeners seen on one socket during a run. */
  maxDrain = 0;
}

/** The topic every variant publishes to. */
const TOPIC = 'bench/pub';

/** Raw MQTT.js publishing with `pattern` on a fresh connection per run (TCP_NODELAY, as the connector). */
function rawVariant(
  broker: BenchBroker,
  name: string,
  qos: QoS,
  payload: Buffer,
  pattern: RawPattern,
  timeoutMs: number,
): Variant {
  // Stock mosquitto acknowledges inbound QoS 2 beyond its 20 in flight and drops them (baseline F4).
  const lossy =
    broker.spec.kind === 'mosquitto' && !broker.spec.unbounded && qos === 2 && pattern.kind === 'fire'
      ? 'stock mosquitto drops all but ~20 in flight after completing their handshake (baseline F4): not a loss-free reference'
      : undefined;
  return {
    name,
    raw: true,
    lossy,
    // QoS 0 with a callback per message is quadratic in MQTT.js (baseline F1): ~5 s a run at 50,000, an
    // order of magnitude off the others, so three reps say all there is to say.
    ...(qos === 0 && pattern.kind === 'fire' ? { maxReps: 3 } : {}),
    async run(n) {
      const client = await connectRaw(broker.url, { noDelay: true });
      try {
        return await timedRun(
          () => rawPublishRun(client, TOPIC, n, qos, payload, pattern, timeoutMs),
          broker.pid(),
        );
      } finally {
        await endRaw(client);
      }
    },
  };
}

/**
 * How a connector variant publishes its n messages (resolves with elapsed ms): `connectorPublishToRun`'s
 * shape, which `connectorPublishRun` fits too (it also takes strings, for bench/tools/ab.ts --text).
 */
type ConnectorRun = typeof connectorPublishToRun;

/**
 * The connector, publishing with `publishRun`: `connectorPublishRun` (every promise awaited) or
 * `connectorPublishToRun` (the publishTo operator, no promise per message). Counts broker drops.
 */
function connectorVariant(
  name: string,
  publishRun: ConnectorRun,
  broker: BenchBroker,
  qos: QoS,
  payload: Buffer,
  timeoutMs: number,
): Variant {
  const drops = { count: 0 };
  return {
    drops,
    name,
    raw: false,
    async run(n) {
      const bench = await startConnector(broker.url);
      try {
        return await timedRun(
          () => publishRun(bench.connector, TOPIC, n, qos, payload, timeoutMs),
          broker.pid(),
        );
      } finally {
        drops.count += bench.drops();
        await bench.close();
      }
    },
  };
}

/** Diagnosis: the connector used the windowed way (at most `window` promises outstanding). */
function connectorWindowedVariant(
  broker: BenchBroker,
  qos: QoS,
  payload: Buffer,
  window: number,
  timeoutMs: number,
): Variant {
  return {
    name: `connector, at most ${window} promises outstanding (diagnosis)`,
    raw: false,
    diagnosis: true,
    async run(n) {
      const bench = await startConnector(broker.url);
      try {
        return await timedRun(
          () => connectorWindowedRun(bench.connector, TOPIC, n, qos, payload, window, timeoutMs),
          broker.pid(),
        );
      } finally {
        await bench.close();
      }
    },
  };
}

/** Diagnosis: the publish pipeline alone over a fake port (no MQTT.js, no network): the layer's own CPU. */
function pipelineAloneVariant(qos: QoS, payload: Buffer): Variant {
  return {
    name: 'publish pipeline alone, fake port, no network (diagnosis)',
    raw: false,
    diagnosis: true,
    async run(n) {
      const pipeline = new PublishPipeline(new QuietPort(), { throttleInterval: 0 });
      pipeline.resume();
      return timedRun(async () => {
        const start = performance.now();
        const promises = new Array<Promise<unknown>>(n);
        for (let i = 0; i < n; i++) promises[i] = pipeline.publish(TOPIC, payload, { qos });
        await Promise.all(promises);
        return performance.now() - start;
      });
    },
  };
}

/**
 * The variants of one row: raw firing all (a callback each) and raw's window, the connector awaiting every
 * promise and through `publishTo`, then the diagnosis rows (`withDiagnosis`: the connector windowed and the
 * pipeline alone; at QoS 0 always raw's window with a promise per message). The first two are the QoS 0
 * targets' references, in that order.
 */
export function publishVariants(
  broker: BenchBroker,
  qos: QoS,
  payload: Buffer,
  window: number,
  timeoutMs: number,
  withDiagnosis: boolean,
): Variant[] {
  return [
    rawVariant(
      broker,
      qos === 0 ? 'raw, callback per message, all fired' : 'raw, all fired (callback each)',
      qos,
      payload,
      { kind: 'fire' },
      timeoutMs,
    ),
    rawVariant(broker, `raw, window ${window} (expert)`, qos, payload, { kind: 'window', window }, timeoutMs),
    connectorVariant(
      'connector, all fired, every promise awaited',
      connectorPublishRun,
      broker,
      qos,
      payload,
      timeoutMs,
    ),
    connectorVariant(
      'connector, publishTo operator (no promise per message)',
      connectorPublishToRun,
      broker,
      qos,
      payload,
      timeoutMs,
    ),
    ...(withDiagnosis
      ? [
          connectorWindowedVariant(broker, qos, payload, window, timeoutMs),
          pipelineAloneVariant(qos, payload),
        ]
      : []),
    // At QoS 0 the promises themselves are most of the cost: this row shows raw MQTT.js with them.
    ...(qos === 0
      ? [
          {
            ...rawVariant(
              broker,
              `raw, window ${window} + a promise per message, all awaited (diagnosis)`,
              qos,
              payload,
              { kind: 'promised-window', window },
              timeoutMs,
            ),
            diagnosis: true,
          },
        ]
      : []),
  ];
}
