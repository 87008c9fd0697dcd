/**
 * The first step of `disconnect()`: give what is queued a bounded time to go out, then close the publish
 * pipeline (what is left rejects with `CLOSED`). The bound runs on the connector's scheduler, so it can
 * be tested in virtual time.
 *
 * @internal
 */
import type { SchedulerLike, Subscription } from 'rxjs';
import type { PublishPipeline } from '../streams/publish-pipeline.js';
import { ClosedError, InvalidArgumentError } from './errors.js';

/** Longer delays do not fit a JavaScript timer (they would fire after 1 ms): such a bound means none. */
const MAX_TIMER_MS = 2_147_483_647;

/** What the flush needs to know. @internal */
export interface FlushPlan {
  /** Flush first (only while connected: nothing can be sent otherwise). */
  readonly flush: boolean;
  /** Upper bound of the flush in ms; Infinity for none. */
  readonly timeout: number;
  readonly scheduler: SchedulerLike;
}

/** Checks `disconnect()`'s options: `flush` a boolean, `timeout` ms >= 0 (Infinity allowed); the error if not. */
export function checkDisconnectOptions(options: {
  flush?: unknown;
  timeout?: unknown;
}): InvalidArgumentError | undefined {
  if (options === null || typeof options !== 'object') {
    return new InvalidArgumentError('disconnect() options must be an object such as { flush, timeout }');
  }
  if (options.flush !== undefined && typeof options.flush !== 'boolean') {
    return new InvalidArgumentError(`disconnect() flush must be a boolean, got ${String(options.flush)}`);
  }
  const { timeout } = options;
  if (timeout !== undefined && (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0)) {
    return new InvalidArgumentError(
      `disconnect() timeout must be a number of ms >= 0, got ${String(timeout)}`,
    );
  }
  return undefined;
}

/** Flushes the pipeline for at most `plan.timeout` ms (when `plan.flush`), then closes it. */
export async function flushThenClose(pipeline: PublishPipeline, plan: FlushPlan): Promise<void> {
  const closed = new ClosedError('disconnect() was called');
  if (plan.flush) {
    let timer: Subscription | undefined;
    const bounded = plan.timeout <= MAX_TIMER_MS;
    await Promise.race([
      pipeline.close(closed, { flush: true }),
      ...(bounded
        ? [new Promise<void>((resolve) => (timer = plan.scheduler.schedule(() => resolve(), plan.timeout)))]
        : []),
    ]);
    timer?.unsubscribe();
  }
  await pipeline.close(closed);
}
