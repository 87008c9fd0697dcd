/**
 * The timeout shared by the wait helpers: a deadline for the whole wait, reported as a `TIMEOUT` error
 * that says what was awaited and what was seen instead.
 *
 * @internal
 */
import { type MonoTypeOperatorFunction, type SchedulerLike, asyncScheduler, throwError, timeout } from 'rxjs';
import { TimeoutError } from '../connector/errors.js';

/** Options common to the wait helpers. */
export interface WaitOptions {
  /**
   * Milliseconds to wait before rejecting with a `TIMEOUT` {@link TimeoutError}; `Infinity` waits forever.
   * Default 5000 (below Jest's and Mocha's default test timeouts, so the helper's message is what you see).
   */
  timeout?: number;
  /** Scheduler of the deadline (default `asyncScheduler`); a `TestScheduler` makes the wait virtual. */
  scheduler?: SchedulerLike;
}

/** The default of {@link WaitOptions.timeout}, in ms. */
export const DEFAULT_WAIT_TIMEOUT = 5000;

/**
 * Errors with a `TimeoutError` when the source has not emitted within the deadline; `describe` is called
 * then, to say what was awaited (and seen).
 */
export function deadline<T>(
  options: WaitOptions,
  describe: (ms: number) => string,
): MonoTypeOperatorFunction<T> {
  const ms = options.timeout ?? DEFAULT_WAIT_TIMEOUT;
  if (ms === Infinity) return (source) => source;
  return timeout({
    first: ms,
    with: () => throwError(() => new TimeoutError(describe(ms))),
    scheduler: options.scheduler ?? asyncScheduler,
  });
}
