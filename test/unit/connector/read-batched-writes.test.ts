/**
 * Writes caused by handling one socket read leave together: over a real Node Writable standing in for the
 * socket and an event emitter standing in for MQTT.js, which handles one received packet per tick and
 * writes each answer corked until the next tick, as mqtt-packet does.
 */
import { EventEmitter } from 'node:events';
import type { Writable } from 'node:stream';
import type { MqttClient } from 'mqtt';
import { batchWritesPerRead, HELD_PACKETS } from '../../../src/connector/read-batched-writes.js';
import { recordingWritable, writeLikeMqttPacket } from '../../support/recording-writable';

/** An MQTT.js stand-in over `stream`: `receive` handles packets one per tick, each answered by a write. */
function client(stream: Writable) {
  const emitter = new EventEmitter() as EventEmitter & { stream: Writable };
  emitter.stream = stream;
  const receive = async (count: number, prefix = 'ack') => {
    for (let i = 0; i < count; i++) {
      emitter.emit('packetreceive', { cmd: 'publish' });
      writeLikeMqttPacket(emitter.stream, `${prefix} ${i}`);
      await new Promise<void>((resolve) => process.nextTick(resolve));
    }
  };
  return { mqtt: emitter as unknown as MqttClient, emitter, receive };
}

/** An `afterRead` run by hand: the test says when the work of the read is done. */
function manualAfterRead() {
  const queued: (() => void)[] = [];
  return {
    afterRead: (run: () => void) => queued.push(run),
    runAll: () => queued.splice(0).forEach((run) => run()),
    get pending() {
      return queued.length;
    },
  };
}

describe('batchWritesPerRead', () => {
  it('sends every answer as a batch of its own without it (what MQTT.js does alone)', async () => {
    const { stream, batches } = recordingWritable();
    await client(stream).receive(5);
    expect(batches).toHaveLength(5);
  });

  it('holds the answers to the packets of a read and sends them in one batch when the read is done', async () => {
    const { stream, batches } = recordingWritable();
    const { mqtt, receive } = client(stream);
    const io = manualAfterRead();
    batchWritesPerRead(mqtt, io.afterRead);
    const count = HELD_PACKETS - 1; // a read too short for the hand-over of a long one
    await receive(count);
    expect(batches).toHaveLength(0);
    expect(io.pending).toBe(1); // one release per read, not one per packet
    io.runAll();
    expect(batches).toEqual([Array.from({ length: count }, (_, i) => `ack ${i}`)]);
    expect(stream.writableCorked).toBe(0);
  });

  it(`hands what has gathered to the socket after every ${HELD_PACKETS} packets of a long read`, async () => {
    const { stream, batches } = recordingWritable();
    const { mqtt, receive } = client(stream);
    const io = manualAfterRead();
    batchWritesPerRead(mqtt, io.afterRead);
    const count = 2 * HELD_PACKETS + 3;
    await receive(count);
    // Flushed as packets HELD_PACKETS and 2 × HELD_PACKETS arrive: the answers to the packets before each.
    expect(batches.map((batch) => batch.length)).toEqual([HELD_PACKETS - 1, HELD_PACKETS]);
    io.runAll();
    const rest = count - (2 * HELD_PACKETS - 1); // the answers after the second hand-over, released at the end
    expect(batches.map((batch) => batch.length)).toEqual([HELD_PACKETS - 1, HELD_PACKETS, rest]);
    expect(batches.flat()).toEqual(Array.from({ length: count }, (_, i) => `ack ${i}`));
  });

  it('holds the next read again once the previous one was released', async () => {
    const { stream, batches } = recordingWritable();
    const { mqtt, receive } = client(stream);
    const io = manualAfterRead();
    batchWritesPerRead(mqtt, io.afterRead);
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

  it("releases by default once the read's ticks and the microtasks they caused have run, before the loop turns", async () => {
    const { stream, batches } = recordingWritable();
    const { mqtt, emitter } = client(stream);
    batchWritesPerRead(mqtt);
    // As MQTT.js handles a read: one packet per tick, each tick queuing the next, no await in between.
    // Each answer is written at once; a reply (a caller reacting to the message) in a microtask.
    const handle = (i: number) => {
      emitter.emit('packetreceive', { cmd: 'publish' });
      writeLikeMqttPacket(stream, `ack ${i}`);
      void Promise.resolve().then(() => writeLikeMqttPacket(stream, `reply ${i}`));
      if (i < 2) process.nextTick(() => handle(i + 1));
    };
    // The read arrives in a callback of the event loop, as a socket's data does; what the loop does next is
    // a callback queued meanwhile.
    let atNextTurn: string[][] | undefined;
    const read = new Promise<void>((resolve) =>
      setImmediate(() => {
        setImmediate(() => {
          atNextTurn = batches.map((batch) => [...batch]);
          resolve();
        });
        handle(0);
        expect(batches).toHaveLength(0);
      }),
    );
    await read;
    const all = [['ack 0', 'ack 1', 'ack 2', 'reply 0', 'reply 1', 'reply 2']];
    expect(atNextTurn).toEqual(all); // written before the event loop went on to anything else
    expect(batches).toEqual(all);
    expect(stream.writableCorked).toBe(0);
  });

  it('leaves MQTT.js writing as it does where there is no process.nextTick (browsers)', async () => {
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
    const io = manualAfterRead();
    batchWritesPerRead(mqtt, io.afterRead);
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
    const io = manualAfterRead();
    batchWritesPerRead(emitter as unknown as MqttClient, io.afterRead);
    emitter.emit('packetreceive', { cmd: 'pingresp' });
    expect(io.pending).toBe(0);
  });
});
