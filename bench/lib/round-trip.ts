/**
 * Round trips for scenario 3 and bench/tools/latency-split.ts: a pinger publishes to a ping topic, an echo
 * client republishes each message to a pong topic, the pinger hears it. Each end is raw MQTT.js or the
 * connector, so a mixed pair shows which end a difference comes from.
 */
import type { QoS } from '../../src/connector/types.js';
import type { BenchBroker } from './brokers.js';
import { type ConnectorClass, startConnector } from './connector.js';
import { connectRaw, endRaw } from './raw.js';
import { withTimeout } from './timing.js';

/** One connected client, as a round trip uses it. */
export interface RoundTripEnd {
  publish(topic: string, payload: Uint8Array): void;
  /** Subscribes to `topic` at the end's QoS; resolves once the broker granted it. */
  listen(topic: string, handler: (payload: Uint8Array) => void): Promise<void>;
  close(): Promise<void>;
}

/** Two connected clients: `ping` publishes; the echo client answers on the pong topic; `onPong` hears it. */
export interface Pair {
  ping(payload: Uint8Array): void;
  onPong(handler: () => void): void;
  close(): Promise<void>;
}

/** A raw MQTT.js end (TCP_NODELAY when `noDelay`), MQTT 3.1.1 unless `protocolVersion` says 5. */
export async function rawEnd(
  broker: BenchBroker,
  qos: QoS,
  noDelay: boolean,
  protocolVersion: 4 | 5 = 4,
): Promise<RoundTripEnd> {
  const handlers = new Map<string, (payload: Uint8Array) => void>();
  const client = await connectRaw(broker.url, {
    noDelay,
    onMessage: (topic, payload) => handlers.get(topic)?.(payload),
    mqtt: { protocolVersion },
  });
  return {
    publish: (topic, payload) => void client.publish(topic, payload as Buffer, { qos }),
    listen: async (topic, handler) => {
      handlers.set(topic, handler);
      await client.subscribeAsync(topic, { qos });
    },
    close: () => endRaw(client),
  };
}

/**
 * A connector end with its defaults (noDelay on), payloads as bytes; `Connector` from another tree for
 * A/B; MQTT 3.1.1 unless `protocolVersion` says 5.
 */
export async function connectorEnd(
  broker: BenchBroker,
  qos: QoS,
  Connector?: ConnectorClass,
  protocolVersion: 4 | 5 = 4,
): Promise<RoundTripEnd> {
  const started = await startConnector(broker.url, { protocolVersion }, Connector);
  const { connector } = started;
  const subscriptions: { unsubscribe(): void }[] = [];
  return {
    publish: (topic, payload) => void connector.publish(topic, payload, { qos }).catch(() => undefined),
    listen: async (topic, handler) => {
      subscriptions.push(
        connector
          .subscribe(topic, { qos, decode: 'binary' })
          .subscribe((message) => handler(message.payload)),
      );
      await connector.whenSubscribed(topic);
    },
    close: async () => {
      for (const subscription of subscriptions) subscription.unsubscribe();
      await started.close();
    },
  };
}

/**
 * A raw MQTT.js end with TCP_NODELAY, or a connector end (of `Connector`: this tree's by default); MQTT 3.1.1
 * unless `protocolVersion` says 5.
 */
export function openEnd(
  kind: 'raw' | 'connector',
  broker: BenchBroker,
  qos: QoS,
  Connector?: ConnectorClass,
  protocolVersion: 4 | 5 = 4,
): Promise<RoundTripEnd> {
  return kind === 'raw'
    ? rawEnd(broker, qos, true, protocolVersion)
    : connectorEnd(broker, qos, Connector, protocolVersion);
}

/** Wires a pinger and an echo end into a {@link Pair} on topics unique to `id`. */
export async function pair(pinger: RoundTripEnd, echo: RoundTripEnd, id: string): Promise<Pair> {
  let pong: () => void = () => undefined;
  const pingTopic = `bench/ping/${id}`;
  const pongTopic = `bench/pong/${id}`;
  await pinger.listen(pongTopic, () => pong());
  await echo.listen(pingTopic, (payload) => echo.publish(pongTopic, payload));
  return {
    ping: (payload) => pinger.publish(pingTopic, payload),
    onPong: (handler) => (pong = handler),
    close: async () => {
      await Promise.all([pinger.close(), echo.close()]);
    },
  };
}

/**
 * Round trip times in µs, the round trips that got no pong within 2 s, and this process's CPU time (user +
 * system, µs) while they ran: both ends run in this process, so a round trip is mostly its CPU time.
 */
export interface RoundTrips {
  rtts: number[];
  lost: number;
  cpuUs: number;
}

/** Up to `samples` round trips within `capMs`, one at a time; stops after 4 lost ones. */
export async function measure(pair: Pair, samples: number, capMs: number): Promise<RoundTrips> {
  const payload = Buffer.alloc(64, 0x78);
  const rtts: number[] = [];
  let lost = 0;
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  while (rtts.length < samples && performance.now() - start < capMs) {
    const sent = performance.now();
    try {
      await withTimeout(
        new Promise<void>((resolve) => {
          pair.onPong(resolve);
          pair.ping(payload);
        }),
        2_000,
        'no pong',
      );
      rtts.push((performance.now() - sent) * 1000);
    } catch {
      lost++;
      if (lost > 3) break;
    }
  }
  pair.onPong(() => undefined);
  const cpu = process.cpuUsage(cpuBefore);
  return { rtts, lost, cpuUs: cpu.user + cpu.system };
}

/** Round trips per turn in {@link measureInterleaved}. */
export const BLOCK = 20;

/**
 * Round trips on several pairs in turn, in blocks of {@link BLOCK} (pair 0 × 20, pair 1 × 20, pair 0 ...):
 * whatever slows the machine for a while (another process, a core going idle) hits every pair alike, so
 * their difference is the clients'; within a block each pair runs back to back, as it would alone.
 */
export async function measureInterleaved(
  pairs: readonly Pair[],
  samples: number,
  capMs: number,
): Promise<RoundTrips[]> {
  const results = pairs.map((): RoundTrips => ({ rtts: [], lost: 0, cpuUs: 0 }));
  const start = performance.now();
  for (let i = 0; performance.now() - start < capMs; i++) {
    const index = i % pairs.length;
    const result = results[index] as RoundTrips;
    if (results.every((r) => r.rtts.length >= samples) || result.lost > 3) break;
    const block = await measure(pairs[index] as Pair, Math.min(BLOCK, samples), capMs);
    result.rtts.push(...block.rtts);
    result.lost += block.lost;
    result.cpuUs += block.cpuUs;
  }
  return results;
}
