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
import { isList, slotItems, slotWith, slotWithout } from './arrays.js';
import type { Dispatcher } from './dispatch.js';
import { FilterEntry, Observer, Route, type ObserverOwner, type ObserverSettings } from './filter-entry.js';
import { IdentifierGroups } from './identifier-groups.js';
import type { RetainedCache } from './retained-cache.js';
import { SubscriptionIds } from './subscription-ids.js';
import { settleWaiters, type SubscriptionSync } from './subscription-sync.js';
import { filterLevels, parseFilter, type ParsedFilter } from './topic-filter.js';
import { TopicTrie } from './topic-trie.js';

/** What the table works with. */
export interface FilterTableDeps {
  readonly trie: TopicTrie<Route>;
  readonly retained: RetainedCache<FilterEntry>;
  readonly dispatcher: Dispatcher;
  readonly sync: SubscriptionSync;
  readonly scheduler: SchedulerLike;
  readonly errors: Subject<MqttConnectorError>;
  /** The first Subscription Identifier the counter hands out (tests; at least 2); default random. */
  readonly firstId?: number;
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
  /** The Subscription Identifiers of the entries. */
  private readonly ids: IdentifierGroups;
  /** Entries with a `$share/` or `$queue/` prefix, per route filter. */
  private readonly sharedRoutes = new Map<string, number>();
  private warnedSameRoute = false;

