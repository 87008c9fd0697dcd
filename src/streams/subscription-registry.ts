/**
 * The subscription side of the connector: hot, shared, decoded message streams per topic filter, one
 * broker subscription per filter however many observers, routed by a topic trie.
 *
 * @internal
 */
import { asyncScheduler, Observable, Subject, Subscription, type SchedulerLike } from 'rxjs';
import {
  ClosedError,
  InvalidArgumentError,
  SubscribeRefusedError,
  type DecodeError,
  type MqttConnectorError,
} from '../connector/errors.js';
import type { LogLevel, MqttMessage, QoS } from '../connector/types.js';
import { Dispatcher } from './dispatch.js';
import { FilterEntry, Observer, Route, type ObserverSettings } from './filter-entry.js';
import type { ConnAck, MqttPort } from './port.js';
import { RetainedCache } from './retained-cache.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import type { SubscribeOptions } from './subscribe-types.js';
import { resolveSettings } from './subscription-settings.js';
import { settleWaiters, SubscriptionSync } from './subscription-sync.js';
import { parseFilter, type ParsedFilter } from './topic-filter.js';
import { matchesLevels } from './topic-match.js';
import { TopicTrie } from './topic-trie.js';

/** Options of a {@link SubscriptionRegistry}. */
export interface SubscriptionRegistryOptions {
  /** Runs the grace-period timers. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
  /** Receives the registry's log entries. */
  log: (level: LogLevel, message: string, context: Record<string, unknown>) => void;
  /** Most topics in the retained cache (least recently updated dropped first). Default 1000; 0 disables it. */
  maxRetained?: number;
  /** Most payload bytes in the retained cache. Default 16 MiB. */
  maxRetainedBytes?: number;
  /** Milliseconds before UNSUBSCRIBE once the last observer of a filter left. Default 0. */
  defaultGracePeriod?: number;
  /** Most filters per SUBSCRIBE / UNSUBSCRIBE packet. Default 100. */
  subscribeBatchSize?: number;
  /** Most asynchronous schema validations waiting per observer. Default 1000. */
  maxPendingDecodes?: number;
}

/** Counters for metrics and tests. */
export interface SubscriptionStats {
  /** Broker filters held (including those in their grace period). */
  readonly filters: number;
  /** Observers attached. */
  readonly observers: number;
  /** Topics in the retained cache, and their payload bytes. */
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
  private readonly entries = new Map<string, FilterEntry>();
  private readonly trie = new TopicTrie<Route>();
  private readonly retained: RetainedCache;
  private readonly dispatcher: Dispatcher;
  private readonly sync: SubscriptionSync;
  private readonly scheduler: SchedulerLike;
  private readonly log: SubscriptionRegistryOptions['log'];
  private readonly defaultGracePeriod: number;
  private readonly leaving = new Set<FilterEntry>();
  private readonly portSubscription = new Subscription();
  private observerCount = 0;
  private disposed = false;

