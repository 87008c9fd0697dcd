/**
 * One publish run on a fresh connection, raw MQTT.js or the connector, for the bench's side tools and
 * scenario 8: raw's window (kept within the broker's Receive Maximum on MQTT 5) against the connector firing
 * every message and awaiting every promise, both ending with a QoS 1 fence.
 */
import type { QoS } from '../../src/connector/types.js';
import { MqttConnector } from '../../src/index.js';
import { connectorPublishFresh } from './connector.js';
import { measureCost } from './cost.js';
import { rawPublishFresh } from './raw.js';

/** What one run publishes, and where. */
export interface PublishOnce {
  readonly url: string;
  readonly topic: string;
  readonly qos: QoS;
  readonly n: number;
  readonly payload: Buffer;
  /** Raw's window of unacknowledged callbacks (the connector keeps its own). */
  readonly window: number;
  /** MQTT version of the client (default 4, MQTT 3.1.1). */
  readonly protocolVersion?: 4 | 5;
  readonly timeoutMs: number;
}

/** Messages per second, and this process's CPU per message (µs). */
export interface PublishRate {
  readonly rate: number;
  readonly cpu: number;
}

/** Connects `side`, publishes, closes; rejects when the run fails (the client is closed either way). */
export async function publishOnce(side: 'raw' | 'connector', run: PublishOnce): Promise<PublishRate> {
  const { url, topic, qos, n, payload, timeoutMs, protocolVersion = 4 } = run;
  const meter = measureCost();
  const window = { kind: 'window', window: run.window } as const;
  const elapsed =
    side === 'raw'
      ? await rawPublishFresh(url, protocolVersion, topic, n, qos, payload, window, timeoutMs)
      : await connectorPublishFresh(
          url,
          { protocolVersion },
          MqttConnector,
          topic,
          n,
          qos,
          payload,
          timeoutMs,
        );
  const cost = await meter.stop();
  return { rate: (n / elapsed) * 1000, cpu: cost.cpuUs / n };
}
