/**
 * A QoS 0 PUBLISH packet encoded as one chunk (MQTT 3.1.1 §3.3, MQTT 5 §3.3), for the connector's own
 * QoS 0 writes (see `direct-qos0.ts`).
 *
 * @internal
 */

/** PUBLISH, QoS 0, DUP 0: the fixed header's first byte without its RETAIN bit (MQTT 3.1.1 §3.3.1). */
const PUBLISH_QOS0 = 0x30;
const RETAIN = 0x01;

/** The largest Remaining Length a packet can declare (four bytes of variable byte integer). */
export const MAX_REMAINING_LENGTH = 268_435_455;

/** What the frame is built into: Node's `Buffer` (its pooled allocation and its fast UTF-8 writer). */
export interface FrameBuffer {
  allocUnsafe(size: number): Buffer;
  byteLength(text: string, encoding: 'utf8'): number;
}

/**
 * Encodes a QoS 0 PUBLISH of `payload` to `topic` with no properties: the same bytes mqtt-packet writes
 * for it in five chunks, as one. On MQTT 5 (`protocolVersion` 5) the variable header ends with an empty
 * property list (one zero byte).
 *
 * Returns `undefined` when the packet cannot be encoded: a topic name longer than 65,535 bytes or a packet
 * over the largest Remaining Length. The caller then leaves it to MQTT.js, which reports it.
 */
export function encodeQos0Publish(
  buffer: FrameBuffer,
  topic: string,
  payload: Uint8Array,
  retain: boolean,
  protocolVersion: number,
): Buffer | undefined {
  const topicLength = buffer.byteLength(topic, 'utf8');
  if (topicLength > 0xffff) return undefined;
  const remainingLength = 2 + topicLength + (protocolVersion === 5 ? 1 : 0) + payload.byteLength;
  if (remainingLength > MAX_REMAINING_LENGTH) return undefined;
  const frame = buffer.allocUnsafe(1 + varByteIntLength(remainingLength) + remainingLength);
  frame[0] = retain ? PUBLISH_QOS0 | RETAIN : PUBLISH_QOS0;
  let offset = writeVarByteInt(frame, 1, remainingLength);
  frame[offset++] = topicLength >>> 8;
  frame[offset++] = topicLength & 0xff;
  // The frame's memory is not zeroed (a pooled allocation): every byte of it must be written.
  if (frame.write(topic, offset, topicLength, 'utf8') !== topicLength) return undefined;
  offset += topicLength;
  if (protocolVersion === 5) frame[offset++] = 0; // Property Length: no properties
  frame.set(payload, offset);
  return frame;
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
