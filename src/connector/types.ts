import type { IClientOptions } from 'mqtt';
import type { EncoderSpec, QueueLimits, TopicThrottle } from '../streams/publish-types.js';
import type { MqttConnectorError } from './errors.js';

/** MQTT quality of service: 0 at most once, 1 at least once, 2 exactly once. */
export type QoS = 0 | 1 | 2;

/** Where the connection is. See {@link ConnectionState}. */
export type ConnectionStatus =
  'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'failed';

/**
 * One state of the connection, as emitted by `state$`.
 *
 * - `idle`: created, `connect()` not called yet.
 * - `connecting`: the first connection is being made (with retries: `attempt` counts them).
 * - `connected`: CONNACK accepted.
 * - `reconnecting`: the connection was lost (or a first attempt failed after an earlier success);
 *   waiting `delayMs` before attempt number `attempt`, or making it.
 * - `disconnected`: `disconnect()` was called.
 * - `failed`: the connector gave up (attempts exhausted or a fatal CONNACK refusal); `error` says why.
 */
export interface ConnectionState {
  /** The status. */
  readonly status: ConnectionStatus;
  /** Failed attempts in a row; 0 when connected. */
  readonly attempt: number;
  /** Why we are (re)connecting, or failed. */
  readonly error?: MqttConnectorError;
  /** While waiting before the next attempt: the delay chosen by the backoff, in ms. */
  readonly delayMs?: number;
  /** When connected: whether the broker resumed a stored session (CONNACK session present). */
  readonly sessionPresent?: boolean;
  /** The broker this state refers to (URL without credentials). */
  readonly broker: string;
  /** When this state began (ms since the epoch, from the connector's scheduler). */
  readonly since: number;
}

/**
 * A message as observers receive it.
 *
 * @typeParam T - the decoded payload type.
 */
export interface MqttMessage<T = unknown> {
  /** The topic the message was published to (never the filter). */
  readonly topic: string;
  /** The decoded payload. */
  readonly payload: T;
  /** The payload bytes exactly as received. */
  readonly raw: Uint8Array;
  /** QoS at which the message was delivered. */
  readonly qos: QoS;
  /** True when this is a retained message (sent because we subscribed, or replayed from the retained cache). */
  readonly retain: boolean;
  /** True when the broker flagged this delivery as a possible duplicate (QoS 1/2 redelivery). */
  readonly dup: boolean;
  /** Values of named wildcards (`+name`, `#name`) of the filter; `{}` otherwise. */
  readonly params: Readonly<Record<string, string>>;
  /** MQTT 5 publish properties (user properties, content type, correlation data, ...), when present. */
  readonly properties?: MessageProperties;
}

/** MQTT 5 properties of a PUBLISH, in both directions. Ignored by MQTT 3.1.1 brokers. */
export interface MessageProperties {
  /** 0 = unspecified bytes, 1 = UTF-8 text. */
  payloadFormatIndicator?: boolean;
  /** Lifetime of the message in seconds; the broker drops it after that. */
  messageExpiryInterval?: number;
  /** MIME type of the payload, e.g. `application/json`. */
  contentType?: string;
  /** Topic the receiver should answer on (request/response). */
  responseTopic?: string;
  /** Opaque bytes that tie a response to its request. */
  correlationData?: Uint8Array;
  /** Application key/value pairs. */
  userProperties?: Record<string, string | string[]>;
  /**
   * Subscription identifiers that matched (incoming only). The connector chooses them; filters that never
   * match one topic together share one, so an identifier does not name a single filter.
   */
  subscriptionIdentifier?: number | number[];
  /** Topic alias (managed by MQTT.js; rarely set by hand). */
  topicAlias?: number;
}

/** A log entry handed to the log callback. Never contains passwords, tokens or URL credentials. */
export interface LogEntry {
  /** Severity. */
  readonly level: LogLevel;
  /** Human-readable text. */
  readonly message: string;
  /** Structured facts (state, attempt, delay, topic, error code, ...). Secrets are redacted. */
  readonly context: Readonly<Record<string, unknown>>;
  /** When it happened (ms since the epoch). */
  readonly time: number;
}

/** Log severities, from most to least verbose. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Receives log entries; see {@link LogEntry}. */
export type LogCallback = (entry: LogEntry) => void;

/** A value or a function that produces it (possibly asynchronously) before every connection attempt. */
export type Provider<T> = T | (() => T | Promise<T>);

