/**
 * A Node Writable standing in for a socket: records each batch of chunks it is handed (one `writev` of a
 * socket), as strings, and finishes every write at once.
 */
import { Writable } from 'node:stream';

export function recordingWritable(): { stream: Writable; batches: string[][] } {
  const batches: string[][] = [];
  const stream = new Writable({
    writev(chunks, callback) {
      batches.push(chunks.map((c) => String(c.chunk)));
      callback();
    },
  });
  return { stream, batches };
}
