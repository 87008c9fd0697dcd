/**
 * A raw MQTT.js subscriber that records what it receives (bytes copied as received), for reading back
 * what the connector published.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { QoS } from '../../../../src/connector/types.js';

/** One received message. */
export interface Received {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: QoS;
  readonly retain: boolean;
}

/** A connected subscriber. */
export interface RawSubscriber {
  readonly client: MqttClient;
  readonly received: Received[];
  /** Resolves once `count` messages arrived; rejects after `timeoutMs` with how many did. */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  /** Resolves once `done(received)` holds (checked every 5 ms); rejects after `timeoutMs`. */
  waitUntil(done: (received: readonly Received[]) => boolean, timeoutMs?: number): Promise<Received[]>;
  end(): Promise<void>;
}

/** Connects and subscribes to `filter` (SUBACK awaited). */
export async function rawSubscriber(
  url: string,
  filter: string,
  qos: QoS = 2,
  options: IClientOptions = {},
): Promise<RawSubscriber> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, ...options });
  const received: Received[] = [];
  client.on('message', (topic, payload, packet) => {
    received.push({ topic, payload: new Uint8Array(payload), qos: packet.qos as QoS, retain: packet.retain });
  });
  await client.subscribeAsync(filter, { qos });
  return {
    client,
    received,
    waitFor: (count, timeoutMs = 10_000) => waitUntil(received, (all) => all.length >= count, timeoutMs),
    waitUntil: (done, timeoutMs = 10_000) => waitUntil(received, done, timeoutMs),
    end: () => client.endAsync(true),
  };
}

function waitUntil(
  received: Received[],
  done: (received: readonly Received[]) => boolean,
  timeoutMs: number,
): Promise<Received[]> {
  return new Promise<Received[]>((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (done(received)) {
        clearInterval(poll);
        resolve(received);
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(poll);
        reject(new Error(`condition not met within ${timeoutMs} ms (${received.length} messages received)`));
      }
    }, 5);
  });
}