/** Backoff jitter: none; equal (half fixed, half random); full (uniformly random up to the delay). */
export type Jitter = 'none' | 'equal' | 'full';

/** Last will: published by the broker when the connection dies without DISCONNECT. */
export interface WillOptions {
  /** Topic of the will message. */
  topic: string;
  /** Payload: string, bytes or any JSON value (encoded like {@link MqttConnector.publish}). */
  payload: unknown;
  /** QoS of the will, default 0. */
  qos?: QoS;
  /** Retain the will message, default false. */
  retain?: boolean;
  /** MQTT 5 will properties (e.g. `willDelayInterval`, `contentType`). */
  properties?: Record<string, unknown>;
}

/** TLS options for `mqtts://` and `wss://` (Node). Certificates are verified unless `rejectUnauthorized` is false. */
export interface TlsOptions {
  /** Trusted CA certificate(s), PEM. */
  ca?: string | Uint8Array | (string | Uint8Array)[];
  /** Client certificate, PEM (mutual TLS). */
  cert?: string | Uint8Array;
  /** Client private key, PEM (mutual TLS). */
  key?: string | Uint8Array;
  /** Passphrase of the private key. */
  passphrase?: string;
  /** Verify the server certificate (default true). Only turn off for tests. */
  rejectUnauthorized?: boolean;
  /** Server name for SNI and certificate checks, when it differs from the host. */
  servername?: string;
  /** ALPN protocols, e.g. `['mqtt']`. */
  ALPNProtocols?: string[];
}

/**
 * Overflow policy of the offline queue. Whatever it turns away rejects with `QUEUE_FULL`.
 * - `'error'`: the new publish is refused — an error for the caller to handle (back-pressure).
 * - `'dropNewest'`: the new publish is dropped (as Kotlin's `DROP_LATEST`); the queue keeps the same
 *   messages as with `'error'`, but dropping is the configured behaviour: the rejection is marked handled,
 *   so a publish nobody awaits raises no `unhandledRejection`.
 * - `'dropOldest'`: the oldest waiting publishes are dropped to make room (rejections marked handled too).
 */
export type OverflowPolicy = 'error' | 'dropOldest' | 'dropNewest';

/** Pacing mode: `'spaced'` sends every message (default); `'latest'` sends only the newest per topic per window. */
export type ThrottleMode = 'spaced' | 'latest';

/** Turns a message into bytes (e.g. MessagePack). Throw to refuse a value; it becomes `ENCODE_FAILED`. */
export type Encoder = (message: unknown, topic: string) => Uint8Array | string;

