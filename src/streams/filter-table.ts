/**
 * The life of filters and observers: the first observer of a broker filter creates its entry (and the
 * local route, at once), more observers share it, the last one leaving starts the grace period (or, with
 * none, waits for the end of the job), after which the entry is retired and UNSUBSCRIBEd. A refusal
 * ends the entry and errors its observers.
 *
 * @internal
 */
import type { SchedulerLike, Subject } from 'rxjs';
import {
  ClosedError,
  InvalidArgumentError,
  SubscribeRefusedError,
  type MqttConnectorError,
} from '../connector/errors.js';
import type { LogLevel } from '../connector/types.js';
import { slotItems, slotWith, slotWithout } from './arrays.js';
import type { Dispatcher } from './dispatch.js';
import { FilterEntry, Observer, Route, type ObserverOwner, type ObserverSettings } from './filter-entry.js';
import type { RetainedCache } from './retained-cache.js';
import { settleWaiters, type SubscriptionSync } from './subscription-sync.js';
import { filterLevels, type ParsedFilter } from './topic-filter.js';
import { matchesLevels } from './topic-match.js';
import type { TopicTrie } from './topic-trie.js';

/** Largest MQTT 5 Subscription Identifier. */
const MAX_SUBSCRIPTION_ID = 268_435_455;

/** What the table works with. */
export interface FilterTableDeps {
  readonly trie: TopicTrie<Route>;
  readonly retained: RetainedCache<FilterEntry>;
  readonly dispatcher: Dispatcher;
  readonly sync: SubscriptionSync;
  readonly scheduler: SchedulerLike;
  readonly errors: Subject<MqttConnectorError>;
  log(level: LogLevel, message: string, context: Record<string, unknown>): void;
}

/** See the module documentation. */
export class FilterTable implements ObserverOwner {
  /** Entries by broker filter. */
  readonly entries = new Map<string, FilterEntry>();
  /** Observers attached. */
  observerCount = 0;
  private readonly leaving = new Set<FilterEntry>();
  private closed = false;
  /**
   * The next Subscription Identifier. Starts at a random value, so that a new process resuming the
   * session of an earlier one rarely reuses an identifier that one gave another filter.
   */
  private nextId = 1 + Math.floor(Math.random() * (MAX_SUBSCRIPTION_ID >> 1));
  /** Entries with a `$share/` or `$queue/` prefix. */
  private sharedEntries = 0;
  private warnedSameRoute = false;

  constructor(private readonly deps: FilterTableDeps) {}

  /** A subscriber arrived: joins (or creates) the entry of its broker filter. Undefined when it was refused. */
  attach(
    parsed: ParsedFilter,
    settings: ObserverSettings,
    subscriber: Observer['subscriber'],
  ): Observer | undefined {
    if (this.closed) {
      subscriber.complete();
      return undefined;
    }
    let entry = this.entries.get(parsed.brokerFilter);
    let subscribing = entry === undefined;
    // The broker holds this subscription already (or was asked for it on this connection).
    let held = false;
    if (entry === undefined) {
      entry = this.create(parsed, settings);
    } else {
      held = entry.sentQos !== undefined || entry.ackedQos !== undefined;
      if (!entry.sameOptions(settings)) {
        if (entry.refCount > 0) {
          subscriber.error(conflict(parsed, entry));
          return undefined;
        }
        entry.adoptOptions(settings); // nobody uses the old ones: subscribe again with the new
        entry.sentQos = undefined;
        subscribing = true;
      }
      this.cancelLeave(entry);
      if (settings.qos > entry.qos) {
        entry.qos = settings.qos;
        subscribing = true;
      }
      entry.gracePeriod = Math.max(entry.gracePeriod, settings.gracePeriod);
    }
    if (subscribing) this.deps.sync.markDirty(entry);
    const route = this.routeFor(entry, parsed);
    const observer = new Observer(subscriber, settings, route, this);
    route.observers = slotWith(route.observers, observer);
    entry.refCount++;
    this.observerCount++;
    // The broker sends the retained messages itself for a new subscription (Retain Handling 0 or 1) and
    // on every SUBSCRIBE with Retain Handling 0; otherwise (a live filter; a QoS upgrade or new options
    // with Retain Handling 1) the cache is replayed. Retain Handling 2: neither.
    const rh = entry.retainHandling;
    const brokerSends = subscribing && (rh === 0 || (rh === 1 && !held));
    const { retained, dispatcher } = this.deps;
    // The subscription starts over: the retained messages it receives next are its state again.
    if (brokerSends && held) retained.forgetReceiver(entry);
    observer.since = retained.clock;
    if (!brokerSends && settings.replayRetained && rh !== 2) {
      observer.replayed = true;
      dispatcher.replay(observer);
    }
    return observer;
  }