  constructor(private readonly deps: FilterTableDeps) {
    // The identifiers held: 0 is an entry's before its first SUBSCRIBE with identifiers, and holds none.
    const held = () => [...this.entries.values()].map((entry) => entry.id).filter((id) => id !== 0);
    const ids = new SubscriptionIds(held, deps.firstId);
    this.ids = new IdentifierGroups(ids, deps.trie);
  }

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
      entry = new FilterEntry(parsed.brokerFilter, settings);
      this.entries.set(entry.filter, entry);
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
    const created = entry.routes === undefined;
    const route = this.routeFor(entry, parsed);
    if (created) this.noteShared(parsed, 1);
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
   * Gives the entries without a Subscription Identifier one, in order: their SUBSCRIBEs are about to
   * leave on a connection that uses identifiers. Done then, not when an entry is created, since finding a
   * wildcard filter's group reads the trie (about 8 µs per wildcard filter of the bench's workload, 24 ms
   * for its 10,000 filters), which a connection without identifiers (MQTT 3.1.1) has no use for.
   */
  identify(entries: readonly FilterEntry[]): void {
    for (const entry of entries) {
      if (entry.id === 0) entry.id = this.ids.take(parsedOf(entry) ?? parseFilter(entry.filter));
    }
  }

  /**
   * Warns (once) when two live broker filters route the same filter — `$share/g/a` and `a`, or two share
   * groups — on a connection without Subscription Identifiers (MQTT 3.1.1): each of their observers then
   * receives the messages meant for the other too. Checks `route` only, or every shared route.
   */
  warnSameRoutes(route?: string): void {
    if (this.warnedSameRoute || this.sharedRoutes.size === 0) return;
    const clash = route ?? [...this.sharedRoutes.keys()].find((shared) => this.routedTwice(shared));
    if (clash === undefined || !this.routedTwice(clash)) return;
    this.warnedSameRoute = true;
    const filters: string[] = [];
    for (const entry of this.entries.values())
      if (parsedOf(entry)?.routeFilter === clash) filters.push(entry.filter);
    this.deps.log('warn', 'No subscription identifiers: these filters also get each other’s messages', {
      filters,
    });
  }

  private routedTwice(route: string): boolean {
    return (this.sharedRoutes.get(route) ?? 0) + (this.entries.has(route) ? 1 : 0) > 1;
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
        this.retire([entry]);
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
    this.retire(leaving);
  }

  /** The broker refused the filter: error its observers (and nothing else), forget it. */
  refuse(entry: FilterEntry, code: number): void {
    const error = new SubscribeRefusedError(entry.filter, code);
    this.deps.log('warn', 'The broker refused a subscription', { filter: entry.filter, reasonCode: code });
    this.removeAll([entry], () => error);
    // A refused upgrade may leave the earlier grant in place at the broker.
    if (entry.ackedQos !== undefined) this.deps.sync.retired(entry);
    this.deps.errors.next(error);
    this.forEachObserver(entry, (observer) => this.end(observer).subscriber.error(error));
  }

  /** Ends every entry and completes every observer (the registry is disposed). */
  completeAll(): void {
    this.closed = true;
    const entries = [...this.entries.values()];
    this.removeAll(entries, closedBeforeSuback);
    for (const entry of entries) {
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

  /** Counts a shared entry in (+1) or out (-1); a new one is checked against the others of its route. */
  private noteShared(parsed: ParsedFilter, change: 1 | -1): void {
    if (parsed.shareGroup === undefined) {
      if (change === 1 && this.sharedRoutes.size > 0) this.warnIfClash(parsed.routeFilter);
      return;
    }
    const count = (this.sharedRoutes.get(parsed.routeFilter) ?? 0) + change;
    if (count > 0) this.sharedRoutes.set(parsed.routeFilter, count);
    else this.sharedRoutes.delete(parsed.routeFilter);
    if (change === 1) this.warnIfClash(parsed.routeFilter);
  }

  private warnIfClash(route: string): void {
    const { sync } = this.deps;
    if (sync.isConnected && !sync.mode.identifiers) this.warnSameRoutes(route);
  }

  private cancelLeave(entry: FilterEntry): void {
    entry.graceTimer?.unsubscribe();
    entry.graceTimer = undefined;
    this.leaving.delete(entry);
  }

  /** The last observer left (and the grace period passed): UNSUBSCRIBE the entries nobody joined since. */
  private retire(entries: readonly FilterEntry[]): void {
    const retiring = entries.filter((entry) => entry.refCount <= 0 && !entry.removed);
    this.removeAll(retiring, endedBeforeSuback);
    for (const entry of retiring) this.deps.sync.retired(entry);
  }

  /**
   * Takes `entries` out of the table, the trie and the retained cache, and rejects the waiters of each
   * with `failWaiters(entry)`: built only for waiters, since an error captures a stack (about 25 µs) and
   * most entries that leave have none (10,000 filters took 260 ms more to leave when each built one).
   */
  private removeAll(entries: readonly FilterEntry[], failWaiters: (entry: FilterEntry) => Error): void {
    const { retained, trie } = this.deps;
    // The leaving filters, for the retained cache; not built while it holds nothing.
    const gone = retained.size > 0 ? new TopicTrie<Route>() : undefined;
    for (const entry of entries) {
      this.takeOut(entry, gone);
      if (entry.waiters !== undefined) settleWaiters(entry, failWaiters(entry));
    }
    // One pass over the cache for the whole batch, since each pass reads every cached topic (10,000 filters
    // leaving one by one over 1,000 cached topics took 1.3-1.8 s): a topic goes when a leaving filter
    // matched it and no remaining one does.
    if (gone !== undefined && entries.length > 0)
      retained.forgetEnded(new Set(entries), (topic) => gone.matchesAny(topic) && !trie.matchesAny(topic));
  }

  /** Takes `entry` out of the table and the trie, and adds its route filters to `gone`. */
  private takeOut(entry: FilterEntry, gone: TopicTrie<Route> | undefined): void {
    entry.removed = true;
    this.cancelLeave(entry);
    this.entries.delete(entry.filter);
    if (entry.id !== 0) this.ids.release(entry.id);
    const parsed = parsedOf(entry);
    if (parsed?.shareGroup !== undefined) this.noteShared(parsed, -1);
    for (const route of slotItems(entry.routes)) {
      const levels = filterLevels(route.filter);
      this.deps.trie.remove(levels, route);
      gone?.add(levels, route);
    }
  }
}

const endedBeforeSuback = (entry: FilterEntry): Error =>
  new ClosedError(`The subscription to ${JSON.stringify(entry.filter)} ended before its SUBACK`);

const closedBeforeSuback = (): Error => new ClosedError('The connector was closed before the SUBACK');

/** The parsed filter of an entry's first route (all its routes share the route filter and share group). */
function parsedOf(entry: FilterEntry): ParsedFilter | undefined {
  const routes = entry.routes;
  if (routes === undefined) return undefined;
  return (isList(routes) ? routes[0] : routes)?.filter;
}

function conflict(parsed: ParsedFilter, entry: FilterEntry): InvalidArgumentError {
  return new InvalidArgumentError(
    `${JSON.stringify(parsed.source)} is already subscribed with noLocal=${entry.noLocal}, ` +
      `retainAsPublished=${entry.retainAsPublished}, retainHandling=${entry.retainHandling}; all observers of ` +
      'one filter share its broker subscription, so they must ask the same',
  );
}
