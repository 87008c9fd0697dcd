/**
 * The publish side of the connector: `publish()` → checks and encoding at the call → a pacing lane
 * (offline queue while paused) → the in-flight window → the {@link MqttPort}. Every publish settles
 * exactly once: resolved when written (QoS 0), acknowledged (QoS 1/2) or superseded (`'latest'` mode);
 * rejected with a typed {@link MqttConnectorError} otherwise.
 *
 * @internal
 */
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { type MqttConnectorError, TimeoutError } from '../connector/errors.js';
import { FlushWait } from './flush-wait.js';
import { HandOver } from './hand-over.js';
import type { LaneHost, QueueLane } from './lanes.js';
import { OfflineQueue } from './offline-queue.js';
import { LaneRouter, type PacingSettings } from './pacing.js';
import type { MqttPort } from './port.js';
import type { SettlementListener } from './listener-publish.js';
import { PublishJob } from './publish-job.js';
import { brokerLimitProblem, preparePublish, type RequestContext } from './publish-request.js';
import type { PublishLog, PublishOptions, PublishPipelineOptions, PublishResult } from './publish-types.js';
import { resolveSettings, typed } from './pipeline-settings.js';
import { RingDeque } from './ring-deque.js';

export { DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_IN_FLIGHT_QOS2, type PublishCallbackPort } from './hand-over.js';

/** Options of {@link PublishPipeline.close}. */
export interface CloseOptions {
  /** First wait, while resumed, until everything queued was sent and acknowledged. Default false. */
  readonly flush?: boolean;
}

/**
 * Ordered, paced, bounded publishing over an {@link MqttPort}. Starts paused: publishes queue until
 * {@link PublishPipeline.resume}.
 *
 * @example
 * ```ts
 * const pipeline = new PublishPipeline(port, { throttleInterval: 0 });
 * port.connack$.subscribe(() => pipeline.resume());
 * port.connectionLost$.subscribe(() => pipeline.pause());
 * const result = await pipeline.publish('sensors/1', { celsius: 21.5 }, { qos: 1 });
 * ```
 */
export class PublishPipeline {
  private readonly scheduler: SchedulerLike;
  private readonly log: PublishLog;
  private readonly context: RequestContext;
  private readonly pacing: PacingSettings;
  private readonly queue: OfflineQueue;
  private readonly handOver: HandOver;
  private readonly host: LaneHost;
  private router: LaneRouter;
  private readonly blockedLanes = new RingDeque<QueueLane>();
  /** True while {@link wakeBlocked} runs; `wakeAgain` asks it for another pass (room was freed meanwhile). */
  private waking = false;
  private wakeAgain = false;
  private resumed = false;
  /** Set by close(): new publishes reject with it. */
  private closedWith: MqttConnectorError | undefined;
  private readonly flush = new FlushWait(() => this.isDrained());

  /** Observability hook: told of every publish that passed validation. */
  private readonly onAccepted: PublishPipelineOptions['onAccepted'];
  private readonly onSettled: PublishPipelineOptions['onSettled'];

  /** @throws InvalidOptionsError for an invalid option (the message names it). */
  constructor(
    private readonly port: MqttPort,
    options: PublishPipelineOptions = {},
  ) {
    const settings = resolveSettings(options);
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.log = options.log ?? (() => undefined);
    this.onAccepted = options.onAccepted;
    this.onSettled = options.onSettled;
    this.context = settings.context;
    this.pacing = settings.pacing;
    this.queue = new OfflineQueue(settings.limits, settings.overflow, {
      remove: (job) => this.removeWaiting(job),
      log: this.log,
    });
    this.handOver = new HandOver(port, settings, this.log, () => {
      this.wakeBlocked();
      this.flush.check();
    });
    this.host = this.createHost();
    this.router = new LaneRouter(this.host, this.pacing);
  }

  /**
   * Publishes `message` to `topic`. Never throws: every problem is a rejection with a typed error.
   *
   * @returns resolves with a {@link PublishResult} once written (QoS 0), acknowledged (QoS 1/2) or
   *   superseded (`'latest'` mode); rejects with INVALID_TOPIC, INVALID_QOS, INVALID_ARGUMENT,
   *   ENCODE_FAILED, PAYLOAD_TOO_LARGE (at the call), QUEUE_FULL, TIMEOUT, PUBLISH_FAILED or CLOSED.
   */
  publish(topic: string, message: unknown, options?: PublishOptions): Promise<PublishResult> {
    const job = this.accept(topic, message, options);
    if (!(job instanceof PublishJob)) return Promise.reject(job);
    const promise = job.createPromise();
    this.enter(job);
    return promise;
  }

  /**
   * {@link PublishPipeline.publish} without a promise: `listener` hears the same settlement, exactly
   * once (synchronously when the publish is refused at the call). For callers that publish large
   * bursts (the `publishTo` operator): no promise, resolving functions or reactions per message.
   */
  publishWithListener(
    topic: string,
    message: unknown,
    options: PublishOptions | undefined,
    listener: SettlementListener,
  ): void {
    const job = this.accept(topic, message, options);
    if (!(job instanceof PublishJob)) return listener.settled(undefined, job);
    job.listenWith(listener);
    this.enter(job);
  }

  /** The checked, encoded job of a publish, or the typed error that refuses it at the call. */
  private accept(topic: string, message: unknown, options: unknown): PublishJob | MqttConnectorError {
    if (this.closedWith) return this.closedWith;
    try {
      const job = preparePublish(topic, message, options, this.context);
      return brokerLimitProblem(job, this.port.currentConnAck()) ?? job;
    } catch (error) {
      return typed(error);
    }
  }

