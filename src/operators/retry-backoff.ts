import {
  type MonoTypeOperatorFunction,
  type SchedulerLike,
  asyncScheduler,
  defer,
  retry,
  tap,
  throwError,
  timer,
} from 'rxjs';
import { type BackoffConfig, backoffDelay } from './backoff-delay.js';

/** A retry that {@link retryBackoff} is about to wait for. */
export interface RetryScheduled {
  /** Failures in a row so far (1 for the first retry). */
  readonly attempt: number;
  /** How long it waits before resubscribing, in ms. */
  readonly delayMs: number;
  /** The error that caused the retry. */
  readonly error: unknown;
}

/** Options of {@link retryBackoff}. Durations in milliseconds. */
export interface RetryBackoffConfig<T> extends BackoffConfig {
  /** Retries after consecutive failures before the error is passed on; -1 (default) retries forever. */
  readonly maxRetries?: number;
  /** Return false for errors that must not be retried (e.g. refused credentials); they pass straight on. Default: retry all. */
  readonly shouldRetry?: (error: unknown) => boolean;
  /** Which values prove the source healthy again and reset the failure count. Default: every value. */
  readonly resetOn?: (value: T) => boolean;
  /** Called once per scheduled retry, before the wait starts (for state and logs). */
  readonly onRetry?: (retry: RetryScheduled) => void;
  /** Scheduler of the waits. Default `asyncScheduler`; use a TestScheduler's in tests. */
  readonly scheduler?: SchedulerLike;
}

/**
 * Resubscribes to the source after it errors, waiting an exponentially growing delay (capped, jittered)
 * between attempts; the failure count resets when the source emits a value accepted by `resetOn`.
 *
 * Unlike `retry({ resetOnSuccess: true })`, which resets on any value, `resetOn` lets a source emit
 * progress values (such as "connecting…") without resetting the backoff.
 *
 * Emits: everything the source emits, across resubscriptions.
 * Errors: with the source's error when `shouldRetry` refuses it, or after `maxRetries` consecutive failures.
 * Completes: when the source completes.
 *
 * @example
 * ```ts
 * import { defer } from 'rxjs';
 * import { retryBackoff } from 'mqtt-connector';
 *
 * const reading$ = defer(() => fetch('/sensor').then((r) => r.json())).pipe(
 *   retryBackoff({ initialDelay: 1000, maxDelay: 30_000, jitter: 'full', maxRetries: 5 }),
 * );
 * ```
 */
export function retryBackoff<T>(config: RetryBackoffConfig<T>): MonoTypeOperatorFunction<T> {
  const {
    maxRetries = -1,
    shouldRetry = () => true,
    resetOn = () => true,
    onRetry,
    scheduler = asyncScheduler,
  } = config;
  return (source) =>
    defer(() => {
      let failures = 0;
      return source.pipe(
        tap((value) => {
          if (resetOn(value)) failures = 0;
        }),
        retry({
          delay: (error: unknown) => {
            failures += 1;
            if (!shouldRetry(error) || (maxRetries >= 0 && failures > maxRetries)) {
              return throwError(() => error);
            }
            const delayMs = backoffDelay(failures, config);
            onRetry?.({ attempt: failures, delayMs, error });
            return timer(delayMs, scheduler);
          },
        }),
      );
    });
}
