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

/** What the table works with. */
export interface FilterTableDeps {
  readonly trie: TopicTrie<Route>;
  readonly retained: RetainedCache;
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
    if (entry === undefined) {
      entry = new FilterEntry(parsed.brokerFilter, settings);
      this.entries.set(entry.filter, entry);
    } else {
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
    // A new SUBSCRIBE makes the broker send the retained messages itself; otherwise replay the cache.
    if (!subscribing && settings.replayRetained && entry.retainHandling !== 2)
      this.deps.dispatcher.replay(observer);
    return observer;
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
    const { trie, retained } = this.deps;
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
