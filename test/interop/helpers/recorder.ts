/**
 * Event-driven waits for the interop suite: record what an Observable emits and wait until the record
 * satisfies a condition, re-checked on every emission (no polling, no sleeps). A timeout rejects with
 * what was seen, so a failure in CI says why.
 */
import type { Observable, Subscription } from 'rxjs';

/** Default upper bound of a wait, in ms: generous, the machine is shared with other test runs. */
export const WAIT_MS = 20_000;

interface Waiter<T> {
  readonly done: (items: readonly T[]) => boolean;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Records every value of `source$` from construction until {@link Recorder.stop}.
 *
 * @example
 * ```ts
 * const got = new Recorder(connector.subscribe('a/#'));
 * await got.waitFor((items) => items.length === 3, 'three messages');
 * got.stop();
 * ```
 */
export class Recorder<T> {
  /** Everything recorded so far, in arrival order. */
  readonly items: T[] = [];
  private readonly subscription: Subscription;
  private waiters: Waiter<T>[] = [];
  private failure: unknown;

  constructor(source$: Observable<T>) {
    this.subscription = source$.subscribe({
      next: (item) => {
        this.items.push(item);
        this.check();
      },
      error: (error: unknown) => {
        this.failure = error;
        this.check();
      },
    });
  }

  /**
   * Resolves with the items once `done(items)` is true (checked now and after each new item). Rejects
   * after `timeoutMs` (default {@link WAIT_MS}) naming `what` and the number of items seen, or at once if
   * the source errored.
   */
  waitFor(done: (items: readonly T[]) => boolean, what: string, timeoutMs = WAIT_MS): Promise<readonly T[]> {
    return new Promise<readonly T[]>((resolve, reject) => {
      if (this.failure !== undefined) return reject(this.failure);
      if (done(this.items)) return resolve(this.items);
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${this.items.length} seen)`));
      }, timeoutMs);
      const waiter: Waiter<T> = {
        done,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.items);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Waits until at least `count` items were recorded. */
  waitForCount(count: number, what = `${count} items`, timeoutMs = WAIT_MS): Promise<readonly T[]> {
    return this.waitFor((items) => items.length >= count, what, timeoutMs);
  }

  /** Waits for the first item (from now on, or already recorded) matching `predicate`; resolves with it. */
  async waitForItem(predicate: (item: T) => boolean, what: string, timeoutMs = WAIT_MS): Promise<T> {
    const items = await this.waitFor((all) => all.some(predicate), what, timeoutMs);
    return items.find(predicate) as T;
  }

  /** Stops recording (the items stay readable). Idempotent. */
  stop(): void {
    this.subscription.unsubscribe();
  }

  private check(): void {
    if (this.waiters.length === 0) return;
    if (this.failure !== undefined) {
      const failed = this.waiters;
      this.waiters = [];
      for (const waiter of failed) waiter.reject(this.failure);
      return;
    }
    const ready = this.waiters.filter((w) => w.done(this.items));
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const waiter of ready) waiter.resolve();
  }
}
