/**
 * Filters the broker refuses while they are restored after a reconnect (it granted them before): each is
 * subscribed again after a growing delay — 0.5 s, doubling up to 30 s — up to `maxRestoreAttempts`
 * times, then given up (its observers get SUBSCRIBE_REFUSED). Such refusals are usually transient: NATS
 * answers 0x80 for as long as a cluster node is down; a bound still ends the wait when a permission was
 * really revoked.
 *
 * @internal
 */
import type { SchedulerLike, Subscription } from 'rxjs';
import type { LogLevel } from '../connector/types.js';
import type { FilterEntry } from './filter-entry.js';

/** Delay before the retry number `retry` (0-based). */
export const restoreRetryDelay = (retry: number): number => Math.min(30_000, 500 * 2 ** Math.min(retry, 6));

/** What the retries act through. */
export interface RestoreRetryHooks {
  /** Subscribes `entry` again, if that is still wanted when the timer fires. */
  resubscribe(entry: FilterEntry): void;
  /** The refusal stands: error the entry's observers. */
  giveUp(entry: FilterEntry, code: number): void;
  log(level: LogLevel, message: string, context: Record<string, unknown>): void;
}

/** See the module documentation. */
export class RestoreRetries {
  private readonly retries = new Map<FilterEntry, { count: number; timer?: Subscription }>();

  constructor(
    private readonly hooks: RestoreRetryHooks,
    /** Retries before giving up; -1 = no limit. */
    private readonly limit: number,
    private readonly scheduler: SchedulerLike,
  ) {}

  /** The broker refused the restore of `entry` with `code`: schedule a retry, or give up. */
  refused(entry: FilterEntry, code: number): void {
    const retry = this.retries.get(entry) ?? { count: 0 };
    if (this.limit >= 0 && retry.count >= this.limit) {
      this.retries.delete(entry);
      this.hooks.log('warn', 'The broker kept refusing a subscription it had granted before; giving up', {
        filter: entry.filter,
        code,
        attempts: retry.count,
      });
      this.hooks.giveUp(entry, code);
      return;
    }
    const delay = restoreRetryDelay(retry.count);
    retry.count += 1;
    this.hooks.log('warn', 'The broker refused a subscription it had granted before; trying again', {
      filter: entry.filter,
      code,
      attempt: retry.count,
      delayMs: delay,
    });
    retry.timer = this.scheduler.schedule(() => {
      retry.timer = undefined;
      if (entry.removed) this.retries.delete(entry);
      else this.hooks.resubscribe(entry);
    }, delay);
    this.retries.set(entry, retry);
  }

  /** `entry` was granted, or refused for good: its count starts over. */
  forget(entry: FilterEntry): void {
    this.retries.delete(entry);
  }

  /** Stops the timers (the connection ended); the counts stay. */
  cancel(): void {
    for (const retry of this.retries.values()) {
      retry.timer?.unsubscribe();
      retry.timer = undefined;
    }
  }
}
