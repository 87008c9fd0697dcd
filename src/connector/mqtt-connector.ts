import { type Observable, type SchedulerLike, asyncScheduler, pairwise } from 'rxjs';
import { provideListenerPublish } from '../streams/listener-publish.js';
import type { PublishPipeline } from '../streams/publish-pipeline.js';
import type { PublishOptions, PublishResult } from '../streams/publish-types.js';
import {
  type RequestHandler,
  type RequestOptions,
  type RespondOptions,
  type ServedRequest,
  sendRequest,
  serveRequests,
} from '../streams/request-response.js';
import type { StandardSchemaV1 } from '../streams/standard-schema.js';
import type { SubscribeOptions } from '../streams/subscribe-types.js';
import type { SubscriptionRegistry } from '../streams/subscription-registry.js';
import { Connection } from './connection.js';
import type { ConnectorEvent, ConnectorMetrics } from './events.js';
import { Observability } from './observability.js';
import { createDataPaths, wireDataPaths } from './data-paths.js';
import { checkDisconnectOptions, flushThenClose } from './disconnect-flush.js';
import { ClosedError, InvalidOptionsError, type MqttConnectorError } from './errors.js';
import { Logger } from './logger.js';
import { type MqttClientHandle, createMqttClient } from './mqtt-client.js';
import { DATA_PATH_OPTIONS, type ResolvedOptions, nonNegative, resolveOptions } from './options.js';
import type { ConnectionState, LogCallback, MqttConnectorOptions, MqttMessage, QoS } from './types.js';

/** Options only tests and advanced users need. */
export interface MqttConnectorInternals {
  /** Scheduler for backoff waits, pacing, timeouts and timestamps (default `asyncScheduler`). */
  scheduler?: SchedulerLike;
}

/** Options of {@link MqttConnector.disconnect}. */
export interface DisconnectOptions {
  /**
   * While connected, first send what is queued and wait for the acks of what is in flight (default true),
   * for at most `timeout` ms; whatever is left then rejects with `CLOSED`. With false, it all rejects at once.
   */
  flush?: boolean;
  /** Upper bound of the flush, in ms (`Infinity`: none). Default: the `disconnectTimeout` option (5000). */
  timeout?: number;
}

/**
 * MQTT as RxJS streams: a connection with a state stream and automatic reconnection, lossless paced
 * publishing, and shared, decoded subscriptions. One MQTT.js client for the connector's whole life.
 *
 * @example
 * ```ts
 * import { MqttConnector } from 'mqtt-connector';
 *
 * const connector = new MqttConnector({ mqttBroker: 'localhost', mqttPort: 1883 });
 * connector.state$.subscribe((state) => console.log(state.status));
 * connector.subscribe<{ online: boolean }>('devices/+id/status').subscribe((m) => console.log(m.params.id, m.payload));
 * if (await connector.connect()) {
 *   await connector.publish('devices/abc/status', { online: true }, { qos: 1, retain: true });
 * }
 * await connector.disconnect();
 * ```
 */
export class MqttConnector {
  /** The connection's state: replays the current state to each new subscriber, then every change once. Never ends. */
  readonly state$: Observable<ConnectionState>;
  /** Every incoming message (decoded `'auto'`, `params` empty), whichever filter it matched. Hot. */
  readonly messages$: Observable<MqttMessage<unknown>>;
  /** Incoming messages that no live filter claims (e.g. a persistent session's backlog before you subscribe). Hot. */
  readonly unmatched$: Observable<MqttMessage<unknown>>;
  /** Problems reported as values: payloads that failed to decode (`DECODE_FAILED`), refused filters. Hot. */
  readonly errors$: Observable<MqttConnectorError>;
  /**
   * What the connector does, as typed data (attempts, connections, backoff, SUBSCRIBE/SUBACK, publishes
   * queued/sent/acknowledged/failed, reported errors): the facts the log callback hears. Hot; events are
   * only built while observed.
   */
  readonly events$: Observable<ConnectorEvent>;

  private readonly options: ResolvedOptions;
  private readonly logger: Logger;
  private readonly client: MqttClientHandle;
  private readonly connection: Connection;
  private readonly pipeline: PublishPipeline;
  private readonly registry: SubscriptionRegistry;
  private readonly disconnectTimeout: number;
  private readonly responseTopic: string;
  private readonly observability: Observability;
  private readonly scheduler: SchedulerLike;

