/**
 * The subscription side of the connector: hot, shared, decoded message streams per topic filter, one
 * broker subscription per filter however many observers, routed by a topic trie.
 *
 * @internal
 */
import type { Observable } from 'rxjs';
import { asyncScheduler, Subject, Subscription, type SchedulerLike } from 'rxjs';
import { InvalidArgumentError, type DecodeError, type MqttConnectorError } from '../connector/errors.js';
import type { LogLevel, MqttMessage, QoS } from '../connector/types.js';
import { Dispatcher } from './dispatch.js';
import type { FilterEntry, ObserverSettings, Route } from './filter-entry.js';
import { FilterStream } from './filter-stream.js';
import { FilterTable } from './filter-table.js';
import type { ConnAck, MqttPort } from './port.js';
import { RetainedCache } from './retained-cache.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import type { SubscribeOptions } from './subscribe-types.js';
import { resolveSettings } from './subscription-settings.js';
import { SubscriptionSync } from './subscription-sync.js';
import { parseFilter } from './topic-filter.js';
import { TopicTrie } from './topic-trie.js';

/** Options of a {@link SubscriptionRegistry}. */
export interface SubscriptionRegistryOptions {
  /** Runs the grace-period timers. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
  /** Receives the registry's log entries. */
  log: (level: LogLevel, message: string, context: Record<string, unknown>) => void;
  /** Most topics in the retained cache (least recently updated dropped first). Default 1000; 0 disables it. */
  maxRetained?: number;
  /** Most bytes in the retained cache: payloads, topics and MQTT 5 properties (approximately). Default 16 MiB. */
  maxRetainedBytes?: number;
  /** Milliseconds before UNSUBSCRIBE once the last observer of a filter left. Default 0. */
  defaultGracePeriod?: number;
  /** Most filters per SUBSCRIBE / UNSUBSCRIBE packet. Default 100. */
  subscribeBatchSize?: number;
  /** Most asynchronous schema validations waiting per observer. Default 1000. */
  maxPendingDecodes?: number;
  /**
   * How many times a filter the broker refuses while it is restored after a reconnect (it granted it
   * before) is subscribed again, 0.5 s apart doubling up to 30 s, before its observers get
   * SUBSCRIBE_REFUSED. Default 20 (about 7.5 minutes); -1 = no limit; 0 = give up at the first refusal.
   */
  maxRestoreAttempts?: number;
  /**
   * The first MQTT 5 Subscription Identifier the counter hands out (tests of the wrap-around; at least 2,
   * since 1 is the exact filters'). Default random.
   */
  firstSubscriptionId?: number;
}

/** Counters for metrics and tests. */
export interface SubscriptionStats {
  /** Broker filters held (including those in their grace period). */
  readonly filters: number;
  /** Observers attached. */
  readonly observers: number;
  /** Topics in the retained cache, and the bytes counted for them (see `maxRetainedBytes`). */
  readonly retainedTopics: number;
  readonly retainedBytes: number;
  /** Topics the retained cache dropped because of its bound. */
  readonly retainedDropped: number;
}

/**
 * See the module documentation and `subscribe()` of the connector. Observers are never completed by a
 * disconnect or a failed connection: they stay attached and receive messages again after the next
 * connect. Only a refusal of their filter (error `SUBSCRIBE_REFUSED`) or {@link SubscriptionRegistry.dispose}
 * ends them.
 */
export class SubscriptionRegistry {
  /** Every incoming message, decoded `'auto'`, params `{}`. Hot; never completes until disposed. */
  readonly messages$: Observable<MqttMessage<unknown>>;
  /** Incoming messages that no live filter claims (e.g. a stored session's backlog), decoded `'auto'`. Hot. */
  readonly unmatched$: Observable<MqttMessage<unknown>>;
  /** `DECODE_FAILED` and `SUBSCRIBE_REFUSED` errors, as values. Hot; the stream goes on. */
  readonly errors$: Observable<MqttConnectorError>;

