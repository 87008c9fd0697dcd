/**
 * Public types of the publish side: what `publish()` accepts and resolves with, and how the publish
 * pipeline is configured (pacing, conflation, offline queue, encoding, flow control).
 *
 * @packageDocumentation
 */
import type { SchedulerLike } from 'rxjs';
import type { MqttConnectorError } from '../connector/errors.js';
import type {
  Encoder,
  LogLevel,
  MessageProperties,
  OverflowPolicy,
  QoS,
  ThrottleMode,
} from '../connector/types.js';

/**
 * Options of one `publish()`.
 *
 * @example
 * ```ts
 * await connector.publish('devices/42/state', { on: true }, { qos: 1, retain: true, timeout: 5000 });
 * ```
 */
export interface PublishOptions {
  /** Quality of service: 0 (default), 1 or 2. Anything else rejects with `INVALID_QOS`. */
  qos?: QoS;
  /** Ask the broker to retain the message (default `false`). Must be a boolean (`INVALID_ARGUMENT` otherwise). */
  retain?: boolean;
  /**
   * MQTT 5 properties (user properties, `messageExpiryInterval` in seconds, `responseTopic`,
   * `correlationData`, `contentType`, ...), sent as given. Ignored on MQTT 3.1.1. On MQTT 5 a JSON-encoded
   * message gets `contentType: 'application/json'` and text gets `payloadFormatIndicator: true` unless set
   * here. `subscriptionIdentifier` is refused (only brokers send it).
   */
  properties?: MessageProperties;
  /**
   * Milliseconds after which the publish rejects with `TIMEOUT` if it has not settled; `0` or `Infinity`
   * = no timeout. Default: the pipeline's `publishTimeout` (none unless configured). A message still
   * waiting in the queue when it times out is removed and never sent; one already handed to MQTT.js may
   * still be delivered (MQTT cannot take a sent message back).
   */
  timeout?: number;
}

/**
 * How a publish ended successfully.
 * - `'written'`: QoS 0, written to the connection (MQTT has no acknowledgement for QoS 0).
 * - `'acknowledged'`: QoS 1 PUBACK or QoS 2 PUBCOMP received.
 * - `'superseded'`: `'latest'` mode only: a newer message on the same topic replaced this one before it
 *   was sent, so it was deliberately not sent. This is normal operation in that mode, so it resolves
 *   (a rejection nobody awaits would crash Node with an unhandled rejection).
 */
export type PublishStatus = 'written' | 'acknowledged' | 'superseded';

/** What a successful `publish()` resolves with. */
export interface PublishResult {
  /** The topic, as given. */
  readonly topic: string;
  /** The QoS it was published with. */
  readonly qos: QoS;
  /** The retain flag it was published with. */
  readonly retain: boolean;
  /** Encoded payload size in bytes. */
  readonly bytes: number;
  /** See {@link PublishStatus}. */
  readonly status: PublishStatus;
  /**
   * MQTT 5 PUBACK/PUBREC reason code below 0x80 (0 success, 0x10 "no matching subscribers") as far as the
   * client reports it (MQTT.js 5.16 gives 0 for every successful publish); 0 on MQTT 3.1.1, for QoS 0 and
   * for superseded messages. Refusals (0x80 and up) reject with `PUBLISH_FAILED` instead.
   */
  readonly reasonCode: number;
}

/** Bounds of the offline queue (everything accepted but not yet handed to MQTT.js). */
export interface QueueLimits {
  /** Maximum number of waiting messages. Default 100,000. */
  readonly messages: number;
  /** Maximum total encoded payload bytes of waiting messages. Default 64 MiB (67,108,864). */
  readonly bytes: number;
}

/**
 * Pacing of one topic (or group of topics), as returned by {@link TopicThrottle}. Fields left out take the
 * pipeline-wide `throttleInterval` / `throttleMode`.
 */
export interface TopicPacing {
  /** Minimum spacing in ms between messages of this lane; 0 = not paced at all. */
  readonly interval?: number;
  /** `'spaced'` (every message, spaced) or `'latest'` (newest per topic per window). */
  readonly mode?: ThrottleMode;
  /**
   * `'spaced'` only: topics returning the same `lane` name share one spacing (e.g. all of a device's
   * topics). Default: each topic is its own lane.
   */
  readonly lane?: string;
}