  /**
   * Warns (once) when two live broker filters route the same filter — `$share/g/a` and `a`, or two share
   * groups — on a connection without Subscription Identifiers (MQTT 3.1.1): each of their observers then
   * receives the messages meant for the other too. Checks `parsed` only, or every entry.
   */
  warnSameRoutes(parsed?: ParsedFilter): void {
    if (this.warnedSameRoute || this.sharedEntries === 0) return;
    const clash = parsed === undefined ? this.anySameRoute() : this.sameRoute(parsed);
    if (clash === undefined) return;
    this.warnedSameRoute = true;
    this.deps.log(
      'warn',
      'Two live subscriptions route the same filter and this connection has no subscription identifiers ' +
        '(MQTT 3.1.1): the observers of each also receive the messages sent for the other',
      { filters: clash },
    );
  }

  private create(parsed: ParsedFilter, settings: ObserverSettings): FilterEntry {
    const entry = new FilterEntry(parsed.brokerFilter, settings, this.nextId);
    this.nextId = this.nextId >= MAX_SUBSCRIPTION_ID ? 1 : this.nextId + 1;
    this.entries.set(entry.filter, entry);
    if (parsed.shareGroup !== undefined) this.sharedEntries++;
    const { sync } = this.deps;
    if (sync.isConnected && !sync.mode.identifiers) this.warnSameRoutes(parsed);
    return entry;
  }

  private sameRoute(parsed: ParsedFilter): string[] | undefined {
    const routes: Route[] = [];
    // The filter's levels, read as a topic, reach the routes of that very filter (among others).
    this.deps.trie.match(filterLevels(parsed), routes);
    const other = routes.find(
      (route) =>
        route.filter.routeFilter === parsed.routeFilter && route.entry.filter !== parsed.brokerFilter,
    );
    return other === undefined ? undefined : [other.entry.filter, parsed.brokerFilter];
  }

  private anySameRoute(): string[] | undefined {
    const shared = new Map<string, string>();
    for (const entry of this.entries.values()) {
      const route = slotItems(entry.routes)[0];
      if (route === undefined || route.filter.shareGroup === undefined) continue;
      const { routeFilter } = route.filter;
      const other = this.entries.has(routeFilter) ? routeFilter : shared.get(routeFilter);
      if (other !== undefined) return [other, entry.filter];
      shared.set(routeFilter, entry.filter);
    }
    return undefined;
  }

  /** An observer unsubscribed (its teardown). */
  detach(observer: Observer): void {
    if (observer.detached) return;
    this.end(observer);
    const route = observer.route;
    route.observers = slotWithout(route.observers, observer);
    const entry = route.entry;
    entry.refCount--;
    if (entry.refCount > 0 || entry.removed) return;
    if (entry.gracePeriod > 0) {
      entry.graceTimer = this.deps.scheduler.schedule(() => {
        entry.graceTimer = undefined;
        this.retire(entry);
      }, entry.gracePeriod);
    } else {
      this.leaving.add(entry);
      this.deps.sync.scheduleFlush();
    }
  }