  private readonly messages = new Subject<MqttMessage<unknown>>();
  private readonly unmatched = new Subject<MqttMessage<unknown>>();
  private readonly errors = new Subject<MqttConnectorError>();
  private readonly retained: RetainedCache<FilterEntry>;
  private readonly dispatcher: Dispatcher;
  private readonly sync: SubscriptionSync;
  private readonly table: FilterTable;
  private readonly log: SubscriptionRegistryOptions['log'];
  private readonly defaultGracePeriod: number;
  private readonly portSubscription = new Subscription();
  private disposed = false;
  private defaultSettings: ObserverSettings | undefined;

  constructor(port: MqttPort, options: SubscriptionRegistryOptions) {
    this.log = options.log;
    this.defaultGracePeriod = options.defaultGracePeriod ?? 0;
    this.messages$ = this.messages.asObservable();
    this.unmatched$ = this.unmatched.asObservable();
    this.errors$ = this.errors.asObservable();
    let warnedDrop = false;
    this.retained = new RetainedCache<FilterEntry>(
      { maxTopics: options.maxRetained ?? 1000, maxBytes: options.maxRetainedBytes ?? 16 * 1024 * 1024 },
      (topic, reason) => {
        this.log(
          warnedDrop ? 'debug' : 'warn',
          'Retained cache full: forgot the least recently updated topic',
          { topic, reason },
        );
        warnedDrop = true;
      },
    );
    const trie = new TopicTrie<Route>();
    this.dispatcher = new Dispatcher({
      trie,
      retained: this.retained,
      messages: this.messages,
      unmatched: this.unmatched,
      maxPendingDecodes: options.maxPendingDecodes ?? 1000,
      report: (error, decoder) => this.reportDecodeError(error, decoder),
      retainFlagTrusted: () => this.sync.mode.retainAsPublished,
    });
    this.sync = new SubscriptionSync(
      port,
      {
        entries: () => this.table.entries.values(),
        beforeFlush: () => this.table.retireLeaving(),
        identify: (entries) => this.table.identify(entries),
        refused: (entry, code) => this.table.refuse(entry, code),
        connected: (mode, resumed) => {
          // A new session: every subscription starts over, its next retained messages are its state.
          if (!resumed) this.retained.forgetReceivers();
          if (!mode.identifiers) this.table.warnSameRoutes();
        },
        log: this.log,
      },
      {
        batchSize: options.subscribeBatchSize ?? 100,
        maxRestoreAttempts: options.maxRestoreAttempts ?? 20,
        retainAsPublished: this.retained.enabled,
        scheduler: options.scheduler,
      },
    );
    this.table = new FilterTable({
      trie,
      retained: this.retained,
      dispatcher: this.dispatcher,
      sync: this.sync,
      scheduler: options.scheduler ?? asyncScheduler,
      errors: this.errors,
      log: this.log,
      firstId: options.firstSubscriptionId,
    });
    this.portSubscription.add(port.incoming$.subscribe((publish) => this.dispatchSafely(publish)));
    this.portSubscription.add(port.connectionLost$.subscribe(() => this.sync.onConnectionLost()));
  }

