/**
 * Everything `publish()` checks at the call, turned into one validated, encoded request: the topic, the
 * options (QoS, retain, timeout, MQTT 5 properties), the payload, and its packet size against the
 * protocol and the broker's limits. Every failure is a typed {@link MqttConnectorError}.
 *
 * @internal
 */
import {
  InvalidArgumentError,
  InvalidQosError,
  type MqttConnectorError,
  PayloadTooLargeError,
} from '../connector/errors.js';
import type { Encoder, MessageProperties, QoS } from '../connector/types.js';
import { asBytes, encodeMessage, type EncodedPayload } from './encode.js';
import { merged } from './own-property.js';
import { MAX_REMAINING_LENGTH, packetSize, remainingLength } from './packet-size.js';
import { PublishJob } from './publish-job.js';
import type { ConnAck } from './port.js';
import { validateProperties } from './publish-properties.js';
import { validateTopicName } from './topic-name.js';

/** A publish that passed every check at the call. */
export interface PublishRequest {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: QoS;
  readonly retain: boolean;
  /** MQTT 5 properties to send; always `undefined` on MQTT 3.1.1. */
  readonly properties: MessageProperties | undefined;
  /** Milliseconds; 0 = no timeout. */
  readonly timeout: number;
  /** Size of the PUBLISH packet in bytes. */
  readonly packetSize: number;
}

/** Pipeline settings the checks depend on. */
export interface RequestContext {
  readonly protocolVersion: 4 | 5;
  readonly encoder: Encoder | undefined;
  readonly encoderContentType: string | undefined;
  /** Default timeout in ms (0 = none). */
  readonly defaultTimeout: number;
}

const NO_OPTIONS: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * Validates and encodes one publish, and returns it as a job ready for the pipeline.
 *
 * @throws InvalidTopicError, InvalidQosError, InvalidArgumentError, EncodeError, PayloadTooLargeError.
 */
export function preparePublish(
  topic: unknown,
  message: unknown,
  options: unknown,
  context: RequestContext,
): PublishJob {
  const topicBytes = validateTopicName(topic);
  const opts = readOptions(options);
  const qos = readQos(opts.qos);
  const retain = opts.retain ?? false;
  if (typeof retain !== 'boolean')
    throw new InvalidArgumentError(`retain must be a boolean, not ${typeof retain}`);
  const timeout = readTimeout(opts.timeout, context.defaultTimeout);
  const callerProperties = opts.properties === undefined ? undefined : validateProperties(opts.properties);
  // Bytes (the hot path) need no encoding and no properties: skip the EncodedPayload allocation.
  const bytes = asBytes(message);
  const encoded = bytes === undefined ? encodeMessage(message, topic as string, context.encoder) : undefined;
  const payload = bytes ?? (encoded as EncodedPayload).bytes;
  const properties =
    context.protocolVersion !== 5
      ? undefined
      : encoded === undefined
        ? callerProperties
        : withPayloadProperties(encoded, callerProperties, context);
  const remaining = remainingLength(topicBytes, payload.byteLength, qos, properties, context.protocolVersion);
  if (remaining > MAX_REMAINING_LENGTH) {
    throw new PayloadTooLargeError(
      `The message is too large for MQTT: the packet would need ${remaining} bytes after its header, the protocol allows ${MAX_REMAINING_LENGTH}`,
    );
  }
  return new PublishJob(topic as string, payload, qos, retain, properties, timeout, packetSize(remaining));
}

/**
 * What the connected broker would refuse about `request` (MQTT 5 CONNACK limits), or `undefined`.
 * Sending such a packet would make the broker close the connection, so it is refused here instead.
 */
export function brokerLimitProblem(
  request: PublishRequest,
  connack: ConnAck | undefined,
): MqttConnectorError | undefined {
  if (!connack) return undefined;
  if (connack.maximumPacketSize !== undefined && request.packetSize > connack.maximumPacketSize) {
    return new PayloadTooLargeError(
      `The message is too large for the broker: the packet has ${request.packetSize} bytes, its Maximum Packet Size is ${connack.maximumPacketSize}`,
    );
  }
  if (connack.maximumQoS !== undefined && request.qos > connack.maximumQoS) {
    const error = new InvalidQosError(request.qos);
    error.message = `QoS ${request.qos} is above the broker's Maximum QoS ${connack.maximumQoS}`;
    return error;
  }
  if (connack.retainAvailable === false && request.retain) {
    return new InvalidArgumentError(
      'The broker does not support retained messages (MQTT 5 Retain Available = 0)',
    );
  }
  return undefined;
}

interface RawOptions {
  qos?: unknown;
  retain?: unknown;
  timeout?: unknown;
  properties?: unknown;
}

function readOptions(options: unknown): RawOptions {
  if (options === undefined) return NO_OPTIONS;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError(`publish options must be an object, not ${describeType(options)}`);
  }
  return options as RawOptions;
}

function readQos(qos: unknown): QoS {
  if (qos === undefined) return 0;
  if (qos === 0 || qos === 1 || qos === 2) return qos;
  throw new InvalidQosError(qos);
}

function readTimeout(timeout: unknown, fallback: number): number {
  if (timeout === undefined) return fallback;
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    throw new InvalidArgumentError(
      `timeout must be a number of milliseconds >= 0, not ${describeType(timeout)}`,
    );
  }
  return timeout === Number.POSITIVE_INFINITY ? 0 : timeout;
}

/** Caller properties plus what the payload says about itself (caller's values win). */
function withPayloadProperties(
  encoded: EncodedPayload,
  properties: MessageProperties | undefined,
  context: RequestContext,
): MessageProperties | undefined {
  const contentType =
    encoded.kind === 'json'
      ? 'application/json'
      : encoded.kind === 'custom'
        ? context.encoderContentType
        : undefined;
  if (!encoded.utf8 && contentType === undefined) return properties;
  const added: MessageProperties = {};
  if (encoded.utf8) added.payloadFormatIndicator = true;
  if (contentType !== undefined) added.contentType = contentType;
  return properties ? merged(added, properties) : added;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value;
}