  /** Counts an accepted job, starts its timeout and hands it to its lane. */
  private enter(job: PublishJob): void {
    job.observer = this.onSettled;
    this.onAccepted?.(job.topic, job.qos);
    if (job.timeout > 0) {
      job.timer = this.scheduler.schedule(() => this.expire(job), job.timeout);
    }
    try {
      this.router.submit(job);
    } catch (error) {
      job.phase = 'gone';
      job.fail(typed(error));
    }
  }

  /** Connected (and subscriptions restored): waiting publishes flow again, in order, still paced. */
  resume(): void {
    if (this.closedWith && !this.flush.waiting) return;
    this.resumed = true;
    this.handOver.configure(this.port.currentConnAck());
    this.router.pumpAll();
  }

  /**
   * Connection lost: new and not-yet-sent publishes wait in the offline queue. QoS 1/2 publishes already
   * handed to MQTT.js stay pending (it re-sends them after the reconnect); QoS 0 ones whose write had not
   * finished are failed by the port (PUBLISH_FAILED), which frees their window slots.
   */
  pause(): void {
    this.resumed = false;
    this.flush.end(); // nothing can flow any more: a flush waiting for it ends
  }

  /**
   * Closes the pipeline (the connector disconnected or failed): every pending and queued publish rejects
   * with `error`, and so does every later publish until {@link PublishPipeline.reopen}.
   *
   * With `flush`, it first waits until everything queued was sent and acknowledged; new publishes are
   * refused meanwhile. If the pipeline is paused at that moment (e.g. connected but still restoring
   * subscriptions), the wait includes the coming `resume()`. A `pause()` (connection lost), a close
   * without flush, or draining ends the wait; the caller bounds it in time (the connector's
   * `disconnectTimeout`).
   */
  async close(error: MqttConnectorError, options: CloseOptions = {}): Promise<void> {
    this.closedWith = error;
    if (options.flush && !this.isDrained()) await this.flush.wait();
    else this.flush.end();
    if (this.closedWith) this.failAll(this.closedWith);
  }

  /** Accepts publishes again after {@link PublishPipeline.close}; they wait until `resume()`. */
  reopen(): void {
    this.closedWith = undefined;
  }

  /** Publishes waiting (offline, for pacing or for window room). */
  queuedCount(): number {
    return this.queue.count;
  }

  /** Payload bytes of the waiting publishes. */
  queuedBytes(): number {
    return this.queue.bytes;
  }

  /** Lanes alive for `topicThrottle` rules (each is dropped once idle); for diagnostics. */
  laneCount(): number {
    return this.router.size;
  }

  /** Publishes handed to MQTT.js and not finished (QoS 0 being written, QoS 1/2 unacknowledged). */
  inFlightCount(): number {
    return this.handOver.inFlight;
  }

  private createHost(): LaneHost {
    return {
      scheduler: this.scheduler,
      canSend: (job) => this.resumed && this.handOver.hasRoom(job.qos),
      isResumed: () => this.resumed,
      send: (job) => {
        this.queue.leave(job);
        job.holder = undefined;
        this.handOver.send(job);
      },
      admit: (job) => this.queue.admit(job),
      blocked: (lane) => {
        lane.blocked = true;
        this.blockedLanes.push(lane);
      },
      supersede: (job) => {
        this.removeWaiting(job);
        job.succeed('superseded', 0);
      },
      idle: (lane) => this.router.release(lane),
    };
  }

  /**
   * Window room was freed: let each lane that waited for it try again (each at most once per pass).
   * A write the port finishes inside the hand-over frees room while this runs; that only asks for
   * another pass, so the lanes are woken one after another rather than one inside the other (thousands
   * of waiting lanes would otherwise overflow the stack).
   */
  private wakeBlocked(): void {
    if (this.waking) {
      this.wakeAgain = true;
      return;
    }
    this.waking = true;
    try {
      do {
        this.wakeAgain = false;
        for (let n = this.blockedLanes.size; n > 0; n--) {
          const lane = this.blockedLanes.shift() as QueueLane;
          lane.blocked = false;
          lane.pump();
        }
      } while (this.wakeAgain && this.blockedLanes.size > 0);
    } finally {
      this.waking = false;
    }
  }

  private expire(job: PublishJob): void {
    if (job.settled) return;
    const { topic, timeout } = job;
    if (job.phase === 'waiting') {
      this.removeWaiting(job);
      job.fail(
        new TimeoutError(
          `Publish to ${JSON.stringify(topic)} timed out after ${timeout} ms before it was sent; it was removed from the queue and will not be sent`,
        ),
      );
    } else {
      this.handOver.timedOut(job);
      job.fail(
        new TimeoutError(
          `Publish to ${JSON.stringify(topic)} was not acknowledged within ${timeout} ms; it was handed to MQTT.js and may still be delivered`,
        ),
      );
    }
    this.flush.check();
  }

  private removeWaiting(job: PublishJob): void {
    job.phase = 'gone';
    this.queue.leave(job);
    job.holder?.removed(job);
    job.holder = undefined;
  }

  private isDrained(): boolean {
    return this.queue.count === 0 && this.handOver.pending === 0;
  }

  private failAll(error: MqttConnectorError): void {
    this.resumed = false;
    const waiting = this.router.drainWaiting();
    this.router.dispose();
    this.router = new LaneRouter(this.host, this.pacing);
    const pending = this.handOver.failAll();
    this.queue.reset();
    this.blockedLanes.clear();
    if (pending.length + waiting.length > 0) {
      this.log('info', 'Publish pipeline closed: rejecting pending publishes', {
        pending: pending.length,
        queued: waiting.length,
        code: error.code,
      });
    }
    for (const job of pending) job.fail(error);
    for (const job of waiting) {
      job.phase = 'gone';
      job.queued = false;
      job.holder = undefined;
      job.fail(error);
    }
  }
}