  constructor(port: MqttPort, options: SubscriptionRegistryOptions) {
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.log = options.log;
    this.defaultGracePeriod = options.defaultGracePeriod ?? 0;
    this.messages$ = this.messages.asObservable();
    this.unmatched$ = this.unmatched.asObservable();
    this.errors$ = this.errors.asObservable();
    let warnedDrop = false;
    this.retained = new RetainedCache(
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
    this.dispatcher = new Dispatcher({
      trie: this.trie,
      retained: this.retained,
      messages: this.messages,
      unmatched: this.unmatched,
      maxPendingDecodes: options.maxPendingDecodes ?? 1000,
      report: (error, decoder) => this.reportDecodeError(error, decoder),
    });
    this.sync = new SubscriptionSync(
      port,
      {
        entries: () => this.entries.values(),
        beforeFlush: () => this.retireLeaving(),
        refused: (entry, code) => this.refuse(entry, code),
        log: this.log,
      },
      options.subscribeBatchSize ?? 100,
    );
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
    const settings = resolveSettings(
      parsed,
      options as SubscribeOptions<unknown> | undefined,
      this.defaultGracePeriod,
    );
    return new Observable<MqttMessage<unknown>>((subscriber) =>
      this.attach(parsed, settings, subscriber),
    ) as Observable<MqttMessage<T>>;
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
      const entry = this.entries.get(parseFilter(filter).brokerFilter);
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
    return this.entries.size;
  }

  /** Counters (filters, observers, retained cache). */
  stats(): SubscriptionStats {
    return {
      filters: this.entries.size,
      observers: this.observerCount,
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
    for (const entry of [...this.entries.values()]) {
      this.remove(entry, new ClosedError('The connector was closed before the SUBACK'));
      for (const route of entry.routes)
        for (const observer of route.observers) this.end(observer).subscriber.complete();
    }
    this.retained.clear();
    this.messages.complete();
    this.unmatched.complete();
    this.errors.complete();
  }

  private attach(
    parsed: ParsedFilter,
    settings: ObserverSettings,
    subscriber: Observer['subscriber'],
  ): Observer | undefined {
    if (this.disposed) {
      subscriber.complete();
      return undefined;
    }
    let entry = this.entries.get(parsed.brokerFilter);
    const existed = entry !== undefined;
    let resubscribing = !existed;
    if (entry === undefined) {
      entry = new FilterEntry(parsed.brokerFilter, settings);
      this.entries.set(entry.filter, entry);
      this.sync.markDirty(entry);
    } else {
      if (!entry.sameOptions(settings)) {
        if (entry.refCount > 0) {
          subscriber.error(conflict(parsed, entry));
          return undefined;
        }
        entry.adoptOptions(settings); // nobody is using the old ones: subscribe again with the new
        entry.sentQos = undefined;
        resubscribing = true;
      }
      this.cancelLeave(entry);
      if (settings.qos > entry.qos) {
        entry.qos = settings.qos;
        resubscribing = true;
      }
      if (resubscribing) this.sync.markDirty(entry);
      entry.gracePeriod = Math.max(entry.gracePeriod, settings.gracePeriod);
    }
    const route = this.routeFor(entry, parsed);
    const observer = new Observer(subscriber, settings, route, this);
    route.observers = [...route.observers, observer];
    entry.refCount++;
    this.observerCount++;
    // A new SUBSCRIBE makes the broker send the retained messages itself; otherwise replay the cache.
    if (!resubscribing && settings.replayRetained && entry.retainHandling !== 2)
      this.dispatcher.replay(observer);
    return observer;
  }

  /** Called when an observer unsubscribes (its teardown). */
  detach(observer: Observer): void {
    if (observer.detached) return;
    this.end(observer);
    const route = observer.route;
    route.observers = route.observers.filter((other) => other !== observer);
    const entry = route.entry;
    entry.refCount--;
    if (entry.refCount > 0 || entry.removed) return;
    if (entry.gracePeriod > 0) {
      entry.graceTimer = this.scheduler.schedule(() => {
        entry.graceTimer = undefined;
        this.retire(entry);
      }, entry.gracePeriod);
    } else {
      entry.leaving = true;
      this.leaving.add(entry);
      this.sync.scheduleFlush();
    }
  }

  private end(observer: Observer): Observer {
    observer.detached = true;
    observer.order?.close();
    this.observerCount--;
    return observer;
  }

  private routeFor(entry: FilterEntry, parsed: ParsedFilter): Route {
    for (const route of entry.routes) if (route.filter.source === parsed.source) return route;
    const route = new Route(parsed, entry);
    entry.routes.push(route);
    this.trie.add(parsed.levels, route);
    return route;
  }

  private cancelLeave(entry: FilterEntry): void {
    entry.graceTimer?.unsubscribe();
    entry.graceTimer = undefined;
    entry.leaving = false;
    this.leaving.delete(entry);
  }

  private retireLeaving(): void {
    for (const entry of this.leaving) if (entry.leaving) this.retire(entry);
    this.leaving.clear();
  }

  /** The last observer left (and the grace period passed): UNSUBSCRIBE. */
  private retire(entry: FilterEntry): void {
    if (entry.refCount > 0 || entry.removed) return;
    this.remove(
      entry,
      new ClosedError(`The subscription to ${JSON.stringify(entry.filter)} ended before its SUBACK`),
    );
    this.sync.retired(entry);
  }

  /** The broker refused the filter: error its observers (and nothing else), forget it. */
  private refuse(entry: FilterEntry, code: number): void {
    const error = new SubscribeRefusedError(entry.filter, code);
    this.log('warn', 'The broker refused a subscription', { filter: entry.filter, reasonCode: code });
    this.remove(entry, error);
    // A refused upgrade may leave the earlier grant in place at the broker.
    if (entry.ackedQos !== undefined) this.sync.retired(entry);
    this.errors.next(error);
    for (const route of entry.routes)
      for (const observer of route.observers) this.end(observer).subscriber.error(error);
  }

  /** Takes `entry` out of the registry, the trie and the retained cache; settles its waiters with `error`. */
  private remove(entry: FilterEntry, error: Error): void {
    entry.removed = true;
    this.cancelLeave(entry);
    this.entries.delete(entry.filter);
    for (const route of entry.routes) this.trie.remove(route.filter.levels, route);
    settleWaiters(entry, error);
    // Forget retained topics that no remaining filter matches.
    const removed = entry.routes.map((route) => route.filter.levels);
    this.retained.retainOnly((topic) => {
      const levels = topic.split('/');
      return !removed.some((filter) => matchesLevels(filter, levels)) || this.trie.matchesAny(levels);
    });
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

function conflict(parsed: ParsedFilter, entry: FilterEntry): InvalidArgumentError {
  return new InvalidArgumentError(
    `${JSON.stringify(parsed.source)} is already subscribed with noLocal=${entry.noLocal}, retainAsPublished=${entry.retainAsPublished}, ` +
      `retainHandling=${entry.retainHandling}; all observers of one filter share its broker subscription, so they must ask the same`,
  );
}
