/**
 * Raw MQTT.js helpers for the infrastructure tests: connect without auto-reconnect, wait for a message or
 * a failure, and end every client a test opened.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

/** A received message. */
export interface Received {
  readonly topic: string;
  readonly payload: string;
  readonly qos: number;
  readonly retain: boolean;
}

/** Opens clients and ends them all (forcefully) in `endAll()`, for `afterEach`. */
export class ClientPool {
  private readonly clients = new Set<MqttClient>();

  /**
   * Connects with `reconnectPeriod: 0` and a 5 s connect timeout; `setup` runs before the CONNACK arrives
   * (attach 'message' there to catch queued session messages). Rejects with MQTT.js's error.
   */
  connect(
    url: string,
    options: IClientOptions = {},
    setup?: (client: MqttClient) => void,
  ): Promise<MqttClient> {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    this.clients.add(client);
    setup?.(client);
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => {
        client.off('connect', onConnect);
        client.off('close', onClose);
        reject(error);
      };
      const onClose = () => onError(new Error('closed before CONNACK'));
      const onConnect = () => {
        client.off('error', onError);
        client.off('close', onClose);
        resolve(client);
      };
      client.once('error', onError);
      client.once('close', onClose);
      client.once('connect', onConnect);
    });
  }

  /** Connects and resolves with the error the connection attempt failed with; rejects if it connected. */
  async connectError(url: string, options: IClientOptions = {}): Promise<Error & { code?: unknown }> {
    try {
      await this.connect(url, options);
    } catch (error) {
      return error as Error & { code?: unknown };
    }
    throw new Error(`connected to ${url} although a refusal was expected`);
  }

  /** Ends every client opened through this pool (force: no DISCONNECT wait). */
  async endAll(): Promise<void> {
    const all = [...this.clients];
    this.clients.clear();
    await Promise.all(all.map((client) => client.endAsync(true)));
  }
}

/** Records every message `client` receives from now on. */
export function collect(client: MqttClient): Received[] {
  const got: Received[] = [];
  client.on('message', (topic, payload, packet) => {
    got.push({ topic, payload: payload.toString('utf8'), qos: packet.qos, retain: packet.retain });
  });
  return got;
}

/**
 * Resolves once `predicate()` is true (checked every 10 ms); rejects after `timeoutMs` (default 5000 ms)
 * with `what` in the message. For waiting on asynchronous deliveries, not for timing assertions.
 */
export async function until(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves on the next 'close' event of `client`, with the 'error' seen before it (if any). */
export function nextClose(client: MqttClient): Promise<{ error?: Error }> {
  return new Promise((resolve) => {
    let error: Error | undefined;
    const onError = (e: Error) => (error = e);
    client.on('error', onError);
    client.once('close', () => {
      client.off('error', onError);
      resolve(error ? { error } : {});
    });
  });
}

/** Resolves or rejects like `promise`, but rejects after `timeoutMs` with `what` in the message. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
