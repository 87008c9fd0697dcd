/**
 * writeBatchesWhole: a stream that would send each chunk of a corked batch on its own (the `ws` stream
 * MQTT.js uses in Node: one WebSocket frame per chunk) gets a `_writev` that writes the batch as one chunk.
 */
import { Writable } from 'node:stream';
import { writeBatchesWhole } from '../../../src/connector/packet-frames.js';

/** A Writable with only `_write`, recording what reaches it. */
function chunkRecorder(options: { decodeStrings?: boolean; failAt?: number } = {}) {
  const written: unknown[] = [];
  const stream = new Writable({
    decodeStrings: options.decodeStrings ?? true,
    write(chunk: unknown, _encoding, callback) {
      written.push(chunk);
      callback(written.length === options.failAt ? new Error('write failed') : null);
    },
  });
  return { stream, written };
}

/** Writes `chunks` into the corked stream, uncorks, and resolves once every write's callback ran. */
async function writeCorked(stream: Writable, chunks: readonly (Uint8Array | string)[]): Promise<unknown[]> {
  stream.cork();
  const done = chunks.map(
    (chunk) => new Promise<unknown>((resolve) => stream.write(chunk, (error) => resolve(error ?? null))),
  );
  stream.uncork();
  return Promise.all(done);
}

describe('writeBatchesWhole', () => {
  it('writes a corked batch as one chunk holding every byte in order, and runs every write callback', async () => {
    const { stream, written } = chunkRecorder();
    writeBatchesWhole(stream);
    const outcomes = await writeCorked(stream, [
      Uint8Array.of(0x30, 5),
      Buffer.from('a/b'),
      Uint8Array.of(1, 2),
    ]);
    expect(written).toHaveLength(1);
    expect(Array.from(written[0] as Uint8Array)).toEqual([0x30, 5, 0x61, 0x2f, 0x62, 1, 2]);
    expect(outcomes).toEqual([null, null, null]);
  });

  it('leaves a lone write as it is', async () => {
    const { stream, written } = chunkRecorder();
    writeBatchesWhole(stream);
    const chunk = Uint8Array.of(9, 9);
    await writeCorked(stream, [chunk]);
    expect(written).toEqual([Buffer.from(chunk)]);
  });

  it('without it the same stream writes each chunk on its own (what a WebSocket frame per chunk comes from)', async () => {
    const { stream, written } = chunkRecorder();
    await writeCorked(stream, [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)]);
    expect(written).toHaveLength(3);
  });

  it('keeps a stream’s own _writev (TCP and TLS sockets, MQTT.js’s browser stream)', () => {
    const ownWritev = (_chunks: unknown, callback: () => void) => callback();
    const stream = new Writable({ write: (_c, _e, callback) => callback(), writev: ownWritev });
    writeBatchesWhole(stream);
    expect((stream as unknown as { _writev: unknown })._writev).toBe(ownWritev);
  });

  it('ignores what is not a writable stream', () => {
    expect(() => writeBatchesWhole(undefined)).not.toThrow();
    expect(() => writeBatchesWhole(null)).not.toThrow();
    const plain = { destroy: () => undefined };
    writeBatchesWhole(plain);
    expect(plain).not.toHaveProperty('_writev');
  });

  it('writes string chunks of a stream that does not decode them one by one, in order', async () => {
    const { stream, written } = chunkRecorder({ decodeStrings: false });
    writeBatchesWhole(stream);
    await writeCorked(stream, ['ab', Uint8Array.of(1), 'cd']);
    expect(written).toEqual(['ab', Uint8Array.of(1), 'cd']);
  });

  it('stops at the first failed write of such a batch and reports its error', async () => {
    const { stream, written } = chunkRecorder({ decodeStrings: false, failAt: 2 });
    stream.on('error', () => undefined);
    writeBatchesWhole(stream);
    const outcomes = await writeCorked(stream, ['a', 'b', 'c']);
    expect(written).toEqual(['a', 'b']);
    expect(outcomes.some((outcome) => outcome instanceof Error)).toBe(true);
  });
});
