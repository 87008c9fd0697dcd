/**
 * Keeps the broker's subscriptions in step with the registry: batches SUBSCRIBE / UNSUBSCRIBE at the end
 * of the current job, re-subscribes after a CONNACK, tracks SUBACKs per broker session, and resolves the
 * waiters of `whenSubscribed`. The UNSUBSCRIBE side is an {@link UnsubscribeQueue}.
 *
 * Session bookkeeping: `sentQos` is what this connection has been asked (reset on every CONNACK to what
 * the session acknowledged), `ackedQos` what the broker session acknowledged (reset when a CONNACK says
 * the session is new). Answers that arrive for an earlier connection (`epoch`) are ignored: that
 * connection's state was already replaced by the next CONNACK's.
 *
 * @internal
 */
import { type SchedulerLike, asyncScheduler } from 'rxjs';
import type { LogLevel, QoS } from '../connector/types.js';
import type { FilterEntry, SubscribeMode } from './filter-entry.js';
import type { ConnAck, MqttPort } from './port.js';
import { RestoreRetries } from './restore-retries.js';
import { subscribePackets } from './subscribe-packets.js';
import { call, UnsubscribeQueue } from './unsubscribe-queue.js';

/** What the sync needs from the registry. */
export interface SyncHooks {
  /** Every entry of the registry. */
  entries(): Iterable<FilterEntry>;
  /** Runs first in every flush (retires entries whose last observer left in this job). */
  beforeFlush(): void;
  /** Gives `entries` that have none a Subscription Identifier (their SUBSCRIBEs carry identifiers). */
  identify(entries: readonly FilterEntry[]): void;
  /** The broker refused `entry` (SUBACK code 0x80 or more). */
  refused(entry: FilterEntry, code: number): void;
  /** A CONNACK was accepted: `mode` is how this connection subscribes; `resumed`, whether the session was kept. */
  connected(mode: SubscribeMode, resumed: boolean): void;
  log(level: LogLevel, message: string, context: Record<string, unknown>): void;
}

const noop = (): void => undefined;

/** Options of a {@link SubscriptionSync}. */
export interface SyncOptions {
  /** Most filters per SUBSCRIBE / UNSUBSCRIBE packet. */
  readonly batchSize: number;
  /** Retries of a refused restore before its observers get SUBSCRIBE_REFUSED; -1 = no limit. */
  readonly maxRestoreAttempts: number;
  /** MQTT 5 connections subscribe with Retain As Published (for the retained cache). */
  readonly retainAsPublished: boolean;
  readonly scheduler?: SchedulerLike;
}

/** 3.1.1 (and before the first CONNACK): nothing MQTT 5 is sent. */
const PLAIN: SubscribeMode = Object.freeze({ retainAsPublished: false, identifiers: false });

/** See the module documentation. */
export class SubscriptionSync {
  private connected = false;
  /** Whether the last CONNACK resumed a session. */
  private sessionPresent = false;
  private epoch = 0;
  private flushScheduled = false;
  /** Entries created or upgraded since the last flush. */
  private readonly dirty = new Set<FilterEntry>();
  private readonly unsubscribes: UnsubscribeQueue;
  /** The highest QoS asked that some session granted, per filter: a later refusal up to it is a failed restore. */
  private readonly grantedAsks = new WeakMap<FilterEntry, QoS>();
  /** Refused restores waiting to be tried again. */
  private readonly restoreRetries: RestoreRetries;
  /** The broker of the session our SUBACKs belong to. */
  private sessionBroker: string | undefined;
  /** How the current (or last) connection subscribes. */
  private currentMode: SubscribeMode = PLAIN;