  /**
   * A hot, shared stream of the messages matching `filter`. Validates everything at the call; the broker
   * subscription is made when the first observer subscribes (not here) and ended after the last leaves.
   *
   * @throws {@link InvalidTopicError} / {@link InvalidQosError} / {@link InvalidArgumentError} synchronously.
   */
  observe(
    filter: string,
    options: SubscribeOptions<string> & { decode: 'string' },
  ): Observable<MqttMessage<string>>;
  observe(
    filter: string,
    options: SubscribeOptions<Uint8Array> & { decode: 'binary' },
  ): Observable<MqttMessage<Uint8Array>>;
  observe<S extends StandardSchemaV1>(
    filter: string,
    options: SubscribeOptions<StandardSchemaV1.InferOutput<S>> & { decode: S },
  ): Observable<MqttMessage<StandardSchemaV1.InferOutput<S>>>;
  observe<T = unknown>(filter: string, options?: SubscribeOptions<T>): Observable<MqttMessage<T>>;
  observe<T = unknown>(filter: string, options?: SubscribeOptions<T>): Observable<MqttMessage<T>> {
    const parsed = parseFilter(filter);
    // The settings without options are shared: one object less per subscribe() call.
    const settings =
      options === undefined
        ? (this.defaultSettings ??= resolveSettings(parsed, undefined, this.defaultGracePeriod))
        : resolveSettings(parsed, options as SubscribeOptions<unknown>, this.defaultGracePeriod);
    return new FilterStream(this.table, parsed, settings) as Observable<MqttMessage<unknown>> as Observable<
      MqttMessage<T>
    >;
  }

  /**
   * Resolves with the QoS the broker granted once it acknowledged (SUBACK) the filter's subscription at
   * the QoS currently asked; waits across reconnects. Subscribe first: the filter needs a live observer.
   *
   * @returns the granted QoS (may be lower than asked).
   * @throws (rejects) {@link InvalidTopicError} for an invalid filter, {@link InvalidArgumentError} when
   *   no observer holds the filter, {@link SubscribeRefusedError} when the broker refuses it,
   *   {@link ClosedError} when the last observer leaves (or the registry is disposed) before the SUBACK.
   */
  whenSubscribed(filter: string): Promise<QoS> {
    try {
      // A filter without named wildcards is its own broker filter: found without parsing it again.
      const entry =
        this.table.entries.get(filter) ?? this.table.entries.get(parseFilter(filter).brokerFilter);
      if (entry === undefined) {
        throw new InvalidArgumentError(
          `No live subscription to ${JSON.stringify(filter)}: subscribe to it first`,
        );
      }
      if (entry.isAcknowledged() && this.sync.isConnected) return Promise.resolve(entry.granted ?? entry.qos);
      return new Promise<QoS>((resolve, reject) => (entry.waiters ??= []).push({ resolve, reject }));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Call after every accepted CONNACK, before queued publishes are released. With `sessionPresent`
   * false every live filter is subscribed again (once each, with its own options, batched); with true only
   * what this session never acknowledged. Resolves when those SUBACKs arrived (or failed); never rejects.
   */
  onConnected(connAck: ConnAck): Promise<void> {
    return this.sync.onConnected(connAck);
  }

  /** Broker filters held, including those waiting out their grace period. */
  liveFilterCount(): number {
    return this.table.entries.size;
  }

  /** Counters (filters, observers, retained cache). */
  stats(): SubscriptionStats {
    return {
      filters: this.table.entries.size,
      observers: this.table.observerCount,
      retainedTopics: this.retained.size,
      retainedBytes: this.retained.bytes,
      retainedDropped: this.retained.dropped,
    };
  }

  /**
   * Ends everything for good: completes every observer and the three streams, cancels timers, stops
   * listening to the port. Sends nothing to the broker. Idempotent.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.portSubscription.unsubscribe();
    this.sync.dispose();
    this.table.completeAll();
    this.retained.clear();
    this.messages.complete();
    this.unmatched.complete();
    this.errors.complete();
  }

  private dispatchSafely(publish: Parameters<Dispatcher['dispatch']>[0]): void {
    try {
      this.dispatcher.dispatch(publish);
    } catch (error) {
      // A bug here must not end the routing of every later message.
      this.log('error', 'Routing an incoming message failed', {
        topic: publish.topic,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private reportDecodeError(error: DecodeError, decoder: string): void {
    this.log('warn', 'A payload could not be decoded; the message was skipped for that decoder', {
      topic: error.topic,
      code: error.code,
      decoder,
      reason: error.message,
      bytes: error.raw.length,
      issues: error.issues.length,
    });
    this.errors.next(error);
  }
}