  /**
   * Creates a connector; nothing touches the network until {@link MqttConnector.connect}. Publishes made
   * before then wait in the offline queue; subscriptions wait for the connection.
   *
   * @throws InvalidOptionsError when an option is invalid (the message names it and what is allowed).
   */
  constructor(options: MqttConnectorOptions = {}, internals: MqttConnectorInternals = {}) {
    const scheduler = internals.scheduler ?? asyncScheduler;
    this.scheduler = scheduler;
    this.options = resolveOptions(options, DATA_PATH_OPTIONS);
    this.responseTopic = responseTopicFor(options.responseTopic, this.options.clientId);
    this.logger = new Logger(this.options.logLevel, this.options.logger, () => scheduler.now());
    this.disconnectTimeout = nonNegative(options.disconnectTimeout, 'disconnectTimeout', 5000);
    this.client = createMqttClient(this.options, this.logger);
    this.observability = new Observability(scheduler);
    const port = this.observability.observePort(this.client);
    const paths = createDataPaths(port, options, this.options, scheduler, this.logger, this.observability);
    this.pipeline = paths.pipeline;
    provideListenerPublish(this, (topic, message, publishOptions, listener) =>
      this.pipeline.publishWithListener(topic, message, publishOptions, listener),
    );
    this.registry = paths.registry;
    this.connection = new Connection(this.client, this.options, this.logger, scheduler, (state) => {
      void this.pipeline.close(new ClosedError('The connector gave up connecting', { cause: state.error }));
      this.client.failPending();
    });
    wireDataPaths(this.client, this.registry, this.pipeline, this.logger, this.observability);
    this.state$ = this.connection.state$;
    this.events$ = this.observability.events$;
    this.state$
      .pipe(pairwise())
      .subscribe(([previous, state]) => this.observability.onState(state, previous));
    this.messages$ = this.registry.messages$;
    this.unmatched$ = this.registry.unmatched$;
    this.errors$ = this.registry.errors$;
  }

  /**
   * Connects, retrying with backoff (see `reconnectInterval`, `maxReconnectAttempts`). Resolves true once
   * connected (at once when already connected), false when the connector gives up (attempts exhausted,
   * credentials refused) or `disconnect()` is called meanwhile. Never rejects. Called while `disconnect()`
   * runs, it waits for it, then connects (until then, publishes reject with `CLOSED`).
   *
   * @param forceReconnect - drop the current connection (if any) and make a fresh one.
   */
  connect(forceReconnect = false): Promise<boolean> {
    return this.connection.connect(forceReconnect, () => this.pipeline.reopen());
  }

  /**
   * Ends the connection: by default first sends what is queued and waits for acks (see
   * {@link DisconnectOptions}), then rejects what is left with `CLOSED`, sends DISCONNECT, closes the socket
   * and cancels pending attempts. Idempotent, works from every state, leaves the state `disconnected`
   * (emitted once). Calls made while one runs return the same promise (their options are not used), and
   * cancel a `connect()` that waits for it. Subscriptions stay registered and resume after a later `connect()`.
   *
   * @returns rejects with `INVALID_ARGUMENT` (and does nothing) when an option is invalid.
   */
  disconnect(options: DisconnectOptions = {}): Promise<void> {
    const invalid = checkDisconnectOptions(options);
    if (invalid) return Promise.reject(invalid);
    return this.connection.stop(() =>
      flushThenClose(this.pipeline, {
        flush: (options.flush ?? true) && this.isConnected(),
        timeout: options.timeout ?? this.disconnectTimeout,
        scheduler: this.scheduler,
      }),
    );
  }

  /**
   * A snapshot of the connector's counters (published, acknowledged, failed, dropped, queued, received,
   * decode failures, reconnects, outages, live filters). Cheap: call it as often as you like.
   */
  metrics(): ConnectorMetrics {
    return this.observability.snapshot({
      queued: this.pipeline.queuedCount(),
      inFlight: this.pipeline.inFlightCount(),
      liveFilters: this.registry.liveFilterCount(),
    });
  }

  /** True while connected (state `connected`). */
  isConnected(): boolean {
    return this.connection.state.status === 'connected';
  }

  /** The current state (the latest value of {@link MqttConnector.state$}). */
  get state(): ConnectionState {
    return this.connection.state;
  }

