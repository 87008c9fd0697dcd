import { TestScheduler } from 'rxjs/testing';
import { defer, throwError, of, concat, NEVER } from 'rxjs';
import { backoffDelay } from '../../../src/operators/backoff-delay';
import { retryBackoff, type RetryScheduled } from '../../../src/operators/retry-backoff';

describe('backoffDelay', () => {
  it('grows exponentially from the initial delay', () => {
    const delays = [1, 2, 3, 4].map((attempt) => backoffDelay(attempt, { initialDelay: 100 }));
    expect(delays).toEqual([100, 200, 400, 800]);
  });

  it('honours a custom multiplier and caps at maxDelay', () => {
    const config = { initialDelay: 1000, multiplier: 3, maxDelay: 5000 };
    expect([1, 2, 3, 10, 5000].map((a) => backoffDelay(a, config))).toEqual([1000, 3000, 5000, 5000, 5000]);
  });

  it('never overflows to Infinity or NaN for huge attempt numbers', () => {
    expect(backoffDelay(100_000, { initialDelay: 5000 })).toBe(5000);
    expect(backoffDelay(100_000, { initialDelay: 5000, maxDelay: 120_000 })).toBe(120_000);
  });

  it('applies full jitter: uniformly below the delay', () => {
    expect(backoffDelay(3, { initialDelay: 100, jitter: 'full', random: () => 0 })).toBe(0);
    expect(backoffDelay(3, { initialDelay: 100, jitter: 'full', random: () => 0.5 })).toBe(200);
    expect(backoffDelay(3, { initialDelay: 100, jitter: 'full', random: () => 0.999 })).toBe(399);
  });

  it('applies equal jitter: between half the delay and the delay', () => {
    expect(backoffDelay(3, { initialDelay: 100, jitter: 'equal', random: () => 0 })).toBe(200);
    expect(backoffDelay(3, { initialDelay: 100, jitter: 'equal', random: () => 0.999 })).toBe(399);
  });
});

describe('retryBackoff (virtual time)', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  /** A source whose n-th subscription plays the n-th marble (the last one repeats). */
  function sequence(marbles: string[], values?: Record<string, string>) {
    let subscription = 0;
    return defer(() =>
      scheduler.createColdObservable(marbles[Math.min(subscription++, marbles.length - 1)] as string, values),
    );
  }

  it('waits 10, 20, 40 between failures, then succeeds', () => {
    scheduler.run(({ expectObservable }) => {
      const source = sequence(['#', '#', '#', 'a|']);
      const result = source.pipe(retryBackoff({ initialDelay: 10, scheduler }));
      // failures at 0, 10, 30 (after 10 then 20), success after the 40 wait: at 70
      expectObservable(result).toBe('70ms a|');
    });
  });

  it('passes the error on after maxRetries consecutive failures', () => {
    scheduler.run(({ expectObservable }) => {
      const result = sequence(['#']).pipe(retryBackoff({ initialDelay: 10, maxRetries: 2, scheduler }));
      expectObservable(result).toBe('30ms #');
    });
  });

  it('does not retry errors that shouldRetry refuses', () => {
    scheduler.run(({ expectObservable }) => {
      const fatal = new Error('fatal');
      const result = defer(() => throwError(() => fatal)).pipe(
        retryBackoff({ initialDelay: 10, scheduler, shouldRetry: (e) => e !== fatal }),
      );
      expectObservable(result).toBe('#', undefined, fatal);
    });
  });

  it('resets the failure count only on values accepted by resetOn', () => {
    scheduler.run(({ expectObservable }) => {
      const retries: RetryScheduled[] = [];
      // every attempt emits "p" (progress), fails twice, then "c" (connected), then fails again
      const source = sequence(['p#', 'p#', 'p-c#', 'p#'], { p: 'p', c: 'c' });
      const result = source.pipe(
        retryBackoff<string>({
          initialDelay: 10,
          maxRetries: 3,
          scheduler,
          resetOn: (v) => v === 'c',
          onRetry: (r) => retries.push(r),
        }),
      );
      // attempts at 0, 11, 32; "c" at 34 resets the count; then waits of 10, 20, 40 and the 4th failure errors
      expectObservable(result).toBe('p 10ms p 20ms p-c 10ms p 20ms p 40ms p#', { p: 'p', c: 'c' });
      scheduler.flush();
      expect(retries.map((r) => [r.attempt, r.delayMs])).toEqual([
        [1, 10],
        [2, 20],
        [1, 10],
        [2, 20],
        [3, 40],
      ]);
    });
  });

  it('stops waiting when unsubscribed', () => {
    scheduler.run(({ expectObservable, expectSubscriptions, cold }) => {
      const failing = cold('#');
      const result = concat(failing, NEVER).pipe(retryBackoff({ initialDelay: 100, scheduler }));
      expectObservable(result, '^ 150ms !').toBe('');
      expectSubscriptions(failing.subscriptions).toBe(['(^!)', '100ms (^!)']);
    });
  });

  it('completes when the source completes', () => {
    scheduler.run(({ expectObservable }) => {
      expectObservable(of(1).pipe(retryBackoff({ initialDelay: 5, scheduler }))).toBe('(a|)', { a: 1 });
    });
  });
});