  constructor(
    private readonly port: MqttPort,
    private readonly hooks: SyncHooks,
    private readonly options: SyncOptions,
  ) {
    this.restoreRetries = new RestoreRetries(
      {
        resubscribe: (entry) => {
          if (this.connected && entry.needsSubscribe()) void this.sendSubscribes([entry]);
        },
        giveUp: (entry, code) => hooks.refused(entry, code),
        log: hooks.log,
      },
      options.maxRestoreAttempts,
      options.scheduler ?? asyncScheduler,
    );
    this.unsubscribes = new UnsubscribeQueue(port, options.batchSize, {
      epoch: () => this.epoch,
      connected: () => this.connected,
      sessionResumed: () => this.sessionPresent,
      liveFilters: () => liveFilters(hooks.entries()),
      scheduleFlush: () => this.scheduleFlush(),
      log: hooks.log,
    });
  }

  /** True between `onConnected` and the loss of that connection. */
  get isConnected(): boolean {
    return this.connected;
  }

  /** How the current (or, while disconnected, the last) connection subscribes. */
  get mode(): SubscribeMode {
    return this.currentMode;
  }

  /** `entry` is new or asks a higher QoS: SUBSCRIBE it at the next flush (when connected). */
  markDirty(entry: FilterEntry): void {
    this.dirty.add(entry);
    this.unsubscribes.keep(entry.filter);
    this.scheduleFlush();
  }

  /** `entry` left the registry; UNSUBSCRIBE it if the broker may hold it. */
  retired(entry: FilterEntry): void {
    this.dirty.delete(entry);
    if (entry.sentQos === undefined && entry.ackedQos === undefined) return;
    this.unsubscribes.retire(entry.filter);
  }

  /** Runs `flush` at the end of the current job (once, however many changes this job made). */
  scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** See `SubscriptionRegistry.onConnected`. */
  onConnected(connAck: ConnAck): Promise<void> {
    this.epoch++;
    this.connected = true;
    // A session lives on one broker. With a broker list, a session "present" on another broker than the
    // one our SUBACKs came from does not hold what we subscribed since: treat it as a fresh session.
    const resumed =
      connAck.sessionPresent && (this.sessionBroker === undefined || this.sessionBroker === connAck.broker);
    this.sessionBroker = connAck.broker;
    this.sessionPresent = resumed;
    this.currentMode = modeOf(connAck, this.options.retainAsPublished);
    this.hooks.connected(this.currentMode, resumed);
    this.hooks.beforeFlush();
    for (const entry of this.hooks.entries()) {
      if (!resumed) entry.ackedQos = undefined; // a new session holds nothing
      entry.sentQos = entry.ackedQos;
    }
    this.unsubscribes.connected(resumed);
    this.dirty.clear();
    const pending: FilterEntry[] = [];
    for (const entry of this.hooks.entries()) {
      if (entry.needsSubscribe()) pending.push(entry);
      else if (entry.isAcknowledged()) settleWaiters(entry, undefined); // kept by the resumed session
    }
    if (pending.length > 0) {
      this.hooks.log('info', 'Subscribing the live filters', {
        filters: pending.length,
        sessionPresent: resumed,
      });
    }
    this.unsubscribes.send();
    return this.sendSubscribes(pending);
  }

  /** Stops every pending retry (the registry is disposed). */
  dispose(): void {
    this.restoreRetries.cancel();
  }

  /** The connection ended: nothing more is sent until the next `onConnected`. */
  onConnectionLost(): void {
    this.restoreRetries.cancel();
    this.connected = false;
    this.epoch++;
    this.unsubscribes.connectionLost();
  }

  private flush(): void {
    this.hooks.beforeFlush();
    const dirty = [...this.dirty].filter((entry) => !entry.removed && entry.needsSubscribe());
    this.dirty.clear();
    if (!this.connected) return; // onConnected sends whatever is needed
    this.unsubscribes.send();
    void this.sendSubscribes(dirty);
  }