  /** Retires the entries whose last observer left in this job and that nobody joined since. */
  retireLeaving(): void {
    const leaving = [...this.leaving];
    this.leaving.clear();
    for (const entry of leaving) this.retire(entry);
  }

  /** The broker refused the filter: error its observers (and nothing else), forget it. */
  refuse(entry: FilterEntry, code: number): void {
    const error = new SubscribeRefusedError(entry.filter, code);
    this.deps.log('warn', 'The broker refused a subscription', { filter: entry.filter, reasonCode: code });
    this.remove(entry, error);
    // A refused upgrade may leave the earlier grant in place at the broker.
    if (entry.ackedQos !== undefined) this.deps.sync.retired(entry);
    this.deps.errors.next(error);
    this.forEachObserver(entry, (observer) => this.end(observer).subscriber.error(error));
  }

  /** Ends every entry and completes every observer (the registry is disposed). */
  completeAll(): void {
    this.closed = true;
    for (const entry of [...this.entries.values()]) {
      this.remove(entry, new ClosedError('The connector was closed before the SUBACK'));
      this.forEachObserver(entry, (observer) => this.end(observer).subscriber.complete());
    }
  }

  private forEachObserver(entry: FilterEntry, action: (observer: Observer) => void): void {
    for (const route of slotItems(entry.routes)) {
      for (const observer of slotItems(route.observers)) if (!observer.detached) action(observer);
    }
  }

  private end(observer: Observer): Observer {
    observer.detached = true;
    observer.order?.close();
    this.observerCount--;
    return observer;
  }

  private routeFor(entry: FilterEntry, parsed: ParsedFilter): Route {
    for (const route of slotItems(entry.routes)) if (route.filter.source === parsed.source) return route;
    const route = new Route(parsed, entry);
    entry.routes = slotWith(entry.routes, route);
    this.deps.trie.add(filterLevels(parsed), route);
    return route;
  }

  private cancelLeave(entry: FilterEntry): void {
    entry.graceTimer?.unsubscribe();
    entry.graceTimer = undefined;
    this.leaving.delete(entry);
  }

  /** The last observer left (and the grace period passed): UNSUBSCRIBE. */
  private retire(entry: FilterEntry): void {
    if (entry.refCount > 0 || entry.removed) return;
    this.remove(
      entry,
      new ClosedError(`The subscription to ${JSON.stringify(entry.filter)} ended before its SUBACK`),
    );
    this.deps.sync.retired(entry);
  }

  /** Takes `entry` out of the table, the trie and the retained cache; settles its waiters with `error`. */
  private remove(entry: FilterEntry, error: Error): void {
    entry.removed = true;
    this.cancelLeave(entry);
    this.entries.delete(entry.filter);
    if (entry.filter.startsWith('$share/') || entry.filter.startsWith('$queue/')) this.sharedEntries--;
    const { trie, retained } = this.deps;
    retained.forgetReceiver(entry, true);
    const routes = slotItems(entry.routes);
    const removed = routes.map((route) => filterLevels(route.filter));
    routes.forEach((route, i) => trie.remove(removed[i] as string[], route));
    settleWaiters(entry, error);
    // Forget the retained topics that no remaining filter matches.
    retained.retainOnly((topic) => {
      const levels = topic.split('/');
      return !removed.some((filter) => matchesLevels(filter, levels)) || trie.matchesAny(levels);
    });
  }
}

function conflict(parsed: ParsedFilter, entry: FilterEntry): InvalidArgumentError {
  return new InvalidArgumentError(
    `${JSON.stringify(parsed.source)} is already subscribed with noLocal=${entry.noLocal}, ` +
      `retainAsPublished=${entry.retainAsPublished}, retainHandling=${entry.retainHandling}; all observers of ` +
      'one filter share its broker subscription, so they must ask the same',
  );
}
