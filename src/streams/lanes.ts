/**
 * Lanes: ordered backlogs that hand jobs to the pipeline one by one, each with its own pacing.
 * - {@link ImmediateLane}: no pacing (`throttleInterval` 0). The hot path: a plain loop over a ring
 *   buffer, no Observable per message; a job goes straight to MQTT.js when nothing waits before it.
 * - {@link SpacedLane}: the design's "Subject → concatMap(send, then a timer of T)". The lane feeds the
 *   Subject one job at a time (when the previous timer has fired, the pipeline is resumed and the
 *   in-flight window has room), so the backlog stays in the ring buffer (pausable, bounded, O(1) per job)
 *   instead of concatMap's internal array, and no inner Observable ever completes synchronously (the
 *   synchronous-backlog pitfall of toolchain.md §8).
 * Order is kept within a lane; lanes do not wait for each other.
 *
 * @internal
 */
import { concatMap, type SchedulerLike, Subject, type Subscription, timer } from 'rxjs';
import type { JobHolder, PublishJob } from './publish-job.js';
import { RingDeque } from './ring-deque.js';

/** What a lane needs from the pipeline. */
export interface LaneHost {
  readonly scheduler: SchedulerLike;
  /** True when `job` may be handed over now (resumed, and room in the in-flight window). */
  canSend(job: PublishJob): boolean;
  /** True while the pipeline is resumed (a lane that cannot send is then waiting for window room). */
  isResumed(): boolean;
  /** Hands `job` to MQTT (it stops counting as queued). */
  send(job: PublishJob): void;
  /** Counts `job` as queued; false when the overflow policy refused it (the job is then rejected). */
  admit(job: PublishJob): boolean;
  /** `lane` has a job that waits for room in the in-flight window. */
  blocked(lane: QueueLane): void;
  /** Resolves `job` as superseded and removes it. */
  supersede(job: PublishJob): void;
  /** `lane` has nothing to do any more (may be discarded). */
  idle(lane: Lane): void;
}

/** A lane as the router and the pipeline see it. */
export interface Lane {
  /** A new job from `publish()` (not yet counted as queued). */
  submit(job: PublishJob): void;
  /** Hand over what can be handed over now. */
  pump(): void;
  /** Removes and returns the jobs still waiting, oldest first (used when the pipeline closes). */
  drainWaiting(): PublishJob[];
  /** True when nothing waits and no pacing timer runs. */
  isIdle(): boolean;
  /** Stops timers and subscriptions. */
  dispose(): void;
}

/** A lane with a FIFO backlog in a ring buffer; jobs that leave early are skipped lazily. */
export abstract class QueueLane implements Lane, JobHolder {
  /** True while registered with the pipeline as waiting for window room. */
  blocked = false;
  protected readonly backlog = new RingDeque<PublishJob>();
  /** Jobs in `backlog` still waiting (the others are skipped when they reach the front). */
  protected live = 0;

  constructor(protected readonly host: LaneHost) {}

  abstract submit(job: PublishJob): void;
  abstract pump(): void;
  abstract isIdle(): boolean;

  /** Appends an already-counted job and hands over what can go. */
  enqueue(job: PublishJob): void {
    job.holder = this;
    this.backlog.push(job);
    this.live++;
    this.pump();
  }

  removed(job: PublishJob): void {
    void job;
    this.live--;
    // Timed-out or dropped jobs stay in the buffer until they reach the front; compact when they pile
    // up behind a front that does not move (paused), so memory follows the live count.
    if (this.backlog.size > 2 * this.live + 64) this.backlog.retain((queued) => queued.phase === 'waiting');
    if (this.isIdle()) this.host.idle(this);
  }

  drainWaiting(): PublishJob[] {
    return this.backlog.drain().filter((job) => job.phase === 'waiting');
  }

  dispose(): void {
    this.backlog.clear();
    this.live = 0;
  }

  /** The first waiting job, dropping skipped ones from the front. */
  protected head(): PublishJob | undefined {
    let job = this.backlog.peek();
    while (job !== undefined && job.phase !== 'waiting') {
      this.backlog.shift();
      job = this.backlog.peek();
    }
    return job;
  }

  /** Removes the head (returned by {@link head}) to hand it over. */
  protected take(job: PublishJob): void {
    this.backlog.shift();
    this.live--;
    job.holder = undefined;
    this.taken(job);
  }

  /** Hook: `job` left the backlog to be sent. */
  protected taken(job: PublishJob): void {
    void job;
  }

  /** When `job` cannot go now: registers for window room if that is the reason. */
  protected wait(): void {
    if (this.host.isResumed() && !this.blocked) this.host.blocked(this);
  }
}

/** No pacing: hands over as fast as the in-flight window allows, in order. */
export class ImmediateLane extends QueueLane {
  submit(job: PublishJob): void {
    // Fast path: nothing waits before it and it may go now. It never counts as queued.
    if (this.live === 0 && this.host.canSend(job)) {
      this.host.send(job);
      return;
    }
    if (this.host.admit(job)) this.enqueue(job);
  }

  pump(): void {
    for (let job = this.head(); job !== undefined; job = this.head()) {
      if (!this.host.canSend(job)) return this.wait();
      this.take(job);
      this.host.send(job);
    }
  }

  isIdle(): boolean {
    return this.live === 0;
  }
}

/**
 * An immediate lane that keeps only the newest waiting message per topic (`'latest'` mode): a newer
 * job supersedes an older one of the same topic that is still waiting (offline, or for window room).
 */
export class ConflatingLane extends ImmediateLane {
  private readonly newest = new Map<string, PublishJob>();

  override enqueue(job: PublishJob): void {
    const previous = this.newest.get(job.topic);
    this.newest.set(job.topic, job);
    if (previous !== undefined && previous.phase === 'waiting') this.host.supersede(previous);
    super.enqueue(job);
  }

  override removed(job: PublishJob): void {
    this.forget(job);
    super.removed(job);
  }

  override dispose(): void {
    this.newest.clear();
    super.dispose();
  }

  protected override taken(job: PublishJob): void {
    this.forget(job);
  }

  private forget(job: PublishJob): void {
    if (this.newest.get(job.topic) === job) this.newest.delete(job.topic);
  }
}

/** Every job, at least `interval` ms after the previous one of this lane left: Subject → concatMap. */
export class SpacedLane extends QueueLane {
  private readonly jobs$ = new Subject<PublishJob>();
  private readonly subscription: Subscription;
  /** True from a hand-over until its spacing timer fired. */
  private spacing = false;

  constructor(host: LaneHost, interval: number) {
    super(host);
    this.subscription = this.jobs$
      .pipe(
        concatMap((job) => {
          this.host.send(job);
          return timer(interval, this.host.scheduler);
        }),
      )
      .subscribe(() => {
        this.spacing = false;
        this.pump();
      });
  }

  submit(job: PublishJob): void {
    // Fast path: the lane is idle and the job may go now, so it never counts as queued.
    if (!this.spacing && this.live === 0 && this.host.canSend(job)) {
      this.spacing = true;
      this.jobs$.next(job);
      return;
    }
    if (this.host.admit(job)) this.enqueue(job);
  }

  pump(): void {
    if (this.spacing) return;
    const job = this.head();
    if (job === undefined) return this.host.idle(this);
    if (!this.host.canSend(job)) return this.wait();
    this.take(job);
    this.spacing = true;
    this.jobs$.next(job);
  }

  isIdle(): boolean {
    return this.live === 0 && !this.spacing;
  }

  override dispose(): void {
    this.subscription.unsubscribe();
    super.dispose();
  }
}
