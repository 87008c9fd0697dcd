/**
 * A PUBLISH packet encoded as one chunk (MQTT 3.1.1 §3.3, MQTT 5 §3.3): for the connector's own QoS 0
 * writes (`direct-qos0.ts`) and for the QoS 1/2 packets MQTT.js writes (`whole-publish-writes.ts`). The
 * packet's layout and limits are the publish pipeline's (`streams/packet-size.ts`, `streams/topic-name.ts`).
 *
 * @internal
 */
import type { MessageProperties, QoS } from './types.js';
import { MAX_REMAINING_LENGTH, packetSize, remainingLengthWith } from '../streams/packet-size.js';
import { MAX_UTF8_STRING_BYTES } from '../streams/topic-name.js';

/** PUBLISH: the fixed header's first byte without its flags (MQTT 3.1.1 §3.3.1). */
const PUBLISH = 0x30;
const DUP = 0x08;
const RETAIN = 0x01;
/** The largest Packet Identifier (MQTT 3.1.1 §2.3.1: two bytes, never 0). */
const MAX_PACKET_ID = 0xffff;

/** The fixed header's flags and the Packet Identifier of a PUBLISH. */
export interface PublishFlags {
  readonly qos: QoS;
  readonly retain: boolean;
  /** DUP: a QoS 1/2 message sent again. */
  readonly dup: boolean;
  /** The Packet Identifier, 1–65,535; ignored at QoS 0, which has none. */
  readonly messageId: number;
}

const QOS0_FLAGS: PublishFlags = { qos: 0, retain: false, dup: false, messageId: 0 };
const QOS0_RETAINED: PublishFlags = { qos: 0, retain: true, dup: false, messageId: 0 };

/** MQTT 5 property identifiers (MQTT 5 §2.2.2.2) of the properties a frame can carry. */
const PAYLOAD_FORMAT_INDICATOR = 0x01;
const CONTENT_TYPE = 0x03;

/** What the frame is built into: Node's `Buffer` (its pooled allocation and its fast UTF-8 writer). */
export interface FrameBuffer {
  allocUnsafe(size: number): Buffer;
  byteLength(text: string, encoding: 'utf8'): number;
}

/**
 * Encodes a QoS 0 PUBLISH of `payload` to `topic`: the same bytes mqtt-packet writes for it in five or
 * more chunks, as one ({@link encodePublish}).
 */
export function encodeQos0Publish(
  buffer: FrameBuffer,
  topic: string,
  payload: Uint8Array,
  retain: boolean,
  protocolVersion: number,
  properties?: MessageProperties,
): Buffer | undefined {
  return encodePublish(
    buffer,
    retain ? QOS0_RETAINED : QOS0_FLAGS,
    topic,
    payload,
    protocolVersion,
    properties,
  );
}

/**
 * Encodes a PUBLISH of `payload` to `topic` with `flags`: the same bytes mqtt-packet writes for it in five
 * or more chunks, as one. On MQTT 5 (`protocolVersion` 5) the variable header ends with the property
 * list: empty, or the Payload Format Indicator and Content Type of `properties` (the two the connector
 * sets from the payload itself: text, JSON, an encoder's content type), in their key order, as mqtt-packet
 * writes them.
 *
 * Returns `undefined` when the frame cannot carry the packet, which the caller then leaves to MQTT.js:
 * any other property (or properties before MQTT 5), or a QoS 1/2 Packet Identifier outside 1–65,535. A
 * topic name or content type longer than 65,535 bytes or a packet over the largest Remaining Length, which
 * `publish()` refuses before anything is sent, also give `undefined` rather than a frame with a wrong
 * length in it.
 */
