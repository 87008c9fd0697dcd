/**
 * Writes caused by handling one socket read leave together: over a real Node Writable standing in for the
 * socket and an event emitter standing in for MQTT.js, which handles one received packet per tick and
 * writes each answer corked until the next tick, as mqtt-packet does.
 */
import { EventEmitter } from 'node:events';
import type { Writable } from 'node:stream';
import type { MqttClient } from 'mqtt';
import { batchWritesPerRead, HELD_PACKETS } from '../../../src/connector/read-batched-writes.js';
import { recordingWritable } from '../../support/recording-writable';

/** An MQTT.js stand-in over `stream`: `receive` handles packets one per tick, each answered by a write. */
function client(stream: Writable) {
  const emitter = new EventEmitter() as EventEmitter & { stream: Writable };
  emitter.stream = stream;
  const receive = async (count: number, prefix = 'ack') => {
    for (let i = 0; i < count; i++) {
      emitter.emit('packetreceive', { cmd: 'publish' });
      const target = emitter.stream;
      target.cork();
      target.write(`${prefix} ${i}`);
      process.nextTick(() => target.uncork());
      await new Promise<void>((resolve) => process.nextTick(resolve));
    }
  };
  return { mqtt: emitter as unknown as MqttClient, emitter, receive };
}

/** An `afterIo` run by hand: the test says when the event loop is done with the read. */
function manualAfterIo() {
  const queued: (() => void)[] = [];
  return {
    afterIo: (run: () => void) => queued.push(run),
    runAll: () => queued.splice(0).forEach((run) => run()),
    get pending() {
      return queued.length;
    },
  };
}

const ticks = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('batchWritesPerRead', () => {
  it('sends every answer as a batch of its own without it (what MQTT.js does alone)', async () => {
    const { stream, batches } = recordingWritable();
    await client(stream).receive(5);
    expect(batches).toHaveLength(5);
  });

  it('holds the answers to the packets of a read and sends them in one batch when the read is done', async () => {
    const { stream, batches } = recordingWritable();
    const { mqtt, receive } = client(stream);
    const io = manualAfterIo();
    batchWritesPerRead(mqtt, io.afterIo);
    await receive(5);
    expect(batches).toHaveLength(0);
    expect(io.pending).toBe(1); // one release per read, not one per packet
    io.runAll();
    expect(batches).toEqual([['ack 0', 'ack 1', 'ack 2', 'ack 3', 'ack 4']]);
    expect(stream.writableCorked).toBe(0);
  });

  it(`hands what has gathered to the socket after every ${HELD_PACKETS} packets of a long read`, async () => {
    const { stream, batches } = recordingWritable();
    const { mqtt, receive } = client(stream);
    const io = manualAfterIo();
    batchWritesPerRead(mqtt, io.afterIo);
    const count = 2 * HELD_PACKETS + 3;
    await receive(count);
    // Flushed as packet 16 and packet 32 arrive: the answers to the 15 and the 16 packets before them.
    expect(batches.map((batch) => batch.length)).toEqual([HELD_PACKETS - 1, HELD_PACKETS]);
    io.runAll();
    expect(batches.map((batch) => batch.length)).toEqual([HELD_PACKETS - 1, HELD_PACKETS, 4]);
    expect(batches.flat()).toEqual(Array.from({ length: count }, (_, i) => `ack ${i}`));
  });

  it('holds the next read again once the previous one was released', async () => {
    const { stream, batches } = recordingWritable();
    const { mqtt, receive } = client(stream);
    const io = manualAfterIo();
    batchWritesPerRead(mqtt, io.afterIo);
    await receive(2, 'first');
    io.runAll();
    await receive(3, 'second');
    expect(batches).toEqual([['first 0', 'first 1']]);
    io.runAll();
    expect(batches).toEqual([
      ['first 0', 'first 1'],
      ['second 0', 'second 1', 'second 2'],
    ]);
  });

  it('releases on setImmediate by default, once the ticks of the read have run', async () => {
    const { stream, batches } = recordingWritable();
    const { mqtt, receive } = client(stream);
    batchWritesPerRead(mqtt);
    await receive(3);
    expect(batches).toHaveLength(0);
    await ticks();
    expect(batches).toEqual([['ack 0', 'ack 1', 'ack 2']]);
  });

  it('leaves MQTT.js writing as it does where there is no setImmediate (browsers)', async () => {
    const { stream, batches } = recordingWritable();
    const { mqtt, receive } = client(stream);
    batchWritesPerRead(mqtt, null);
    await receive(3);
    expect(batches).toHaveLength(3);
  });

  it('releases the socket it corked when the client has moved to a new one meanwhile', async () => {
    const old = recordingWritable();
    const next = recordingWritable();
    const { mqtt, emitter, receive } = client(old.stream);
    const io = manualAfterIo();
    batchWritesPerRead(mqtt, io.afterIo);
    await receive(2, 'old');
    emitter.stream = next.stream;
    await receive(1, 'new');
    io.runAll();
    expect(old.batches).toEqual([['old 0', 'old 1']]);
    expect(next.batches).toEqual([['new 0']]);
    expect([old.stream.writableCorked, next.stream.writableCorked]).toEqual([0, 0]);
  });

  it('does nothing for a client without a socket', () => {
    const emitter = new EventEmitter();
    const io = manualAfterIo();
    batchWritesPerRead(emitter as unknown as MqttClient, io.afterIo);
    emitter.emit('packetreceive', { cmd: 'pingresp' });
    expect(io.pending).toBe(0);
  });
});
