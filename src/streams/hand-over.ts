/**
 * The last step of the publish pipeline: handing a job to the {@link MqttPort} within the in-flight
 * window, and settling it when MQTT.js is done with it (written, acknowledged, refused). Jobs handed
 * over stay tracked (in order) so a close can reject the ones still pending.
 *
 * @internal
 */
import { PublishFailedError } from '../connector/errors.js';
import type { QoS } from '../connector/types.js';
import { InFlightWindow, type WindowLimits } from './in-flight-window.js';
import type { ConnAck, MqttPort, PublishAck } from './port.js';
import type { PublishJob } from './publish-job.js';
import { brokerLimitProblem } from './publish-request.js';
import type { PublishLog } from './publish-types.js';
import { typed } from './pipeline-settings.js';
import { RingDeque } from './ring-deque.js';

/** Default QoS 1/2 window when the broker states no Receive Maximum. */
export const DEFAULT_MAX_IN_FLIGHT = 100;
/**
 * Default QoS 2 window when the broker states no Receive Maximum: one below stock mosquitto's
 * `max_inflight_messages` (20). Mosquitto counts the inbound QoS 2 messages awaiting PUBREL against that
 * quota and, once it is full, answers a QoS 1 PUBLISH with a normal PUBACK and drops it (MQTT 3.1.1 has no
 * reason code to say so); at 19 the quota is never full.
 */
export const DEFAULT_MAX_IN_FLIGHT_QOS2 = 19;

/**
 * An optional fast path of the {@link MqttPort}: `publish` with a completion callback instead of a
 * promise. Same contract as `MqttPort.publish` (the callback runs once, with an error or the ack). It
 * saves a promise and three closures per message and lets a QoS 0 write that finishes synchronously (the
 * connector's own writes, src/connector/direct-qos0.ts) free its window slot at once, so a caller's loop
 * keeps writing; the pipeline uses it when the port has it.
 */
export type PublishCallbackPort = Required<Pick<MqttPort, 'publishCallback'>>;

/** Window settings from the pipeline options. */
export interface HandOverSettings {
  /** Explicit `maxInFlight`, or undefined for the broker's Receive Maximum / the defaults. */
  readonly maxInFlight: number | undefined;
  readonly maxPendingWrites: number;
}

/** Hands jobs to the port and settles them. */
export class HandOver {
  private readonly window: InFlightWindow;
  private readonly publishCallback: PublishCallbackPort['publishCallback'] | undefined;
  /** Handed over, in order; settled ones leave from the front as acks arrive (mostly in order). */
  private readonly sent = new RingDeque<PublishJob>();
  private unsettled = 0;
  /** Bumped by {@link HandOver.failAll}: completions of older hand-overs are ignored. */
  private generation = 0;
  private connack: ConnAck | undefined;

  /** @param finished - called after each completion (window room may have been freed). */
  constructor(
    private readonly port: MqttPort,
    private readonly settings: HandOverSettings,
    private readonly log: PublishLog,
    private readonly finished: () => void,
  ) {
    this.window = new InFlightWindow(this.limitsFor(undefined));
    const fast = (port as Partial<PublishCallbackPort>).publishCallback;
    this.publishCallback = typeof fast === 'function' ? fast.bind(port) : undefined;
  }

  /** Takes the limits of a new connection (Receive Maximum, Maximum Packet Size, ...). */
  configure(connack: ConnAck | undefined): void {
    this.connack = connack;
    this.window.configure(this.limitsFor(connack));
  }

  /** True when a publish with this QoS fits in the window now. */
  hasRoom(qos: QoS): boolean {
    return this.window.hasRoom(qos);
  }

  /** Handed over and not finished by MQTT.js (including timed-out ones it still holds). */
  get inFlight(): number {
    return this.window.size;
  }

  /** Handed over and not settled. */
  get pending(): number {
    return this.unsettled;
  }

  /** Hands `job` to the port (or rejects it if this broker's limits refuse it). */
  send(job: PublishJob): void {
    const problem = brokerLimitProblem(job, this.connack);
    if (problem) {
      // Queued before this broker's CONNACK told us its limits; sending it would get us disconnected.
      job.phase = 'gone';
      this.log('warn', 'Queued publish refused by the broker limits', {
        topic: job.topic,
        code: problem.code,
      });
      job.fail(problem);
      return;
    }
    job.phase = 'sent';
    this.window.acquire(job.qos);
    this.sent.push(job);
    this.unsettled++;
    const generation = this.generation;
    try {
      if (this.publishCallback) {
        this.publishCallback(job.topic, job.payload, job, (error, ack) =>
          this.complete(job, generation, ack, error),
        );
      } else {
        this.port.publish(job.topic, job.payload, job).then(
          (ack) => this.complete(job, generation, ack, undefined),
          (error: unknown) => this.complete(job, generation, undefined, error),
        );
      }
    } catch (error) {
      this.complete(job, generation, undefined, error);
    }
  }

  /** A handed-over job timed out (the caller rejects it); its window slot stays until MQTT.js is done. */
  timedOut(job: PublishJob): void {
    if (!job.settled) this.unsettled--;
  }

  /** Forgets everything in flight and returns the unsettled jobs (for the caller to reject). */
  failAll(): PublishJob[] {
    this.generation++;
    const pending = this.sent.drain().filter((job) => !job.settled);
    this.unsettled = 0;
    this.window.reset();
    return pending;
  }

  private complete(job: PublishJob, generation: number, ack: PublishAck | undefined, error: unknown): void {
    if (generation !== this.generation) return; // closed meanwhile: already rejected, window reset
    this.window.release(job.qos);
    if (!job.settled) this.unsettled--;
    if (ack === undefined) job.fail(typed(error));
    else if (ack.reasonCode >= 0x80) {
      job.fail(
        new PublishFailedError(
          `The broker refused the publish to ${JSON.stringify(job.topic)}`,
          ack.reasonCode,
        ),
      );
    } else job.succeed(job.qos === 0 ? 'written' : 'acknowledged', ack.reasonCode);
    for (let first = this.sent.peek(); first?.settled; first = this.sent.peek()) this.sent.shift();
    if (this.sent.size > 2 * this.unsettled + 1024) this.sent.retain((queued) => !queued.settled);
    this.finished();
  }

  private limitsFor(connack: ConnAck | undefined): WindowLimits {
    const receiveMaximum = connack?.receiveMaximum;
    const stated = this.settings.maxInFlight ?? receiveMaximum;
    const maxInFlight = Math.min(stated ?? DEFAULT_MAX_IN_FLIGHT, receiveMaximum ?? Number.POSITIVE_INFINITY);
    const maxQos2 = stated === undefined ? Math.min(maxInFlight, DEFAULT_MAX_IN_FLIGHT_QOS2) : maxInFlight;
    return { maxInFlight, maxQos2, maxWrites: this.settings.maxPendingWrites };
  }
}