  /**
   * Publishes a message: a string (UTF-8), bytes (Uint8Array, Buffer, ArrayBuffer) or any JSON value.
   * Messages leave in call order, `throttleInterval` apart; while not connected they wait in the offline
   * queue. Never throws.
   *
   * @returns resolves once written (QoS 0) or acknowledged (QoS 1 PUBACK, QoS 2 PUBCOMP); rejects with a
   *   typed error: `INVALID_TOPIC`, `INVALID_QOS`, `INVALID_ARGUMENT`, `ENCODE_FAILED`, `PAYLOAD_TOO_LARGE`
   *   (at the call), `QUEUE_FULL`, `TIMEOUT`, `PUBLISH_FAILED` or `CLOSED`.
   */
  publish(topic: string, message: unknown, options?: PublishOptions): Promise<PublishResult> {
    return this.pipeline.publish(topic, message, options);
  }

  /**
   * A hot, shared stream of the messages matching `filter` (`+` / `#` wildcards, named wildcards such as
   * `devices/+id/#rest` filling `message.params`, `$share/group/...`). The first observer causes one broker
   * SUBSCRIBE, later ones share it, the last one leaving causes one UNSUBSCRIBE. Payloads are decoded as
   * `options.decode` says (default `'auto'`: JSON, else text); a payload that fails to decode is reported on
   * {@link MqttConnector.errors$} and skipped, and the stream goes on.
   *
   * @throws InvalidTopicError / InvalidQosError / InvalidArgumentError at the call for a bad filter or option.
   */
  subscribe(
    filter: string,
    options: SubscribeOptions<string> & { decode: 'string' },
  ): Observable<MqttMessage<string>>;
  subscribe(
    filter: string,
    options: SubscribeOptions<Uint8Array> & { decode: 'binary' },
  ): Observable<MqttMessage<Uint8Array>>;
  subscribe<S extends StandardSchemaV1>(
    filter: string,
    options: SubscribeOptions<StandardSchemaV1.InferOutput<S>> & { decode: S },
  ): Observable<MqttMessage<StandardSchemaV1.InferOutput<S>>>;
  subscribe<T = unknown>(filter: string, options?: SubscribeOptions<T>): Observable<MqttMessage<T>>;
  subscribe<T = unknown>(filter: string, options?: SubscribeOptions<T>): Observable<MqttMessage<T>> {
    return this.registry.observe<T>(filter, options);
  }

  /**
   * Resolves with the QoS the broker granted once the SUBACK for `filter` arrived (waiting across
   * reconnects). Subscribe first: the filter needs a live observer.
   *
   * @returns rejects with `SUBSCRIBE_REFUSED` when the broker refuses the filter, `INVALID_ARGUMENT` when no
   *   observer holds it, `CLOSED` when the last observer leaves before the SUBACK.
   */
  whenSubscribed(filter: string): Promise<QoS> {
    return this.registry.whenSubscribed(filter);
  }

  /**
   * MQTT 5 request/response: publishes `payload` to `topic` with this connector's response topic and fresh
   * correlation data, and resolves with the first response carrying that correlation data. All requests
   * share one subscription to the response topic (`responseTopic` option).
   *
   * @returns rejects with `TIMEOUT` (default after 10000 ms), `INVALID_ARGUMENT` on MQTT 3.1.1, or the
   *   error of the publish.
   */
  request<T = unknown>(
    topic: string,
    payload: unknown,
    options?: RequestOptions<T>,
  ): Promise<MqttMessage<T>> {
    const context = {
      protocolVersion: this.options.protocolVersion,
      responseTopic: this.responseTopic,
      scheduler: this.scheduler,
    };
    return sendRequest(this, context, topic, payload, options);
  }

  /**
   * Serves MQTT 5 requests arriving on `filter` while subscribed: each request's `handler` result (any
   * message `publish()` accepts, or a promise of one) is published to the request's response topic with
   * its correlation data. Emits each served request; handler failures are emitted as `ok: false` values.
   */
  respond<T = unknown>(
    filter: string,
    handler: RequestHandler<T>,
    options?: RespondOptions<T>,
  ): Observable<ServedRequest<T>> {
    return serveRequests(this, filter, handler, options);
  }

  /**
   * Sets (or, with `undefined`, removes) the callback that receives log entries at or above `logLevel`.
   * Entries never contain passwords, tokens or URL credentials.
   */
  setLogCallback(callback: LogCallback | undefined): void {
    this.logger.setCallback(callback);
  }
}

/** The connector's response topic: the option, or `responses/<clientId>` (wildcard characters replaced). */
function responseTopicFor(option: string | undefined, clientId: string): string {
  if (option === undefined) return `responses/${clientId.replace(/[+#\0/]/g, '_') || 'anonymous'}`;
  if (typeof option !== 'string' || option === '' || /[+#\0]/.test(option)) {
    throw new InvalidOptionsError('responseTopic must be a non-empty topic name without +, # or NUL');
  }
  return option;
}
