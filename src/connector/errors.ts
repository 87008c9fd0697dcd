/**
 * Every error that mqtt-connector throws, rejects with or reports is an {@link MqttConnectorError}
 * with a stable string {@link MqttConnectorError.code | code}. Switch on the code, not on the message.
 *
 * @packageDocumentation
 */

/** The stable codes of {@link MqttConnectorError}; new codes may be added, none will be renamed. */
export type MqttErrorCode =
  | 'INVALID_OPTIONS'
  | 'INVALID_TOPIC'
  | 'INVALID_QOS'
  | 'INVALID_ARGUMENT'
  | 'ENCODE_FAILED'
  | 'DECODE_FAILED'
  | 'PAYLOAD_TOO_LARGE'
  | 'QUEUE_FULL'
  | 'SUPERSEDED'
  | 'PUBLISH_FAILED'
  | 'CONNECTION_REFUSED'
  | 'CONNECTION_FAILED'
  | 'CONNECTION_LOST'
  | 'SUBSCRIBE_REFUSED'
  | 'TIMEOUT'
  | 'CLOSED';

/** Options common to every {@link MqttConnectorError}. */
export interface MqttConnectorErrorOptions {
  /** The underlying error (from MQTT.js, the socket, a decoder, ...), if any. */
  cause?: unknown;
}

/**
 * The base class of every error mqtt-connector produces. It is a plain `Error` with a stable
 * {@link MqttConnectorError.code | code}.
 *
 * @example
 * ```ts
 * try {
 *   await connector.publish('a/+/b', 'x');
 * } catch (error) {
 *   if (error instanceof MqttConnectorError && error.code === 'INVALID_TOPIC') console.log(error.message);
 * }
 * ```
 */
export class MqttConnectorError extends Error {
  /** Stable, machine-readable reason: one of {@link MqttErrorCode}. */
  readonly code: MqttErrorCode;

  constructor(code: MqttErrorCode, message: string, options: MqttConnectorErrorOptions = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    if (options.cause !== undefined) {
      Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false, writable: true });
    }
  }
}

/** Options given to the constructor are invalid; the message says which and what is allowed. */
export class InvalidOptionsError extends MqttConnectorError {
  constructor(message: string) {
    super('INVALID_OPTIONS', message);
  }
}

/** A topic (for publish) or topic filter (for subscribe) breaks MQTT's rules. */
export class InvalidTopicError extends MqttConnectorError {
  /** The offending topic or filter, as given. */
  readonly topic: string;
  constructor(topic: string, reason: string) {
    super('INVALID_TOPIC', `Invalid topic ${JSON.stringify(truncate(topic))}: ${reason}`);
    this.topic = topic;
  }
}

/** A QoS other than 0, 1 or 2. */
export class InvalidQosError extends MqttConnectorError {
  constructor(qos: unknown) {
    super('INVALID_QOS', `Invalid QoS ${describe(qos)}: use 0, 1 or 2`);
  }
}

/** Some other argument has the wrong type or value; the message says which. */
export class InvalidArgumentError extends MqttConnectorError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/** A message could not be turned into bytes (circular JSON, BigInt, a function, a failing encoder, ...). */
export class EncodeError extends MqttConnectorError {
  constructor(message: string, options: MqttConnectorErrorOptions = {}) {
    super('ENCODE_FAILED', message, options);
  }
}

/** One problem a schema validator found in a payload. */
export interface DecodeIssue {
  /** What is wrong, in the validator's words. */
  readonly message: string;
  /** Where in the value (keys and indexes), when the validator says. */
  readonly path?: readonly unknown[];
}

/** An incoming payload could not be decoded or failed its schema. Reported as a value; never ends a stream. */
export class DecodeError extends MqttConnectorError {
  /** The topic the message arrived on. */
  readonly topic: string;
  /** The payload exactly as received. */
  readonly raw: Uint8Array;
  /** Schema issues, when a Standard Schema validator refused the value. */
  readonly issues: readonly DecodeIssue[];
  constructor(
    topic: string,
    raw: Uint8Array,
    message: string,
    options: MqttConnectorErrorOptions & {
      issues?: readonly { message: string; path?: readonly unknown[] }[];
    } = {},
  ) {
    super(
      'DECODE_FAILED',
      `Cannot decode message on ${JSON.stringify(truncate(topic))}: ${message}`,
      options,
    );
    this.topic = topic;
    this.raw = raw;
    this.issues = options.issues ?? [];
  }
}

