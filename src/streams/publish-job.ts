/**
 * One accepted publish on its way through the pipeline, and the promise it settles exactly once.
 *
 * Phases: `waiting` (in the offline queue or a pacing lane, counted against `maxQueued`) → `sent`
 * (handed to the MQTT port) or `gone` (removed before sending: timed out, dropped by the overflow policy,
 * superseded, or the pipeline closed). Settlement is separate from the phase: a `sent` job can time out
 * (settled) while MQTT.js still holds it.
 *
 * @internal
 */
import type { Subscription } from 'rxjs';
import type { MqttConnectorError } from '../connector/errors.js';
import type { MessageProperties, QoS } from '../connector/types.js';
import type { SettlementListener } from './listener-publish.js';
import type { PublishRequest } from './publish-request.js';
import type { PublishResult, PublishSettled, PublishStatus } from './publish-types.js';

/** Where a job is. */
export type JobPhase = 'waiting' | 'sent' | 'gone';

/** Whatever holds a waiting job (a lane) and must hear when it leaves early. */
export interface JobHolder {
  /** `job` left the `waiting` phase without being taken by its holder (timeout, overflow, close). */
  removed(job: PublishJob): void;
}

/** Where {@link PublishJob}'s packed `state` keeps the phase (two bits) and its two flags. */
const PHASE_MASK = 3;
const SETTLED = 4;
const QUEUED = 8;
const PHASES: readonly JobPhase[] = ['waiting', 'sent', 'gone'];

/**
 * A publish in the pipeline: the validated request itself (one object per publish, not two: at full
 * speed every allocation counts) plus its state and what it settles: its promise, or its listener.
 *
 * A burst of awaited publishes keeps every job and its promise alive until it settles, and the garbage
 * collections meanwhile copy every byte of them: so the phase and both flags share one field, one field
 * holds either the listener or the promise's resolve function, and no reject function is kept (see
 * {@link PublishJob.fail}). That took a waiting awaited publish from ≈ 389 to ≈ 301 B, and 4–9% off the
 * client's CPU per message for 50,000 QoS 0 publishes fired at once (bench/ANALYSIS.md).
 */
export class PublishJob implements PublishRequest {
  /** Phase, `settled` and `queued`, packed (see the accessors). */
  private state = 0;
  /** The lane (or conflation stage) holding the job while it waits. */
  holder: JobHolder | undefined = undefined;
  /** Pending timeout, if any. */
  timer: Subscription | undefined = undefined;
  /** Hears the settlement (metrics), if anyone asked. */
  observer: PublishSettled | undefined = undefined;
  /** What `publish()` returns, once {@link PublishJob.createPromise} made it. */
  promise: Promise<PublishResult> | undefined = undefined;
  /** Hears the settlement: the listener, or the resolve function of {@link PublishJob.promise}. */
  private settleTo: SettlementListener | Resolve | undefined = undefined;

  constructor(
    readonly topic: string,
    readonly payload: Uint8Array,
    readonly qos: QoS,
    readonly retain: boolean,
    readonly properties: MessageProperties | undefined,
    readonly timeout: number,
    readonly packetSize: number,
  ) {}

  /** See {@link JobPhase}. */
  get phase(): JobPhase {
    return PHASES[this.state & PHASE_MASK] as JobPhase;
  }
  set phase(phase: JobPhase) {
    this.state = (this.state & ~PHASE_MASK) | PHASES.indexOf(phase);
  }

  /** True once the promise is resolved or rejected (or the listener heard). */
  get settled(): boolean {
    return (this.state & SETTLED) !== 0;
  }

  /** True while counted in the offline queue's bounds. */
  get queued(): boolean {
    return (this.state & QUEUED) !== 0;
  }
  set queued(queued: boolean) {
    this.state = queued ? this.state | QUEUED : this.state & ~QUEUED;
  }

  /** Makes `listener` hear the settlement instead of a promise (before the job enters the pipeline). */
  listenWith(listener: SettlementListener): void {
    this.settleTo = listener;
  }

  /** Makes the promise this job settles (for `publish()`; a job with a listener has none). */
  createPromise(): Promise<PublishResult> {
    // One shared executor, not a closure per promise: less garbage per publish in a burst.
    this.promise = new Promise<PublishResult>(captureResolve);
    this.settleTo = captured;
    captured = undefined;
    return this.promise;
  }

  /** Resolves the promise (once). */
  succeed(status: PublishStatus, reasonCode: number): void {
    if (this.settled) return;
    const settleTo = this.finish();
    const result = resultFor(this.topic, this.qos, this.retain, this.payload.byteLength, status, reasonCode);
    this.observer?.(this.topic, this.qos, result, undefined);
    if (typeof settleTo === 'function') settleTo(result);
    else settleTo?.settled(result, undefined);
  }

  /**
   * Rejects the promise (once). Through its resolve function, with a thenable that rejects: keeping the
   * reject function too would cost every waiting publish 56 B. The price is one microtask: a failure
   * reaches the promise's handlers a microtask after a success decided at the same moment would.
   */
  fail(error: MqttConnectorError): void {
    if (this.settled) return;
    const settleTo = this.finish();
    this.observer?.(this.topic, this.qos, undefined, error);
    if (typeof settleTo === 'function') settleTo(new Rejection(error));
    else settleTo?.settled(undefined, error);
  }

  /** Marks the job settled, stops its timer, and hands back (and forgets) whom to tell. */
  private finish(): SettlementListener | Resolve | undefined {
    this.state |= SETTLED;
    if (this.timer) {
      this.timer.unsubscribe();
      this.timer = undefined;
    }
    const settleTo = this.settleTo;
    this.settleTo = undefined;
    return settleTo;
  }
}

/** The resolve function of a job's promise. */
type Resolve = (result: PublishResult | PromiseLike<PublishResult>) => void;

/** A thenable that rejects with `error`: resolving a promise with it rejects that promise. */
class Rejection implements PromiseLike<never> {
  constructor(private readonly error: MqttConnectorError) {}

  then<A = never, B = never>(
    _onFulfilled?: ((value: never) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): PromiseLike<A | B> {
    onRejected?.(this.error);
    // The promise machinery that calls this ignores what it returns.
    return this as PromiseLike<never>;
  }
}

/** The resolve function of the promise being created (its executor runs synchronously). */
let captured: Resolve | undefined;

function captureResolve(resolve: Resolve): void {
  captured = resolve;
}

let lastResult: PublishResult | undefined;

/**
 * A frozen {@link PublishResult}, shared with the previous publish when every field is equal (the
 * common case of a stream of same-sized messages on one topic): a burst of thousands of awaited
 * publishes then keeps one result object alive instead of thousands.
 */
function resultFor(
  topic: string,
  qos: QoS,
  retain: boolean,
  bytes: number,
  status: PublishStatus,
  reasonCode: number,
): PublishResult {
  const last = lastResult;
  if (
    last !== undefined &&
    last.topic === topic &&
    last.bytes === bytes &&
    last.qos === qos &&
    last.status === status &&
    last.retain === retain &&
    last.reasonCode === reasonCode
  ) {
    return last;
  }
  lastResult = Object.freeze({ topic, qos, retain, bytes, status, reasonCode });
  return lastResult;
}
