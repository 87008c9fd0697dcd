/**
 * A QoS 0 PUBLISH packet encoded as one chunk (MQTT 3.1.1 §3.3, MQTT 5 §3.3), for the connector's own
 * QoS 0 writes (see `direct-qos0.ts`).
 *
 * @internal
 */

/** PUBLISH, QoS 0, DUP 0: the fixed header's first byte without its RETAIN bit (MQTT 3.1.1 §3.3.1). */
const PUBLISH_QOS0 = 0x30;
const RETAIN = 0x01;

/** MQTT 5 property identifiers (MQTT 5 §2.2.2.2) of the properties a frame can carry. */
const PAYLOAD_FORMAT_INDICATOR = 0x01;
const CONTENT_TYPE = 0x03;

/** The largest Remaining Length a packet can declare (four bytes of variable byte integer). */
export const MAX_REMAINING_LENGTH = 268_435_455;

/** What the frame is built into: Node's `Buffer` (its pooled allocation and its fast UTF-8 writer). */
export interface FrameBuffer {
  allocUnsafe(size: number): Buffer;
  byteLength(text: string, encoding: 'utf8'): number;
}

/**
 * Encodes a QoS 0 PUBLISH of `payload` to `topic`: the same bytes mqtt-packet writes for it in five or
 * more chunks, as one. On MQTT 5 (`protocolVersion` 5) the variable header ends with the property list:
 * empty, or the Payload Format Indicator and Content Type of `properties` (the two the connector sets
 * from the payload itself: text, JSON, an encoder's content type), in their key order, as mqtt-packet
 * writes them.
 *
 * Returns `undefined` when the frame cannot carry the packet, which the caller then leaves to MQTT.js:
 * any other property (or properties before MQTT 5), a topic name or content type longer than 65,535
 * bytes, or a packet over the largest Remaining Length.
 */
export function encodeQos0Publish(
  buffer: FrameBuffer,
  topic: string,
  payload: Uint8Array,
  retain: boolean,
  protocolVersion: number,
  properties?: object,
): Buffer | undefined {
  const topicLength = buffer.byteLength(topic, 'utf8');
  if (topicLength > 0xffff) return undefined;
  const propertyLength = propertyListLength(buffer, properties);
  if (propertyLength < 0 || (propertyLength > 0 && protocolVersion !== 5)) return undefined;
  const propertyHeader = protocolVersion === 5 ? varByteIntLength(propertyLength) + propertyLength : 0;
  const remainingLength = 2 + topicLength + propertyHeader + payload.byteLength;
  if (remainingLength > MAX_REMAINING_LENGTH) return undefined;
  const frame = buffer.allocUnsafe(1 + varByteIntLength(remainingLength) + remainingLength);
  frame[0] = retain ? PUBLISH_QOS0 | RETAIN : PUBLISH_QOS0;
  let offset = writeVarByteInt(frame, 1, remainingLength);
  // The frame's memory is not zeroed (a pooled allocation): every byte of it must be written.
  offset = writeUtf8(frame, offset, topic, topicLength);
  if (offset < 0) return undefined;
  if (protocolVersion === 5) {
    offset = writeVarByteInt(frame, offset, propertyLength);
    offset = writeProperties(buffer, frame, offset, properties);
    if (offset < 0) return undefined;
  }
  frame.set(payload, offset);
  return frame;
}

/** The bytes of the property list's content, or -1 when it holds a property the frame does not carry. */
function propertyListLength(buffer: FrameBuffer, properties: object | undefined): number {
  if (properties === undefined) return 0;
  let length = 0;
  for (const key in properties) {
    const value: unknown = (properties as Record<string, unknown>)[key];
    if (value === undefined) continue; // mqtt-packet skips these too
    if (key === 'payloadFormatIndicator' && typeof value === 'boolean') length += 2;
    else if (key === 'contentType' && typeof value === 'string') {
      const bytes = buffer.byteLength(value, 'utf8');
      if (bytes > 0xffff) return -1;
      length += 3 + bytes;
    } else return -1;
  }
  return length;
}

/** Writes the properties measured by {@link propertyListLength}; returns the offset after them, or -1. */
function writeProperties(buffer: FrameBuffer, frame: Buffer, start: number, properties?: object): number {
  if (properties === undefined) return start;
  let offset = start;
  for (const key in properties) {
    const value: unknown = (properties as Record<string, unknown>)[key];
    if (typeof value === 'boolean') {
      frame[offset++] = PAYLOAD_FORMAT_INDICATOR;
      frame[offset++] = value ? 1 : 0;
    } else if (typeof value === 'string') {
      frame[offset++] = CONTENT_TYPE;
      offset = writeUtf8(frame, offset, value, buffer.byteLength(value, 'utf8'));
      if (offset < 0) return -1;
    }
  }
  return offset;
}

/** Writes a UTF-8 string with its two-byte length; returns the offset after it, or -1 if short. */
function writeUtf8(frame: Buffer, start: number, text: string, byteLength: number): number {
  frame[start] = byteLength >>> 8;
  frame[start + 1] = byteLength & 0xff;
  return frame.write(text, start + 2, byteLength, 'utf8') === byteLength ? start + 2 + byteLength : -1;
}

/** How many bytes `value` takes as a variable byte integer (MQTT 3.1.1 §2.2.3). */
function varByteIntLength(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  return value < 0x200000 ? 3 : 4;
}

/** Writes `value` as a variable byte integer at `offset`; returns the offset after it. */
function writeVarByteInt(frame: Uint8Array, offset: number, value: number): number {
  let rest = value;
  do {
    const digit = rest % 0x80;
    rest = Math.floor(rest / 0x80);
    frame[offset++] = rest > 0 ? digit | 0x80 : digit;
  } while (rest > 0);
  return offset;
}
