/**
 * Raw MQTT.js, the reference: connect, the publish patterns people write (a callback per message fired
 * all at once; at most W callbacks outstanding: the windowed pattern an expert writes), and the fence.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { writeToStream } from 'mqtt-packet';
import type { QoS } from '../../src/connector/types.js';
import { withTimeout } from './timing.js';
import type { WithoutFirst } from './types.js';

let counter = 0;

/** A unique client id per connection (the broker must not take over an older session). */
export function clientId(prefix: string): string {
  counter++;
  return `${prefix}-${process.pid}-${counter}`;
}

/** Options of {@link connectRaw}. */
export interface RawConnectOptions {
  /** setNoDelay(true) on the socket (MQTT.js never does; Node leaves Nagle on). Default false. */
  readonly noDelay?: boolean;
  /** Attached before CONNECT, so nothing that arrives with the CONNACK is missed. */
  readonly onMessage?: (topic: string, payload: Buffer) => void;
  readonly mqtt?: Partial<IClientOptions>;
}

/** Sets TCP_NODELAY on a connected MQTT.js client's socket. */
export function setNoDelay(client: MqttClient): void {
  (client.stream as unknown as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
}

/**
 * Raw MQTT.js as its users run it: with its default `writeCache` (mqtt-packet's number cache). The
 * connector creates its clients with `writeCache: false`, which MQTT.js applies process-wide, so each raw
 * client turns the cache back on as it connects. Throughput runs use a connection each and never overlap,
 * so each writes with its own client's setting; where raw and connector clients run side by side
 * (interleaved round trips, mixed end-to-end pairs), the last one connected decides for both.
 */
export function useMqttJsWriteCache(): void {
  writeToStream.cacheNumbers = true;
}

/** Connects a raw MQTT.js client (MQTT 3.1.1, no automatic reconnect). Rejects after 10 s. */
export async function connectRaw(url: string, options: RawConnectOptions = {}): Promise<MqttClient> {
  useMqttJsWriteCache();
  const client = mqtt.connect(url, {
    clientId: clientId('raw'),
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    ...options.mqtt,
  });
  if (options.onMessage) client.on('message', options.onMessage);
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
        client.once('close', () => reject(new Error('closed before CONNACK')));
      }),
      10_000,
      'raw MQTT.js connect timed out',
    );
  } catch (error) {
    client.end(true);
    throw error;
  }
  if (options.noDelay) setNoDelay(client);
  return client;
}

/**
 * The Receive Maximum the broker's MQTT 5 CONNACK announced (its limit of our unacknowledged QoS 1/2
 * publishes), or `undefined` (MQTT 3.1.1, or none announced: 65,535). MQTT.js keeps the CONNACK's
 * properties but does not hold its publishes to that limit: an expert on MQTT 5 keeps their window within it.
 */
function receiveMaximumOf(client: MqttClient): number | undefined {
  const properties = (client as unknown as { _serverProperties?: { receiveMaximum?: number } })
    ._serverProperties;
  return properties?.receiveMaximum;
}

/**
 * The callbacks raw MQTT.js keeps outstanding in the windowed pattern an expert writes (issue 7's
 * reference): 20 at QoS 2, whose messages wait at the broker for our PUBREL, and 100 otherwise.
 */
export function expertWindow(qos: QoS): number {
  return qos === 2 ? 20 : 100;
}

/** `window`, or the broker's Receive Maximum when that is smaller (QoS 1/2 on MQTT 5). */
export function windowWithin(client: MqttClient, qos: QoS, window: number): number {
  const receiveMaximum = receiveMaximumOf(client);
  return qos === 0 || receiveMaximum === undefined ? window : Math.min(window, receiveMaximum);
}

/** Ends a raw client at once (no DISCONNECT wait). */
export function endRaw(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.end(true, {}, () => resolve()));
}

