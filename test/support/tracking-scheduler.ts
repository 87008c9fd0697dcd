/**
 * A scheduler for integration tests that runs in real time (it delegates to `asyncScheduler`) and knows
 * which of its timers are still pending. Injected into a connector, it proves that nothing is left to
 * happen — no backoff wait that could open another socket — without sleeping to see whether it does.
 * Counts one-shot actions (the connector's backoff waits and timeouts are `timer(n)`s); an action that
 * reschedules itself from its own work is counted until its first run only.
 */
import { type SchedulerAction, type SchedulerLike, type Subscription, asyncScheduler } from 'rxjs';

export class TrackingScheduler implements SchedulerLike {
  /** The pending actions, with the delay each was scheduled with. */
  private readonly live = new Map<Subscription, number>();

  now(): number {
    return asyncScheduler.now();
  }

  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    const live = this.live;
    const action: Subscription = asyncScheduler.schedule<T>(
      function (this: SchedulerAction<T>, value?: T) {
        live.delete(action);
        work.call(this, value);
      },
      delay,
      state,
    );
    live.set(action, delay);
    action.add(() => live.delete(action));
    return action;
  }

  /** Actions scheduled and neither run nor cancelled yet. */
  get pending(): number {
    return this.live.size;
  }

  /** The delays (ms) the pending actions were scheduled with. */
  pendingDelays(): number[] {
    return [...this.live.values()];
  }
}
