/**
 * Reads the MQTT 3.1.1 byte stream a broker writes to one client (as the fault proxy forwards it) and
 * records the payload of every PUBLISH packet in it. It lets a test tell "the broker never sent this
 * message" from "the client got it and lost it": a message missing at a subscriber but present here was
 * lost on the client's side.
 *
 * Only the fixed header, the remaining length and the PUBLISH variable header are parsed (MQTT 3.1.1,
 * no properties); every other packet is skipped by its length. Chunks may split packets anywhere.
 */
export class PublishTap {
  private readonly seen = new Set<string>();
  /** PUBLISH packets read so far, on every connection (duplicates included). */
  publishes = 0;

  /**
   * A reader for one new connection's broker → client stream: feed it every chunk in order. Chunks may
   * split packets anywhere. (Each connection gets its own reader: a cut connection leaves a partial
   * packet behind that must not be joined to the next stream.)
   */
  connection(): (chunk: Buffer) => void {
    let pending: Buffer = Buffer.alloc(0);
    return (chunk) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let offset = 0;
      for (;;) {
        const frame = readFrame(pending, offset);
        if (!frame) break;
        if (frame.type === PUBLISH) this.record(pending.subarray(frame.bodyStart, frame.end), frame.qos);
        offset = frame.end;
      }
      pending = pending.subarray(offset);
    };
  }

  /** True when a PUBLISH with exactly this (UTF-8) payload went by. */
  has(payload: string): boolean {
    return this.seen.has(payload);
  }

  private record(body: Buffer, qos: number): void {
    const topicLength = body.readUInt16BE(0);
    const payloadStart = 2 + topicLength + (qos > 0 ? 2 : 0); // packet identifier for QoS 1/2
    this.seen.add(body.subarray(payloadStart).toString('utf8'));
    this.publishes++;
  }
}

const PUBLISH = 3;

interface Frame {
  readonly type: number;
  readonly qos: number;
  readonly bodyStart: number;
  readonly end: number;
}

/** The complete packet starting at `offset`, or undefined while its bytes have not all arrived. */
function readFrame(buffer: Buffer, offset: number): Frame | undefined {
  if (buffer.length - offset < 2) return undefined;
  const first = buffer[offset] as number;
  // Remaining length: 1–4 bytes, 7 bits each, least significant first.
  let length = 0;
  let position = offset + 1;
  for (let shift = 0; ; shift += 7) {
    if (position >= buffer.length) return undefined;
    const byte = buffer[position++] as number;
    length += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
    if (shift === 21) throw new Error('malformed remaining length in the broker stream');
  }
  const end = position + length;
  if (end > buffer.length) return undefined;
  return { type: first >> 4, qos: (first >> 1) & 0x03, bodyStart: position, end };
}