export function encodePublish(
  buffer: FrameBuffer,
  flags: PublishFlags,
  topic: string,
  payload: Uint8Array,
  protocolVersion: number,
  properties?: MessageProperties,
): Buffer | undefined {
  const { qos, messageId } = flags;
  if (qos > 0 && !(Number.isInteger(messageId) && messageId >= 1 && messageId <= MAX_PACKET_ID))
    return undefined;
  const propertyBytes = propertyListLength(buffer, properties, protocolVersion);
  if (propertyBytes === null) return undefined;
  const topicBytes = buffer.byteLength(topic, 'utf8');
  const remaining = remainingLengthWith(topicBytes, payload.byteLength, qos, propertyBytes);
  if (remaining > MAX_REMAINING_LENGTH) return undefined;
  const frame = buffer.allocUnsafe(packetSize(remaining));
  frame[0] = PUBLISH | (flags.dup ? DUP : 0) | (qos << 1) | (flags.retain ? RETAIN : 0);
  let offset = writeVarByteInt(frame, 1, remaining);
  offset = writeUtf8(frame, offset, topic, topicBytes);
  if (qos > 0 && offset >= 0) {
    frame[offset++] = messageId >>> 8;
    frame[offset++] = messageId & 0xff;
  }
  if (propertyBytes !== undefined && offset >= 0) {
    offset = writeVarByteInt(frame, offset, propertyBytes);
    offset = writeProperties(buffer, frame, offset, properties);
  }
  // The frame's memory is not zeroed (a pooled allocation): every byte of it must have been written.
  if (offset < 0 || offset + payload.byteLength !== frame.byteLength) return undefined;
  frame.set(payload, offset);
  return frame;
}

/**
 * The length of the property list's content: `undefined` before MQTT 5 (no property field), or `null`
 * when it holds a property the frame does not carry. Measured with the `Buffer` that writes the strings,
 * so measure and write cannot disagree (`propertiesLength` of streams/packet-size.ts counts UTF-8 on its own).
 */
function propertyListLength(
  buffer: FrameBuffer,
  properties: MessageProperties | undefined,
  protocolVersion: number,
): number | undefined | null {
  let length = 0;
  for (const key in properties) {
    const value: unknown = properties[key as keyof MessageProperties];
    if (value === undefined) continue; // mqtt-packet skips these too
    if (key === 'payloadFormatIndicator' && typeof value === 'boolean') length += 2;
    else if (key === 'contentType' && typeof value === 'string')
      length += 3 + buffer.byteLength(value, 'utf8');
    else return null;
  }
  if (protocolVersion === 5) return length;
  return length === 0 ? undefined : null;
}

/** Writes the properties measured by {@link propertyListLength}; returns the offset after them, or -1. */
function writeProperties(
  buffer: FrameBuffer,
  frame: Buffer,
  start: number,
  properties: MessageProperties | undefined,
): number {
  let offset = start;
  for (const key in properties) {
    const value = properties[key as keyof MessageProperties];
    if (key === 'payloadFormatIndicator' && value !== undefined) {
      frame[offset++] = PAYLOAD_FORMAT_INDICATOR;
      frame[offset++] = value ? 1 : 0;
    } else if (key === 'contentType' && typeof value === 'string') {
      frame[offset++] = CONTENT_TYPE;
      offset = writeUtf8(frame, offset, value, buffer.byteLength(value, 'utf8'));
      if (offset < 0) return -1;
    }
  }
  return offset;
}

/** Writes a UTF-8 string with its two-byte length; returns the offset after it, or -1 if it does not fit. */
function writeUtf8(frame: Buffer, start: number, text: string, byteLength: number): number {
  if (byteLength > MAX_UTF8_STRING_BYTES) return -1;
  frame[start] = byteLength >>> 8;
  frame[start + 1] = byteLength & 0xff;
  return frame.write(text, start + 2, byteLength, 'utf8') === byteLength ? start + 2 + byteLength : -1;
}

/** Writes `value` as a variable byte integer at `offset` (MQTT 3.1.1 §2.2.3); returns the offset after it. */
function writeVarByteInt(frame: Uint8Array, offset: number, value: number): number {
  let rest = value;
  do {
    const digit = rest % 0x80;
    rest = Math.floor(rest / 0x80);
    frame[offset++] = rest > 0 ? digit | 0x80 : digit;
  } while (rest > 0);
  return offset;
}