  private sendSubscribes(all: readonly FilterEntry[]): Promise<void> {
    if (all.length === 0) return Promise.resolve();
    const epoch = this.epoch;
    const sends: Promise<void>[] = [];
    // A broker may apply an UNSUBSCRIBE and a SUBSCRIBE of the same filter out of order (aedes does):
    // a filter whose UNSUBSCRIBE is still in flight is subscribed again only after its UNSUBACK.
    const blocked = all.filter((entry) => this.unsubscribes.unsuback(entry.filter) !== undefined);
    const entries =
      blocked.length === 0
        ? all
        : all.filter((entry) => this.unsubscribes.unsuback(entry.filter) === undefined);
    if (blocked.length > 0) {
      const unsubacks = blocked.map((entry) => this.unsubscribes.unsuback(entry.filter));
      sends.push(
        Promise.all(unsubacks).then(() => {
          if (epoch !== this.epoch || !this.connected) return; // the next CONNACK sends what is needed
          return this.sendSubscribes(blocked.filter((entry) => !entry.removed && entry.needsSubscribe()));
        }),
      );
    }
    const mode = this.currentMode;
    if (mode.identifiers) this.hooks.identify(entries);
    for (const batch of subscribePackets(entries, this.options.batchSize, mode.identifiers)) {
      const requests = batch.map((entry) => {
        entry.sentQos = entry.qos;
        return entry.request(mode);
      });
      this.hooks.log('debug', 'SUBSCRIBE', { filters: requests.length, first: requests[0]?.filter });
      sends.push(
        call(() => this.port.subscribe(requests)).then(
          (codes) =>
            this.onSuback(
              batch,
              requests.map((request) => request.qos),
              codes,
              epoch,
            ),
          (error: unknown) => this.onSubscribeFailed(batch, error, epoch),
        ),
      );
    }
    return Promise.all(sends).then(noop);
  }

  private onSuback(
    batch: readonly FilterEntry[],
    asked: readonly QoS[],
    codes: readonly number[],
    epoch: number,
  ): void {
    if (epoch !== this.epoch) return;
    batch.forEach((entry, i) => {
      const code = codes[i];
      if (entry.removed) return;
      if (code === undefined || code >= 0x80) {
        const restorable = this.grantedAsks.get(entry);
        if (restorable !== undefined && (asked[i] as QoS) <= restorable) {
          entry.sentQos = entry.ackedQos;
          return this.restoreRetries.refused(entry, code ?? 0x80);
        }
        this.restoreRetries.forget(entry);
        this.hooks.refused(entry, code ?? 0x80);
        return;
      }
      this.restoreRetries.forget(entry);
      entry.granted = Math.min(code, 2) as QoS;
      const qos = asked[i] as QoS;
      if ((this.grantedAsks.get(entry) ?? -1) < qos) this.grantedAsks.set(entry, qos);
      if (entry.ackedQos === undefined || entry.ackedQos < qos) entry.ackedQos = qos;
      this.hooks.log('debug', 'SUBACK', { filter: entry.filter, qos, granted: code });
      if (entry.isAcknowledged()) settleWaiters(entry, undefined);
    });
  }

  private onSubscribeFailed(batch: readonly FilterEntry[], error: unknown, epoch: number): void {
    if (epoch !== this.epoch || !this.connected) return; // lost with the connection: sent again on the next CONNACK
    this.hooks.log('warn', 'SUBSCRIBE failed; it is sent again after the next reconnect', {
      filters: batch.length,
      first: batch[0]?.filter,
      error: error instanceof Error ? error.message : String(error),
    });
    for (const entry of batch) entry.sentQos = entry.ackedQos;
  }
}

/** How a connection that sent `connAck` subscribes. */
function modeOf(connAck: ConnAck, retainedCache: boolean): SubscribeMode {
  if (connAck.protocolVersion !== 5) return PLAIN;
  return {
    retainAsPublished: retainedCache,
    identifiers: connAck.subscriptionIdentifiersAvailable !== false,
  };
}

/** Resolves (error undefined) or rejects every waiter of `entry`. */
export function settleWaiters(entry: FilterEntry, error: Error | undefined): void {
  const waiters = entry.waiters;
  if (waiters === undefined) return;
  entry.waiters = undefined;
  for (const waiter of waiters) {
    if (error !== undefined) waiter.reject(error);
    else waiter.resolve(entry.granted ?? entry.qos);
  }
}

/** The filters of `entries`. */
function* liveFilters(entries: Iterable<FilterEntry>): Iterable<string> {
  for (const entry of entries) yield entry.filter;
}