/** The encoded message is larger than the broker (MQTT 5 Maximum Packet Size) or the protocol allows. */
export class PayloadTooLargeError extends MqttConnectorError {
  constructor(message: string) {
    super('PAYLOAD_TOO_LARGE', message);
  }
}

/** The offline queue was full; the overflow policy dropped this publish. */
export class QueueFullError extends MqttConnectorError {
  constructor(message: string) {
    super('QUEUE_FULL', message);
  }
}

/**
 * Reserved; never thrown. In `'latest'` conflation mode a publish that a newer one on the same topic
 * replaces before it is sent resolves with status `'superseded'` instead of rejecting (a rejection nobody
 * awaits would crash Node). The code stays in {@link MqttErrorCode} so that it is never reused.
 */
export class SupersededError extends MqttConnectorError {
  constructor(topic: string) {
    super(
      'SUPERSEDED',
      `Superseded by a newer message on ${JSON.stringify(truncate(topic))} within the throttle window`,
    );
  }
}

/** The broker refused a publish (MQTT 5 PUBACK/PUBREC reason code of 0x80 or more). */
export class PublishFailedError extends MqttConnectorError {
  /** The broker's reason code, when it gave one. */
  readonly reasonCode: number | undefined;
  constructor(message: string, reasonCode?: number, options: MqttConnectorErrorOptions = {}) {
    super('PUBLISH_FAILED', message, options);
    this.reasonCode = reasonCode;
  }
}

/** The broker refused the connection in its CONNACK (bad credentials, not authorized, banned, ...). */
export class ConnectionRefusedError extends MqttConnectorError {
  /** The CONNACK return code (MQTT 3.1.1: 1-5) or reason code (MQTT 5: 0x80 and above). */
  readonly reasonCode: number;
  /** True when retrying cannot help (credentials, authorization, ban, bad client id, protocol). */
  readonly fatal: boolean;
  constructor(reasonCode: number, message: string, fatal: boolean, options: MqttConnectorErrorOptions = {}) {
    super('CONNECTION_REFUSED', message, options);
    this.reasonCode = reasonCode;
    this.fatal = fatal;
  }
}

/** A connection attempt failed before CONNACK (socket error, TLS failure, CONNACK timeout). Retried. */
export class ConnectionFailedError extends MqttConnectorError {
  constructor(message: string, options: MqttConnectorErrorOptions = {}) {
    super('CONNECTION_FAILED', message, options);
  }
}

/** An established connection went away (socket closed, keepalive timeout, broker DISCONNECT). Retried. */
export class ConnectionLostError extends MqttConnectorError {
  constructor(message: string, options: MqttConnectorErrorOptions = {}) {
    super('CONNECTION_LOST', message, options);
  }
}

/** The broker refused a subscription in its SUBACK; only that filter's observers get this error. */
export class SubscribeRefusedError extends MqttConnectorError {
  /** The filter as the broker saw it. */
  readonly filter: string;
  /** The SUBACK return/reason code (0x80 or more). */
  readonly reasonCode: number;
  constructor(filter: string, reasonCode: number) {
    super(
      'SUBSCRIBE_REFUSED',
      `The broker refused the subscription to ${JSON.stringify(truncate(filter))} (reason code 0x${reasonCode.toString(16)})`,
    );
    this.filter = filter;
    this.reasonCode = reasonCode;
  }
}

/** An operation did not finish within its timeout. */
export class TimeoutError extends MqttConnectorError {
  constructor(message: string) {
    super('TIMEOUT', message);
  }
}

/** The connector was disconnected or failed for good; the operation cannot complete. */
export class ClosedError extends MqttConnectorError {
  constructor(message: string, options: MqttConnectorErrorOptions = {}) {
    super('CLOSED', message, options);
  }
}

/** True when `value` is an {@link MqttConnectorError}, optionally with the given code. */
export function isMqttConnectorError(value: unknown, code?: MqttErrorCode): value is MqttConnectorError {
  return value instanceof MqttConnectorError && (code === undefined || value.code === code);
}

function truncate(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(truncate(value));
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return `of type ${typeof value}`;
}
