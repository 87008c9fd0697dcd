/**
 * A Node Writable standing in for a socket: records each batch of chunks it is handed (one `writev` of a
 * socket), as strings, and finishes every write at once (`highWaterMark` in bytes: Node's default
 * without it). Also: writing a packet as mqtt-packet does.
 */
import { Writable } from 'node:stream';

export function recordingWritable(highWaterMark?: number): { stream: Writable; batches: string[][] } {
  const batches: string[][] = [];
  const stream = new Writable({
    ...(highWaterMark === undefined ? {} : { highWaterMark }),
    writev(chunks, callback) {
      batches.push(chunks.map((c) => String(c.chunk)));
      callback();
    },
  });
  return { stream, batches };
}

/** Writes `chunk` as mqtt-packet writes a packet: the stream corked until the next tick. */
export function writeLikeMqttPacket(stream: Writable, chunk: string | Uint8Array): void {
  stream.cork();
  stream.write(chunk);
  process.nextTick(() => stream.uncork());
}
