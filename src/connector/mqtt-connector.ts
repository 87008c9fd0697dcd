import { type Observable, type SchedulerLike, asyncScheduler } from 'rxjs';
import { Connection } from './connection.js';
import { Logger } from './logger.js';
import { type MqttClientHandle, createMqttClient } from './mqtt-client.js';
import { type ResolvedOptions, resolveOptions } from './options.js';
import type { ConnectionState, LogCallback, MqttConnectorOptions } from './types.js';

/** Options only tests and advanced users need. */
export interface MqttConnectorInternals {
  /** Scheduler for backoff waits, pacing and timestamps (default `asyncScheduler`). */
  scheduler?: SchedulerLike;
}

/**
 * MQTT as RxJS streams: a connection with a state stream and automatic reconnection, lossless paced
 * publishing, and shared, decoded subscriptions.
 *
 * @example
 * ```ts
 * import { MqttConnector } from 'mqtt-connector';
 *
 * const connector = new MqttConnector({ mqttBroker: 'localhost', mqttPort: 1883 });
 * connector.state$.subscribe((state) => console.log(state.status));
 * if (await connector.connect()) {
 *   connector.subscribe<{ online: boolean }>('devices/+id/status').subscribe((m) => console.log(m.params.id, m.payload));
 *   await connector.publish('devices/abc/status', { online: true }, { qos: 1, retain: true });
 * }
 * await connector.disconnect();
 * ```
 */
export class MqttConnector {
  /**
   * The connection's state: replays the current state to each new subscriber, then emits every change
   * once. Never errors or completes.
   */
  readonly state$: Observable<ConnectionState>;

  private readonly options: ResolvedOptions;
  private readonly logger: Logger;
  private readonly client: MqttClientHandle;
  private readonly connection: Connection;

  /**
   * Creates a connector; nothing touches the network until {@link MqttConnector.connect}.
   *
   * @throws InvalidOptionsError when an option is invalid (the message names it and what is allowed).
   */
  constructor(options: MqttConnectorOptions = {}, internals: MqttConnectorInternals = {}) {
    const scheduler = internals.scheduler ?? asyncScheduler;
    this.options = resolveOptions(options);
    this.logger = new Logger(this.options.logLevel, this.options.logger, () => scheduler.now());
    this.client = createMqttClient(this.options, this.logger);
    this.connection = new Connection(this.client, this.options, this.logger, scheduler, () => {
      this.client.failPending();
    });
    this.state$ = this.connection.state$;
  }

  /**
   * Connects, retrying with backoff (see `reconnectInterval`, `maxReconnectAttempts`). Resolves true once
   * connected (at once when already connected), false when the connector gives up (attempts exhausted,
   * credentials refused) or `disconnect()` is called meanwhile. Never rejects.
   *
   * @param forceReconnect - drop the current connection (if any) and make a fresh one.
   */
  connect(forceReconnect = false): Promise<boolean> {
    return this.connection.connect(forceReconnect);
  }

  /**
   * Sends DISCONNECT and closes the connection; cancels pending attempts at once. Idempotent, works from
   * every state, and leaves the state `disconnected`. `connect()` may be called again afterwards.
   */
  async disconnect(): Promise<void> {
    await this.connection.stop();
  }

  /** True while connected (state `connected`). */
  isConnected(): boolean {
    return this.connection.state.status === 'connected';
  }

  /** The current state (same as the latest value of {@link MqttConnector.state$}). */
  get state(): ConnectionState {
    return this.connection.state;
  }

  /**
   * Sets (or, with `undefined`, removes) the callback that receives log entries at or above `logLevel`.
   * Entries never contain passwords, tokens or URL credentials.
   */
  setLogCallback(callback: LogCallback | undefined): void {
    this.logger.setCallback(callback);
  }
}
