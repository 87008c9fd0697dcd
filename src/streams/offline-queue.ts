/**
 * The bounds of everything accepted but not yet handed to MQTT.js (invariant 8: no unbounded memory):
 * publishes waiting while the connection is down, and publishes waiting for their pacing slot or for
 * room in the in-flight window. The waiting jobs themselves sit in their lanes' ring buffers (see
 * pacing.ts); this class counts them (messages and payload bytes), applies the overflow policy, settles
 * what the policy turns away (QUEUE_FULL), and for `'dropOldest'` remembers the arrival order across
 * lanes.
 *
 * The policies, as in Kotlin's `BufferOverflow` / Reactor's `BufferOverflowStrategy`:
 * - `'error'`: overflow is an error for the caller to handle — the new publish is refused; its promise
 *   rejects like any failure (back-pressure: slow down or retry later).
 * - `'dropNewest'` (DROP_LATEST): the value being added is dropped; the queue stays as it is.
 * - `'dropOldest'` (DROP_OLDEST): the oldest waiting values are dropped to make room for the new one.
 * `'error'` and `'dropNewest'` keep the same messages; they differ in what the overflow means. With a drop
 * policy, dropping is the configured behaviour, not a failure of the caller's: a dropped publish still
 * rejects with QUEUE_FULL for whoever awaits it, but that rejection is marked handled, so a publish
 * nobody awaited (fire-and-forget telemetry) does not raise `unhandledRejection`, which ends a Node
 * process. Under `'error'` it does, like any other unhandled failure.
 *
 * @internal
 */
import { QueueFullError } from '../connector/errors.js';
import type { OverflowPolicy } from '../connector/types.js';
import type { PublishJob } from './publish-job.js';
import type { PublishLog, QueueLimits } from './publish-types.js';
import { RingDeque } from './ring-deque.js';

/** Default bounds: 100,000 messages, 64 MiB of payload. */
export const DEFAULT_QUEUE_LIMITS: QueueLimits = Object.freeze({
  messages: 100_000,
  bytes: 64 * 1024 * 1024,
});

/** What the queue needs from the pipeline. */
export interface QueueHost {
  /** Takes a waiting job out of its lane: `'dropOldest'` evicts it (the queue then settles it). */
  remove(job: PublishJob): void;
  readonly log: PublishLog;
}

/** What the warning at the start of an overflow episode says, per policy. */
const OVERFLOW_WARNING: Record<OverflowPolicy, string> = {
  error: 'Offline queue full: refusing new publishes (QUEUE_FULL)',
  dropNewest: 'Offline queue full: dropping new publishes (QUEUE_FULL)',
  dropOldest: 'Offline queue full: dropping the oldest waiting publishes (QUEUE_FULL)',
};

/** Marks a dropped publish's rejection as handled (see the module comment). */
const ignore = (): void => undefined;

/** Counts waiting jobs against {@link QueueLimits} and applies the {@link OverflowPolicy}. */
export class OfflineQueue {
  private messages = 0;
  private totalBytes = 0;
  /** Arrival order of counted jobs, only kept for `'dropOldest'`; entries no longer counted are skipped. */
  private readonly arrival: RingDeque<PublishJob> | undefined;
  /** True from the first publish turned away until one is admitted without dropping another. */
  private overflowing = false;
  private evictions = 0;

  constructor(
    private readonly limits: QueueLimits,
    private readonly policy: OverflowPolicy,
    private readonly host: QueueHost,
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
   * Counts `job` in, applying the overflow policy when it does not fit (under `'dropOldest'`, the oldest
   * waiting jobs are evicted and settled first, as many as needed). Returns false when `job` itself was
   * turned away: it is then settled with QUEUE_FULL and gone.
   */
  admit(job: PublishJob): boolean {
    const evictions = this.evictions;
    const refusal = this.refusal(job.payload.byteLength);
    if (refusal === undefined) {
      if (this.evictions === evictions) this.overflowing = false;
      this.countIn(job);
      return true;
    }
    this.overflowed(job);
    job.phase = 'gone';
    this.drop(job, refusal);
    return false;
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

  /** Makes room for `size` bytes as the policy says; the error to turn the new job away with, if any. */
  private refusal(size: number): QueueFullError | undefined {
    if (size > this.limits.bytes) {
      return new QueueFullError(
        `The message (${size} bytes) is larger than the whole offline queue allows (maxQueued.bytes = ${this.limits.bytes})`,
      );
    }
    if (!this.overflows(size)) return undefined;
    if (this.policy === 'error') return this.fullError("publish refused (overflow policy 'error')");
    if (this.policy === 'dropNewest') {
      return this.fullError("the new publish was dropped (overflow policy 'dropNewest')");
    }
    this.evictFor(size);
    // Still no room only with maxQueued.messages = 0: nothing can wait at all.
    return this.overflows(size) ? this.fullError('publish refused: nothing may wait') : undefined;
  }

  private countIn(job: PublishJob): void {
    this.messages++;
    this.totalBytes += job.payload.byteLength;
    job.queued = true;
    if (this.arrival) {
      this.arrival.push(job);
      // Jobs that left out of arrival order (other lanes, timeouts) stay as skipped entries: compact
      // once they outnumber the live ones, so the deque stays O(count) (amortised O(1) per job).
      if (this.arrival.size > 2 * this.messages + 1024) this.arrival.retain((queued) => queued.queued);
    }
  }

  private overflows(size: number): boolean {
    return this.messages + 1 > this.limits.messages || this.totalBytes + size > this.limits.bytes;
  }

  private evictFor(size: number): void {
    while (this.arrival && this.messages > 0 && this.overflows(size)) {
      const oldest = this.arrival.shift();
      if (oldest === undefined) return;
      if (!oldest.queued) continue;
      this.evictions++;
      this.overflowed(oldest);
      this.leave(oldest);
      this.host.remove(oldest);
      this.drop(
        oldest,
        new QueueFullError(
          `Dropped from the full offline queue to make room for newer messages (overflow policy 'dropOldest'; maxQueued = ${this.describeLimits()})`,
        ),
      );
    }
  }

  /** Warns once per overflow episode (not once per publish), and notes each drop at debug level. */
  private overflowed(job: PublishJob): void {
    if (!this.overflowing) {
      this.overflowing = true;
      this.host.log('warn', OVERFLOW_WARNING[this.policy], {
        policy: this.policy,
        queued: this.messages,
        queuedBytes: this.totalBytes,
        topic: job.topic,
      });
    }
    if (this.policy !== 'error') {
      this.host.log('debug', 'Offline queue full: dropped a publish', {
        policy: this.policy,
        topic: job.topic,
      });
    }
  }

  private drop(job: PublishJob, error: QueueFullError): void {
    job.fail(error);
    if (this.policy !== 'error') job.promise?.catch(ignore);
  }

  private fullError(what: string): QueueFullError {
    return new QueueFullError(
      `The offline queue is full (${this.messages} messages, ${this.totalBytes} bytes; maxQueued = ${this.describeLimits()}): ${what}`,
    );
  }

  private describeLimits(): string {
    return `${this.limits.messages} messages / ${this.limits.bytes} bytes`;
  }
}
