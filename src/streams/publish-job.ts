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

/**
 * A publish in the pipeline: the validated request itself (one object per publish, not two: at full
 * speed every allocation counts) plus its state and what it settles: its promise, or its listener.
 */
export class PublishJob implements PublishRequest {
  /** See {@link JobPhase}. */
  phase: JobPhase = 'waiting';
  /** True once the promise is resolved or rejected. */
  settled = false;
  /** True while counted in the offline queue's bounds. */
  queued = false;
  /** The lane (or conflation stage) holding the job while it waits. */
  holder: JobHolder | undefined = undefined;
  /** Pending timeout, if any. */
  timer: Subscription | undefined = undefined;
  /** Hears the settlement (metrics), if anyone asked. */
  observer: PublishSettled | undefined = undefined;
  /** Hears the settlement instead of a promise (set before the job enters the pipeline). */
  listener: SettlementListener | undefined = undefined;
  /** What `publish()` returns, once {@link PublishJob.createPromise} made it. */
  promise: Promise<PublishResult> | undefined = undefined;
  private resolve: ((result: PublishResult) => void) | undefined = undefined;
  private reject: ((error: MqttConnectorError) => void) | undefined = undefined;

  constructor(
    readonly topic: string,
    readonly payload: Uint8Array,
    readonly qos: QoS,
    readonly retain: boolean,
    readonly properties: MessageProperties | undefined,
    readonly timeout: number,
    readonly packetSize: number,
  ) {}

  /** Makes the promise this job settles (for `publish()`; a job with a listener has none). */
  createPromise(): Promise<PublishResult> {
    this.promise = new Promise<PublishResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    return this.promise;
  }

  /** Resolves the promise (once). */
  succeed(status: PublishStatus, reasonCode: number): void {
    if (this.settled) return;
    this.finish();
    const result = resultFor(this.topic, this.qos, this.retain, this.payload.byteLength, status, reasonCode);
    this.observer?.(this.topic, this.qos, result, undefined);
    if (this.listener) this.listener.settled(result, undefined);
    else this.resolve?.(result);
  }

  /** Rejects the promise (once). */
  fail(error: MqttConnectorError): void {
    if (this.settled) return;
    this.finish();
    this.observer?.(this.topic, this.qos, undefined, error);
    if (this.listener) this.listener.settled(undefined, error);
    else this.reject?.(error);
  }

  private finish(): void {
    this.settled = true;
    if (this.timer) {
      this.timer.unsubscribe();
      this.timer = undefined;
    }
  }
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
