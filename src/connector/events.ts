/**
 * What the connector does, as data: the facts the log callback hears, typed, on `events$`.
 *
 * @packageDocumentation
 */
import type { MqttConnectorError } from './errors.js';
import type { QoS } from './types.js';

/** Fields every {@link ConnectorEvent} has. */
interface EventBase {
  /** When it happened (ms since the epoch, from the connector's scheduler). */
  readonly time: number;
}

/**
 * A connection attempt starts: the first one of `connect()` (attempt 0) and every retry after it (attempt
 * n, once the wait of the `backoff` event with the same `attempt` is over).
 */
export interface AttemptEvent extends EventBase {
  /** What happened: the discriminator to switch on. */
  readonly type: 'attempt';
  /** The broker URL (without credentials) this attempt connects to. */
  readonly broker: string;
  /** Failed attempts before this one since the last success: 0 for the first attempt, n for the n-th retry. */
  readonly attempt: number;
}
/** The broker accepted the connection. */
export interface ConnectedEvent extends EventBase {
  /** What happened: the discriminator to switch on. */
  readonly type: 'connected';
  /** The broker URL (without credentials). */
  readonly broker: string;
  /** Whether the broker resumed a stored session. */
  readonly sessionPresent: boolean;
}
/** The connection ended: `lost` (dropped, will retry), `closed` (disconnect()) or `failed` (gave up). */
export interface DisconnectedEvent extends EventBase {
  /** What happened: the discriminator to switch on. */
  readonly type: 'disconnected';
  /** `lost` (dropped, will retry), `closed` (`disconnect()`) or `failed` (gave up). */
  readonly reason: 'lost' | 'closed' | 'failed';
  /** Why, as a typed error. */
  readonly error?: MqttConnectorError;
}
/** A retry was scheduled after a failure. */
export interface BackoffEvent extends EventBase {
  /** What happened: the discriminator to switch on. */
  readonly type: 'backoff';
  /** Failed attempts in a row so far: the number of the retry this wait leads to. */
  readonly attempt: number;
  /** How long the connector waits before the attempt, in ms. */
  readonly delayMs: number;
  /** Why, as a typed error. */
  readonly error: MqttConnectorError;
}
/** SUBSCRIBE sent for filters (`resubscribe` true when restoring subscriptions after a reconnect). */
export interface SubscribeEvent extends EventBase {
  /** What happened: the discriminator to switch on. */
  readonly type: 'subscribe';
  /** The broker filters in the packet. */
  readonly filters: readonly string[];
  /** True when restoring subscriptions after a reconnect without a stored session. */
  readonly resubscribe: boolean;
}
/** SUBACK received for a filter: the granted QoS, or the refusal code (>= 0x80). */
export interface SubackEvent extends EventBase {
  /** What happened: the discriminator to switch on. */
  readonly type: 'suback';
  /** The broker filter. */
  readonly filter: string;
  /** The granted QoS (0-2), or the refusal code (0x80 and above). */
  readonly granted: number;
}
/** UNSUBSCRIBE sent. */
export interface UnsubscribeEvent extends EventBase {
  /** What happened: the discriminator to switch on. */
  readonly type: 'unsubscribe';
  /** The broker filters in the packet. */
  readonly filters: readonly string[];
}
/** A publish was accepted (queued until it can be sent). */
export interface PublishQueuedEvent extends EventBase {
  /** What happened: the discriminator to switch on. */
  readonly type: 'publish-queued';
  /** The topic of the publish. */
  readonly topic: string;
  /** The QoS of the publish. */
  readonly qos: QoS;
}
/** A publish was handed to MQTT.js (written to the connection, or stored for re-sending). */
export interface PublishSentEvent extends EventBase {
  /** What happened: the discriminator to switch on. */
  readonly type: 'publish-sent';
  /** The topic of the publish. */
  readonly topic: string;
  /** The QoS of the publish. */
  readonly qos: QoS;
}
/** A publish settled successfully: `written` (QoS 0), `acknowledged` (QoS 1/2) or `superseded`. */
export interface PublishSettledEvent extends EventBase {
  /** What happened: the discriminator to switch on. */
  readonly type: 'publish-acked';
  /** The topic of the publish. */
  readonly topic: string;
  /** The QoS of the publish. */
  readonly qos: QoS;
  /** How it settled. */
  readonly status: 'written' | 'acknowledged' | 'superseded';
}
/** A publish was rejected (`QUEUE_FULL` for queue overflow, `TIMEOUT`, `CLOSED`, ...). */
export interface PublishFailedEvent extends EventBase {
  /** What happened: the discriminator to switch on. */
  readonly type: 'publish-failed';
  /** The topic of the publish. */
  readonly topic: string;
  /** Why, as a typed error. */
  readonly error: MqttConnectorError;
}
/** A payload failed to decode or validate (`DECODE_FAILED`), or a filter was refused. */
export interface ErrorReportedEvent extends EventBase {
  /** What happened: the discriminator to switch on. */
  readonly type: 'error-reported';
  /** Why, as a typed error. */
  readonly error: MqttConnectorError;
}

/** Everything `events$` emits; switch on `type`. */
export type ConnectorEvent =
  | AttemptEvent
  | ConnectedEvent
  | DisconnectedEvent
  | BackoffEvent
  | SubscribeEvent
  | SubackEvent
  | UnsubscribeEvent
  | PublishQueuedEvent
  | PublishSentEvent
  | PublishSettledEvent
  | PublishFailedEvent
  | ErrorReportedEvent;

/** A snapshot of the connector's counters, from `metrics()`. Counts since the connector was created. */
export interface ConnectorMetrics {
  /** `publish()` calls that passed validation. */
  readonly published: number;
  /** Publishes that settled successfully (written, acknowledged or superseded). */
  readonly acknowledged: number;
  /** Publishes that were rejected after validation (queue overflow, timeout, closed, broker refusal). */
  readonly failed: number;
  /** Publishes dropped by the offline queue's overflow policy (`QUEUE_FULL`); included in `failed`. */
  readonly dropped: number;
  /** Publishes waiting now (offline, pacing, in-flight window room). */
  readonly queued: number;
  /** Publishes handed to MQTT.js and not settled now. */
  readonly inFlight: number;
  /** Messages received from the broker. */
  readonly received: number;
  /** Payloads that failed to decode or validate. */
  readonly decodeFailures: number;
  /** Successful connections after the first. */
  readonly reconnects: number;
  /** Live broker filters. */
  readonly liveFilters: number;
  /** Milliseconds since the connection was lost; 0 while connected, before the first connection and after `disconnect()`. */
  readonly currentOutageMs: number;
  /** The longest outage so far (ms), the current one included. */
  readonly longestOutageMs: number;
  /** When the connector last connected (ms since the epoch), or undefined. */
  readonly lastConnectedAt: number | undefined;
}