/**
 * Per-topic pacing rule: called once per `publish()` with the topic; return `undefined` for the
 * pipeline-wide pacing. Keep it cheap (a prefix test or a Map lookup).
 *
 * @example
 * ```ts
 * const topicThrottle: TopicThrottle = (topic) =>
 *   topic.startsWith('alarms/') ? { interval: 0 } :                      // never delayed
 *   topic.startsWith('telemetry/') ? { interval: 1000, mode: 'latest' } : // newest per topic, 1/s
 *   undefined;                                                          // global throttleInterval
 * ```
 */
export type TopicThrottle = (topic: string) => TopicPacing | undefined;

/** An encoder with the MQTT 5 content type it produces (set on each message unless the caller gives one). */
export interface EncoderSpec {
  /** Turns a message into bytes (or text, sent as UTF-8). Throw to refuse a value (`ENCODE_FAILED`). */
  readonly encode: Encoder;
  /** MQTT 5 content type of the result, e.g. `'application/msgpack'`. */
  readonly contentType?: string;
}

/** Receives the pipeline's log lines (the connector's logger). */
export type PublishLog = (level: LogLevel, message: string, context: Record<string, unknown>) => void;

/** Options of the publish pipeline. Every duration is in milliseconds. */
export interface PublishPipelineOptions {
  /**
   * Minimum spacing between consecutive publishes (in call order); 0 = full speed. Spacing delays, it
   * never drops. Default 100 (the connector's default).
   */
  throttleInterval?: number;
  /**
   * `'spaced'` (default): every message is sent, at least `throttleInterval` apart. `'latest'`: within
   * each `throttleInterval` window only the newest message per topic is sent (leading and trailing);
   * the others resolve at once with status `'superseded'`.
   */
  throttleMode?: ThrottleMode;
  /** Per-topic pacing; see {@link TopicThrottle}. Default: none (the global pacing for every topic). */
  topicThrottle?: TopicThrottle;
  /** Bounds of the offline queue; see {@link QueueLimits}. Default 100,000 messages / 64 MiB. */
  maxQueued?: Partial<QueueLimits>;
  /**
   * What happens when a publish would exceed `maxQueued`: `'error'` (default) refuses the new publish;
   * `'dropNewest'` drops it (the queue stays as it is, but the rejection is marked handled: dropping is
   * the configured behaviour); `'dropOldest'` drops the oldest waiting ones to make room (marked handled
   * too). Each of them rejects with `QUEUE_FULL`. A single message larger than `maxQueued.bytes` is never
   * queued.
   */
  overflow?: OverflowPolicy;
  /**
   * Encoder for every message that is not already bytes (strings included), e.g. MessagePack. Default:
   * strings as UTF-8, other values as strict JSON (see `encodeMessage`).
   */
  encoder?: Encoder | EncoderSpec;
  /** MQTT protocol: 4 (3.1.1, default) or 5. Properties are only sent with 5. */
  protocolVersion?: 4 | 5;
  /**
   * Maximum QoS 1/2 publishes handed to MQTT.js and not yet acknowledged. Default: the broker's Receive
   * Maximum (MQTT 5 CONNACK) when it states one, else 100, with QoS 2 further limited to 19 (stock
   * mosquitto 2.0 acknowledges and drops QoS 1/2 messages once 20 inbound QoS 2 await PUBREL on MQTT 3.1.1).
   * A whole number from 1 to 65,535 (one connection's packet identifiers; anything else is refused with
   * `INVALID_OPTIONS`); never more than the broker's Receive Maximum when its CONNACK states one.
   */
  maxInFlight?: number;
  /**
   * Maximum QoS 0 publishes handed to MQTT.js whose write has not finished (socket backpressure).
   * Default 100. Bounds MQTT.js's per-write `drain` listeners.
   */
  maxPendingWrites?: number;
  /** Default per-publish timeout (see {@link PublishOptions.timeout}). Default 0 = none. */
  publishTimeout?: number;
  /** Scheduler for pacing, conflation windows and timeouts (default `asyncScheduler`; tests inject one). */
  scheduler?: SchedulerLike;
  /** Log sink; default none. */
  log?: PublishLog;
  /** Called for every publish that passed validation (the connector's metrics and events). */
  onAccepted?: (topic: string, qos: QoS) => void;
  /**
   * Called once per accepted publish when it settles, with its result or the error it rejects with.
   * A hook instead of a `.then` on each promise: no closures or reactions per publish while it waits.
   */
  onSettled?: PublishSettled;
}

/** See {@link PublishPipelineOptions.onSettled}. */
export type PublishSettled = (
  topic: string,
  qos: QoS,
  result: PublishResult | undefined,
  error: MqttConnectorError | undefined,
) => void;