/** Options of {@link MqttConnector}. Durations are in milliseconds. */
export interface MqttConnectorOptions {
  /**
   * Broker host name (`localhost`) or URL (`mqtt://`, `mqtts://`, `ws://`, `wss://`, path included),
   * or a list of them: on a drop the connector moves on to the next one. Default `'localhost'`.
   */
  mqttBroker?: string | readonly string[];
  /** Port, when `mqttBroker` is a host name or a URL without port. Default 1883 (8883 for mqtts, 80/443 for ws/wss). */
  mqttPort?: number;
  /** Client identifier; default `mqtt_connector_<8 hex>`. */
  clientId?: string;
  /** First backoff delay after a failure, in ms: at least 1 (0 would retry in a tight loop). Default 5000. */
  reconnectInterval?: number;
  /** Upper bound of the backoff delay, in ms. Default 120000. */
  maxReconnectInterval?: number;
  /** Growth factor of the backoff delay per failed attempt. Default 2. */
  reconnectMultiplier?: number;
  /** Jitter applied to the backoff delay. Default `'equal'`. */
  reconnectJitter?: Jitter;
  /**
   * Retries after a failure before giving up (state `failed`); -1 retries forever. Applies to the first
   * connection and to every later drop; the count resets once connected. Default -1.
   */
  maxReconnectAttempts?: number;
  /** Minimum spacing between publishes in ms; 0 sends at full speed. Spacing delays, never drops. Default 100. */
  throttleInterval?: number;
  /**
   * `'spaced'` (default): every publish is sent, `throttleInterval` apart. `'latest'` (opt-in, for telemetry):
   * per topic, only the newest message of each window is sent; the others resolve with status `'superseded'`.
   */
  throttleMode?: ThrottleMode;
  /** Per-topic pacing: `(topic) => ({ interval?, mode?, lane? }) | undefined`. Default: the global pacing. */
  topicThrottle?: TopicThrottle;
  /** Bounds of the offline queue (publishes waiting for a connection). Default 100,000 messages / 64 MiB. */
  maxQueued?: Partial<QueueLimits>;
  /** When the offline queue is full: `'error'` (default: refuse the new publish), `'dropNewest'`, `'dropOldest'`; see {@link OverflowPolicy}. All of them reject with `QUEUE_FULL`. */
  overflow?: OverflowPolicy;
  /** Encoder for messages that are not bytes (e.g. MessagePack); default: strings as UTF-8, other values as JSON. */
  encoder?: Encoder | EncoderSpec;
  /** Most QoS 1/2 publishes awaiting their ack, 1 to 65,535. Default: the broker's Receive Maximum (MQTT 5), else 100 (QoS 2: 19). */
  maxInFlight?: number;
  /** Most QoS 0 publishes whose socket write has not finished (bounds MQTT.js's drain listeners). Default 100. */
  maxPendingWrites?: number;
  /** Default per-publish timeout in ms (`TIMEOUT`); 0 = none (default). */
  publishTimeout?: number;
  /** How long `disconnect()` may wait for queued and in-flight publishes to be sent and acknowledged, in ms. Default 5000. */
  disconnectTimeout?: number;
  /** Milliseconds before UNSUBSCRIBE once the last observer of a filter left (avoids churn). Default 0. */
  unsubscribeGracePeriod?: number;
  /** Bound of the retained-message cache (topics). Default 1000; 0 disables it. */
  maxRetained?: number;
  /** Bound of the retained-message cache: bytes of payloads, topics and MQTT 5 properties (approximately). Default 16 MiB. */
  maxRetainedBytes?: number;
  /**
   * Most filters per SUBSCRIBE / UNSUBSCRIBE packet (AWS IoT allows 8). On MQTT 5 with subscription
   * identifiers a SUBSCRIBE holds only filters sharing one identifier: exact filters share one, and wildcard
   * filters one per group of filters that never match one topic together. Default 100.
   */
  subscribeBatchSize?: number;
  /**
   * How many times a filter that the broker refuses while it is restored after a reconnect (it granted
   * it before; NATS does this while a cluster node is down) is subscribed again, 0.5 s apart doubling up
   * to 30 s, before its observers get SUBSCRIBE_REFUSED. Default 20 (about 7.5 minutes); -1 = no limit.
   */
  maxRestoreAttempts?: number;
  /** Topic on which `request()` receives responses (MQTT 5). Default `responses/<clientId>`. */
  responseTopic?: string;
  /** Username, or a provider called before every attempt (token refresh). */
  username?: Provider<string | undefined>;
  /** Password, or a provider called before every attempt. Never logged. */
  password?: Provider<string | Uint8Array | undefined>;
  /** MQTT protocol: 4 = 3.1.1 (default), 5 = MQTT 5. */
  protocolVersion?: 4 | 5;
  /** Start without a stored session (default true). With `false` (and, for MQTT 5, a session expiry) the broker keeps subscriptions and queued messages. */
  clean?: boolean;
  /** MQTT 5 session expiry in seconds (0 = ends with the connection). */
  sessionExpiryInterval?: number;
  /**
   * Keepalive in seconds (default 60; 0 disables): a PINGREQ goes once nothing was heard from the broker
   * for that long. A stream of acknowledgements restarts the count at most every 100 ms.
   */
  keepalive?: number;
  /** How long to wait for CONNACK, in ms. Default 10000. */
  connectTimeout?: number;
  /** Last will. */
  will?: WillOptions;
  /** TLS settings for `mqtts://` / `wss://`. */
  tls?: TlsOptions;
  /** Set TCP_NODELAY on the socket (default true): MQTT's small packets otherwise wait for delayed ACKs. */
  noDelay?: boolean;
  /** Minimum level of log entries handed to the log callback. Default `'info'`. */
  logLevel?: LogLevel;
  /** Log callback (same as calling `setLogCallback`). */
  logger?: LogCallback;
  /**
   * Any other MQTT.js client option (escape hatch). Options the connector owns are refused. The connector
   * sets MQTT.js's `writeCache` to `false` (MQTT.js's default `true` builds a 6.8 MB number cache on the
   * first packet); MQTT.js applies `false` to every client in the process, for good. `writeCache: true` here
   * keeps the cache, unless another client in the process was created with `false`.
   */
  mqtt?: Partial<IClientOptions>;
}
