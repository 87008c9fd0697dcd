/**
 * `'latest'` conflation: within each window of `interval` ms only the newest message per topic is
 * sent. Per topic, `throttleTime(interval, { leading: true, trailing: true })`: the first message of a
 * quiet topic goes at once, then at most one more (the newest) at the end of each window. Every message
 * a newer one replaces resolves at once with status `'superseded'` (never left hanging). What the
 * throttle lets through waits in a {@link ConflatingLane} (offline, or for window room), which again
 * keeps only the newest per topic: while the connection is down, at most one message per topic waits.
 *
 * @internal
 */
import { debounceTime, groupBy, mergeMap, Subject, type Subscription, throttleTime } from 'rxjs';
import { ConflatingLane, type Lane, type LaneHost } from './lanes.js';
import type { JobHolder, PublishJob } from './publish-job.js';

/** The conflation stage for one interval (shared by every topic paced that way; throttled per topic). */
export class LatestStage implements Lane, JobHolder {
  private readonly ready: ConflatingLane;
  private readonly jobs$ = new Subject<PublishJob>();
  /** Per topic, the newest job inside the throttle that it has not emitted yet. */
  private readonly held = new Map<string, PublishJob>();
  private readonly subscription: Subscription;

  constructor(
    private readonly host: LaneHost,
    interval: number,
  ) {
    this.ready = new ConflatingLane(host);
    this.subscription = this.jobs$
      .pipe(
        groupBy((job) => job.topic, {
          // End a topic's group once it has been quiet for two windows (its trailing message is out by
          // then), so idle topics cost nothing; a later message starts a fresh window.
          duration: (group) => group.pipe(debounceTime(2 * interval, host.scheduler)),
        }),
        mergeMap((group) =>
          group.pipe(throttleTime(interval, host.scheduler, { leading: true, trailing: true })),
        ),
      )
      .subscribe((job) => this.emitted(job));
  }

  submit(job: PublishJob): void {
    if (!this.host.admit(job)) return;
    job.holder = this;
    const previous = this.held.get(job.topic);
    this.held.set(job.topic, job);
    // The throttle keeps only the newest value of a window: the one it replaces will never come out.
    if (previous !== undefined && previous.phase === 'waiting') this.host.supersede(previous);
    this.jobs$.next(job);
  }

  pump(): void {
    this.ready.pump();
  }

  removed(job: PublishJob): void {
    // Timed out or dropped inside the throttle: skipped when the throttle emits it.
    if (this.held.get(job.topic) === job) this.held.delete(job.topic);
  }

  drainWaiting(): PublishJob[] {
    const inThrottle = [...this.held.values()].filter((job) => job.phase === 'waiting');
    this.held.clear();
    return [...this.ready.drainWaiting(), ...inThrottle];
  }

  isIdle(): boolean {
    return this.held.size === 0 && this.ready.isIdle();
  }

  dispose(): void {
    this.subscription.unsubscribe();
    this.held.clear();
    this.ready.dispose();
  }

  private emitted(job: PublishJob): void {
    if (this.held.get(job.topic) === job) this.held.delete(job.topic);
    if (job.phase !== 'waiting') return; // timed out or dropped meanwhile
    this.ready.enqueue(job);
  }
}
