/**
 * One write per batch on streams that would send every chunk on its own: MQTT over WebSocket in Node.
 *
 * mqtt-packet writes a packet as several chunks (fixed header, length, topic, payload, ...) into a corked
 * stream. A TCP or TLS socket hands the corked chunks to the kernel in one `writev`, and MQTT.js's browser
 * WebSocket stream joins them itself; but the stream MQTT.js builds over the `ws` package in Node has no
 * `_writev`, so each chunk becomes a WebSocket frame of its own: five frames for one PUBLISH, each masked,
 * framed and written separately. MQTT allows any split of packets over WebSocket frames (MQTT 3.1.1 §6.0,
 * MQTT 5 §6), so such a stream gets a `_writev` that joins the corked chunks into one frame.
 *
 * @internal
 */

/** A buffered chunk, as Node's Writable hands it to `_writev`. */
interface BufferedChunk {
  readonly chunk: unknown;
  readonly encoding: string;
}

type WriteCallback = (error?: Error | null) => void;

/** The part of a Node Writable this module touches. */
interface WritableInternals {
  _write(chunk: unknown, encoding: string, callback: WriteCallback): void;
  _writev?: ((chunks: BufferedChunk[], callback: WriteCallback) => void) | null;
}

/**
 * Gives `stream` a `_writev` that hands all buffered chunks to its `_write` as one, when it has a `_write`
 * but no `_writev` (the `ws` stream in Node). Streams that already write batches (TCP and TLS sockets,
 * MQTT.js's browser WebSocket stream) and anything that is not a Node Writable are left as they are.
 */
export function writeBatchesWhole(stream: unknown): void {
  if (typeof stream !== 'object' || stream === null) return;
  const writable = stream as Partial<WritableInternals>;
  if (typeof writable._write !== 'function' || typeof writable._writev === 'function') return;
  writable._writev = writeJoined;
}

function writeJoined(this: WritableInternals, chunks: BufferedChunk[], callback: WriteCallback): void {
  let length = 0;
  for (const { chunk } of chunks) {
    // Strings reach here only on a stream that does not decode them: write those chunks as they come.
    if (!(chunk instanceof Uint8Array)) return writeEach(this, chunks, 0, callback);
    length += chunk.byteLength;
  }
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const { chunk } of chunks) {
    joined.set(chunk as Uint8Array, offset);
    offset += (chunk as Uint8Array).byteLength;
  }
  this._write(joined, 'buffer', callback);
}

/** Writes `chunks[index..]` one after the other, as the stream would have without `_writev`. */
function writeEach(
  stream: WritableInternals,
  chunks: readonly BufferedChunk[],
  index: number,
  callback: WriteCallback,
): void {
  const next = chunks[index];
  if (next === undefined) return callback();
  stream._write(next.chunk, next.encoding, (error) => {
    if (error) return callback(error);
    writeEach(stream, chunks, index + 1, callback);
  });
}
