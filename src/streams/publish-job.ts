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
import type { PublishRequest } from './publish-request.js';
import type { PublishResult, PublishStatus } from './publish-types.js';

/** Where a job is. */
export type JobPhase = 'waiting' | 'sent' | 'gone';

/** Whatever holds a waiting job (a lane) and must hear when it leaves early. */
export interface JobHolder {
  /** `job` left the `waiting` phase without being taken by its holder (timeout, overflow, close). */
  removed(job: PublishJob): void;
}

/** A publish in the pipeline. */
export class PublishJob {
  /** See {@link JobPhase}. */
  phase: JobPhase = 'waiting';
  /** True once the promise is resolved or rejected. */
  settled = false;
  /** True while counted in the offline queue's bounds. */
  queued = false;
  /** The lane (or conflation stage) holding the job while it waits. */
  holder: JobHolder | undefined;
  /** Pending timeout, if any. */
  timer: Subscription | undefined;

  constructor(
    readonly request: PublishRequest,
    private readonly resolve: (result: PublishResult) => void,
    private readonly reject: (error: MqttConnectorError) => void,
  ) {}

  /** Shorthand for `request.topic`. */
  get topic(): string {
    return this.request.topic;
  }

  /** Resolves the promise (once). */
  succeed(status: PublishStatus, reasonCode: number): void {
    if (this.settled) return;
    this.finish();
    const { topic, qos, retain, payload } = this.request;
    this.resolve({ topic, qos, retain, bytes: payload.byteLength, status, reasonCode });
  }

  /** Rejects the promise (once). */
  fail(error: MqttConnectorError): void {
    if (this.settled) return;
    this.finish();
    this.reject(error);
  }

  private finish(): void {
    this.settled = true;
    if (this.timer) {
      this.timer.unsubscribe();
      this.timer = undefined;
    }
  }
}

/** Creates a job together with the promise it settles. */
export function createJob(request: PublishRequest): { job: PublishJob; promise: Promise<PublishResult> } {
  let resolve!: (result: PublishResult) => void;
  let reject!: (error: MqttConnectorError) => void;
  const promise = new Promise<PublishResult>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { job: new PublishJob(request, resolve, reject), promise };
}
