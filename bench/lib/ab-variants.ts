/**
 * The runs an A/B of bench/tools/ab.ts compares: raw MQTT.js in the chosen pattern, and a connector class
 * (this checkout's or another source tree's) publishing with every promise awaited, on the publish path or
 * end to end. Parsed from the same flags in the parent (tools/ab.ts) and in the one-side child processes of
 * `--isolate` (tools/ab-side.ts), so both run exactly the same thing.
 */
import type { MqttConnectorOptions, QoS } from '../../src/connector/types.js';
import type { Args } from './args.js';
import type { BrokerEndpoint } from './brokers.js';
import { timedRun, type TimedRun } from './cost.js';
import { type ConnectorClass, connectorPublishFresh } from './connector.js';
import { e2eRun } from './e2e.js';
import { payloads } from './e2e-receiver.js';
import { expertWindow, type RawPattern, rawPublishFresh } from './raw.js';

/** What every run of one A/B shares, whatever its QoS. */
export interface AbSetup {
  readonly kind: 'aedes' | 'mosquitto';
  /** 'publish': one client publishes; 'e2e': publisher → broker → subscriber, both of one kind. */
  readonly path: 'publish' | 'e2e';
  /** Payload bytes. */
  readonly size: number;
  /** MQTT version of every client. */
  readonly protocolVersion: 4 | 5;
  /** `--max-in-flight`: the connectors' window and raw's, on the publish path; undefined: defaults. */
  readonly maxInFlight?: number;
  /** `--text`: the connectors publish the payload as a string, UTF-8 encoded per publish. */
  readonly text: boolean;
  /** `--raw`: raw's pattern on the publish path. */
  readonly raw: 'window' | 'fire' | 'promised-fire';
}

/** Reads and checks the A/B flags (the same in the parent and in its children). */
export function abSetup(args: Args): AbSetup {
  const path = args.string('path', 'publish');
  if (path !== 'publish' && path !== 'e2e') throw new Error('--path must be publish or e2e');
  const maxInFlight = args.optionalNumber('max-in-flight');
  // The end-to-end runs start their connectors with default options: a window there would be raw's alone.
  if (maxInFlight !== undefined && path === 'e2e') throw new Error('--max-in-flight is for --path=publish');
  const protocolVersion = args.protocolVersion();
  const text = args.has('text');
  if (text && path === 'e2e') throw new Error('--text is for --path=publish');
  const raw = args.string('raw', 'window');
  if (raw !== 'window' && raw !== 'fire' && raw !== 'promised-fire') {
    throw new Error('--raw must be window, fire or promised-fire');
  }
  if (raw !== 'window' && path === 'e2e') throw new Error(`--raw=${raw} is for --path=publish`);
  return {
    kind: args.string('broker', 'mosquitto') as AbSetup['kind'],
    path,
    size: args.number('size', 64),
    protocolVersion,
    ...(maxInFlight === undefined ? {} : { maxInFlight }),
    text,
    raw,
  };
}

/** Messages per timed run at `qos`. */
export function abMessages(qos: QoS): number {
  return qos === 2 ? 20_000 : 50_000;
}

/** Raw's window at `qos`: `--max-in-flight`, else the expert's window ({@link expertWindow}). */
function rawWindow(setup: AbSetup, qos: QoS): number {
  return setup.maxInFlight ?? expertWindow(qos);
}

/** Raw's row name: "raw, all fired", "raw, window 100", ... */
export function rawName(setup: AbSetup, qos: QoS): string {
  if (setup.raw === 'fire') return 'raw, all fired';
  if (setup.raw === 'promised-fire') return 'raw, all fired, a promise each, all awaited';
  const withinReceiveMaximum = setup.protocolVersion === 5 && qos > 0 ? ' within the Receive Maximum' : '';
  return `raw, window ${rawWindow(setup, qos)}${withinReceiveMaximum}`;
}

const LIMITS = { idleMs: 1_500, capMs: 60_000 };

/**
 * One run of `count` messages at `qos` by `side` (raw MQTT.js, or a connector class) on fresh clients;
 * resolves with its elapsed milliseconds, rejects if a connector lost a message end to end.
 */
export async function abRun(
  broker: BrokerEndpoint,
  setup: AbSetup,
  side: 'raw' | ConnectorClass,
  qos: QoS,
  count: number,
): Promise<number> {
  const { protocolVersion, size } = setup;
  if (setup.path === 'e2e') {
    const result = await e2eRun(
      broker,
      'bench/ab/e2e',
      qos,
      payloads(count, size),
      LIMITS,
      side === 'raw'
        ? { publisher: 'raw', subscriber: 'raw', window: rawWindow(setup, qos), protocolVersion }
        : { publisher: 'connector', subscriber: 'connector', Connector: side, protocolVersion },
    );
    if (side !== 'raw' && result.lost > 0) throw new Error(`the connector lost ${result.lost}`);
    return (count / result.rate) * 1000;
  }
  const payload = Buffer.alloc(size, 0x78);
  if (side === 'raw') {
    const pattern: RawPattern =
      setup.raw === 'window' ? { kind: 'window', window: rawWindow(setup, qos) } : { kind: setup.raw };
    return rawPublishFresh(broker.url, protocolVersion, 'bench/ab', count, qos, payload, pattern, 60_000);
  }
  const options: MqttConnectorOptions = {
    protocolVersion,
    ...(setup.maxInFlight === undefined ? {} : { maxInFlight: setup.maxInFlight }),
  };
  const message = setup.text ? 'x'.repeat(size) : payload;
  return connectorPublishFresh(broker.url, options, side, 'bench/ab', count, qos, message, 60_000);
}

/** {@link abRun}, measured: its elapsed time and what it cost, connecting and closing included. */
export function timedAbRun(
  broker: BrokerEndpoint,
  setup: AbSetup,
  side: 'raw' | ConnectorClass,
  qos: QoS,
  count: number,
): Promise<TimedRun> {
  return timedRun(() => abRun(broker, setup, side, qos, count), broker.pid());
}
