/**
 * The bounds of everything accepted but not yet handed to MQTT.js (invariant 8: no unbounded memory):
 * publishes waiting while the connection is down, and publishes waiting for their pacing slot or for
 * room in the in-flight window. The waiting jobs themselves sit in their lanes' ring buffers (see
 * pacing.ts); this class counts them (messages and payload bytes), applies the overflow policy, and for
 * `'dropOldest'` remembers the arrival order across lanes.
 *
 * @internal
 */
import { QueueFullError } from '../connector/errors.js';
import type { OverflowPolicy } from '../connector/types.js';
import type { PublishJob } from './publish-job.js';
import type { QueueLimits } from './publish-types.js';
import { RingDeque } from './ring-deque.js';

/** Default bounds: 100,000 messages, 64 MiB of payload. */
export const DEFAULT_QUEUE_LIMITS: QueueLimits = Object.freeze({
  messages: 100_000,
  bytes: 64 * 1024 * 1024,
});

/** Called for each waiting job the `'dropOldest'` policy evicts; the job is no longer counted. */
export type Evict = (job: PublishJob, error: QueueFullError) => void;

/** Counts waiting jobs against {@link QueueLimits} and applies the {@link OverflowPolicy}. */
export class OfflineQueue {
  private messages = 0;
  private totalBytes = 0;
  /** Arrival order of counted jobs, only kept for `'dropOldest'`; entries no longer counted are skipped. */
  private readonly arrival: RingDeque<PublishJob> | undefined;

  constructor(
    private readonly limits: QueueLimits,
    private readonly policy: OverflowPolicy,
    private readonly evict: Evict,
  ) {
    this.arrival = policy === 'dropOldest' ? new RingDeque<PublishJob>() : undefined;
  }

  /** Waiting messages. */
  get count(): number {
    return this.messages;
  }

  /** Payload bytes of the waiting messages. */
  get bytes(): number {
    return this.totalBytes;
  }

  /**
   * Counts `job` in. Returns the error to reject it with when the policy refuses it (then it is not
   * counted); under `'dropOldest'` evicts the oldest waiting jobs first, as many as needed.
   */
  admit(job: PublishJob): QueueFullError | undefined {
    const size = job.payload.byteLength;
    if (size > this.limits.bytes) {
      return new QueueFullError(
        `The message (${size} bytes) is larger than the whole offline queue allows (maxQueued.bytes = ${this.limits.bytes})`,
      );
    }
    if (this.overflows(size)) {
      if (this.policy !== 'dropOldest')
        return this.fullError(this.policy === 'error' ? 'refused' : 'dropped (dropNewest)');
      this.evictFor(size);
      if (this.overflows(size)) return this.fullError('refused'); // only with maxQueued.messages = 0
    }
    this.messages++;
    this.totalBytes += size;
    job.queued = true;
    if (this.arrival) {
      this.arrival.push(job);
      // Jobs that left out of arrival order (other lanes, timeouts) stay as skipped entries: compact
      // once they outnumber the live ones, so the deque stays O(count) (amortised O(1) per job).
      if (this.arrival.size > 2 * this.messages + 1024) this.arrival.retain((queued) => queued.queued);
    }
    return undefined;
  }

  /** `job` stopped waiting (sent or removed): it no longer counts. Idempotent. */
  leave(job: PublishJob): void {
    if (!job.queued) return;
    job.queued = false;
    this.messages--;
    this.totalBytes -= job.payload.byteLength;
  }

  /** Forgets every job (the pipeline closed and rejected them). */
  reset(): void {
    this.messages = 0;
    this.totalBytes = 0;
    this.arrival?.clear();
  }

  private overflows(size: number): boolean {
    return this.messages + 1 > this.limits.messages || this.totalBytes + size > this.limits.bytes;
  }

  private evictFor(size: number): void {
    while (this.arrival && this.messages > 0 && this.overflows(size)) {
      const oldest = this.arrival.shift();
      if (oldest === undefined) return;
      if (!oldest.queued) continue;
      this.leave(oldest);
      this.evict(
        oldest,
        new QueueFullError(
          `Dropped from the full offline queue to make room for newer messages (overflow policy dropOldest; maxQueued = ${this.describeLimits()})`,
        ),
      );
    }
  }

  private fullError(what: string): QueueFullError {
    return new QueueFullError(
      `The offline queue is full (${this.messages} messages, ${this.totalBytes} bytes; maxQueued = ${this.describeLimits()}): publish ${what}`,
    );
  }

  private describeLimits(): string {
    return `${this.limits.messages} messages / ${this.limits.bytes} bytes`;
  }
}
