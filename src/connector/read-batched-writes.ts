/**
 * The packets the connector writes while it handles what one socket read brought leave the socket
 * together, a few `writev` calls per read instead of one per packet.
 *
 * MQTT.js handles the packets of a read one per tick, and mqtt-packet uncorks the socket on the tick after
 * each write. So every PUBACK, PUBREC, PUBREL and PUBCOMP it answers with, and every publish an ack lets
 * through the window, is a system call of its own: at QoS 2 end to end four per message on each client,
 * where `writev` took about 40% of a CPU profile's samples (bench/ANALYSIS.md). Here the socket is corked when the first packet of a
 * read arrives, handed what has gathered after every {@link HELD_PACKETS} received packets, and uncorked on
 * `setImmediate`, which runs once the event loop has handled the read and the ticks and microtasks it
 * caused.
 *
 * This is how event-loop network stacks batch their writes (Netty writes while it reads and flushes when
 * the read is done; HiveMQ's client is built on it). The flush every few packets keeps the broker busy
 * while a long read is still being handled: held to the end of the read, QoS 2 publishing on aedes ran a
 * third slower than with a flush every 4 packets, since the broker waited for the whole read's answers. Nothing is
 * held past the current turn of the event loop. Outside Node (browsers) MQTT.js writes as it always did.
 *
 * @internal
 */
import type { MqttClient } from 'mqtt';
import { type CorkableStream, CorkHold, flushCorked } from './cork.js';

/**
 * How many received packets' answers are gathered at most before they are handed to the socket. 8 and 16
 * measured alike; 16 writes less (bench/ANALYSIS.md).
 */
export const HELD_PACKETS = 16;

/** Schedules `run` once the event loop has handled the current I/O (Node's `setImmediate`). */
export type AfterIo = (run: () => void) => unknown;

/**
 * Node's `setImmediate`, or `null` outside Node: a browser bundle may carry a `setImmediate` polyfill
 * built on timers, which would hold writes for milliseconds.
 */
function nodeSetImmediate(): AfterIo | null {
  const host = globalThis as { process?: { versions?: { node?: unknown } }; setImmediate?: AfterIo };
  return typeof host.process?.versions?.node === 'string' && typeof host.setImmediate === 'function'
    ? host.setImmediate
    : null;
}

/**
 * Corks `client`'s socket from the first packet of a read until `afterIo` runs (default: Node's
 * `setImmediate`; outside Node, or with `null`, nothing is done), flushing it after every
 * {@link HELD_PACKETS} packets.
 */
export function batchWritesPerRead(client: MqttClient, afterIo: AfterIo | null = nodeSetImmediate()): void {
  if (typeof afterIo !== 'function') return;
  const internals = client as unknown as { stream?: Partial<CorkableStream> };
  const read = new CorkHold(afterIo);
  let received = 0;
  client.on('packetreceive', () => {
    const stream = internals.stream;
    if (typeof stream?.cork !== 'function' || typeof stream.uncork !== 'function') return;
    if (read.hold(stream as CorkableStream)) received = 1;
    else if (++received % HELD_PACKETS === 0) flushCorked(stream as CorkableStream);
  });
}
