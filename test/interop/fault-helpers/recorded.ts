/**
 * Records what an Observable emits and lets a test wait, without polling, for a value that satisfies a
 * condition (re-checked on every emission), bounded in time.
 */
import type { Observable, Subscription } from 'rxjs';

/** See the module documentation. */
export class Recorded<T> {
  /** Everything emitted so far, in order. */
  readonly items: T[] = [];
  private readonly subscription: Subscription;
  private waiters: { check: (item: T) => boolean; done: (item: T) => void }[] = [];

  constructor(source$: Observable<T>) {
    this.subscription = source$.subscribe((item) => {
      this.items.push(item);
      const ready = this.waiters.filter((w) => w.check(item));
      this.waiters = this.waiters.filter((w) => !ready.includes(w));
      for (const waiter of ready) waiter.done(item);
    });
  }

  /**
   * Resolves with the first item from index `from` on (default 0: already recorded ones count) that
   * satisfies `check`; rejects after `timeoutMs` naming `what`.
   */
  waitFor(check: (item: T) => boolean, what: string, timeoutMs: number, from = 0): Promise<T> {
    const found = this.items.slice(from).find(check);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const waiter = {
        check,
        done: (item: T) => {
          clearTimeout(timer);
          resolve(item);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Stops recording. Idempotent. */
  stop(): void {
    this.subscription.unsubscribe();
  }
}