/** How a raw run publishes. */
export type RawPattern =
  /** `client.publish(t, m, {qos}, cb)` for every message in one synchronous loop. */
  | { readonly kind: 'fire' }
  /**
   * At most `window` callbacks outstanding (at QoS 1/2 on MQTT 5, at most the broker's Receive Maximum);
   * the next publish goes from a callback.
   */
  | { readonly kind: 'window'; readonly window: number }
  /**
   * `window`, plus a promise per message made before the first publish and resolved by its callback,
   * all awaited: the least any API that hands out a promise per message adds to raw MQTT.js.
   */
  | { readonly kind: 'promised-window'; readonly window: number }
  /** `fire`, plus a promise per message as in `promised-window`, all awaited. */
  | { readonly kind: 'promised-fire' };

/** `n` promises made at once and settled one by one, in order (callbacks of one client come in order). */
function promisePerMessage(n: number): { all: Promise<unknown>; settle(index: number): void } {
  const resolvers = new Array<(() => void) | undefined>(n);
  const promises = new Array<Promise<void>>(n);
  for (let i = 0; i < n; i++) promises[i] = new Promise<void>((resolve) => (resolvers[i] = resolve));
  return {
    all: Promise.all(promises),
    settle(index) {
      resolvers[index]?.();
      resolvers[index] = undefined;
    },
  };
}

/** A promise that rejects when the client's connection closes (the broker dropped us). */
function whenClosed(client: MqttClient): { promise: Promise<never>; dispose: () => void } {
  let onClose: (() => void) | undefined;
  const promise = new Promise<never>((_, reject) => {
    onClose = () => reject(new Error('the broker closed the connection'));
    client.once('close', onClose);
  });
  promise.catch(() => undefined);
  return { promise, dispose: () => onClose && client.off('close', onClose) };
}

/**
 * {@link rawPublishRun} on a fresh connection of its own (TCP_NODELAY, MQTT `protocolVersion`), closed
 * afterwards whatever happens; resolves with the run's elapsed milliseconds.
 */
export async function rawPublishFresh(
  url: string,
  protocolVersion: 4 | 5,
  ...run: WithoutFirst<Parameters<typeof rawPublishRun>>
): Promise<number> {
  const client = await connectRaw(url, { noDelay: true, mqtt: { protocolVersion } });
  try {
    return await rawPublishRun(client, ...run);
  } finally {
    await endRaw(client);
  }
}

/**
 * Publishes `n` messages with `pattern`, then one QoS 1 fence whose PUBACK proves the broker has read
 * everything before it. Resolves with the elapsed milliseconds from the first publish to the fence's
 * PUBACK; rejects when the broker closes the connection or after `timeoutMs`.
 */
export async function rawPublishRun(
  client: MqttClient,
  topic: string,
  n: number,
  qos: QoS,
  payload: Buffer,
  pattern: RawPattern,
  timeoutMs: number,
): Promise<number> {
  const closed = whenClosed(client);
  const start = performance.now();
  try {
    const promised =
      pattern.kind === 'promised-window' || pattern.kind === 'promised-fire'
        ? promisePerMessage(n)
        : undefined;
    const fired = pattern.kind === 'fire' || pattern.kind === 'promised-fire';
    const all = new Promise<void>((resolve, reject) => {
      let sent = 0;
      let done = 0;
      const callback = (error?: Error) => {
        if (error) return reject(error);
        promised?.settle(done);
        done++;
        if (done === n) resolve();
        else if (!fired) next();
      };
      const limit = fired ? n : windowWithin(client, qos, pattern.window);
      const next = () => {
        while (sent < n && sent - done < limit) {
          sent++;
          client.publish(topic, payload, { qos }, callback);
        }
      };
      next();
    });
    await withTimeout(
      Promise.race([promised ? Promise.all([all, promised.all]) : all, closed.promise]),
      timeoutMs,
      'raw publish run timed out',
    );
    await withTimeout(
      Promise.race([client.publishAsync(`${topic}/fence`, 'fence', { qos: 1 }), closed.promise]),
      timeoutMs,
      'raw fence timed out',
    );
    return performance.now() - start;
  } finally {
    closed.dispose();
  }
}
