/**
 * The packets the connector writes while it handles what one socket read brought leave the socket
 * together, a few `writev` calls per read instead of one per packet.
 *
 * MQTT.js handles the packets of a read one per tick, and mqtt-packet uncorks the socket on the tick after
 * each write. So every PUBACK, PUBREC, PUBREL and PUBCOMP it answers with, and every publish an ack lets
 * through the window, is a system call of its own: at QoS 2 end to end four per message on each client,
 * where `writev` took about 40% of a CPU profile's samples (bench/ANALYSIS.md). Here the socket is corked
 * when the first packet of a read arrives, handed what has gathered after every {@link HELD_PACKETS}
 * received packets, and uncorked once the read's own work is done: the ticks that handle its packets, the
 * microtasks they cause (settled publishes, the caller's reactions to a message, the publishes those
 * make), and nothing else.
 *
 * That moment is found without a timer: Node runs microtasks only once the tick queue is empty, so a
 * microtask queued at the first packet runs after the last packet's tick; the tick it queues in turn runs
 * after every microtask queued meanwhile. The writes then leave before the event loop moves on to its next
 * I/O callback. (Releasing on `setImmediate` instead, as at first, held a reply until every other socket
 * ready in the same turn had been read and handled too: with both ends of a round trip in one process,
 * the echo's reply waited for the other client's PUBACK to be handled, one more `epoll_wait` per round
 * trip; bench/ANALYSIS.md.)
 *
 * This is how event-loop network stacks batch their writes (Netty writes while it reads and flushes when
 * the read is done; HiveMQ's client is built on it). The flush every few packets keeps the broker busy
 * while a long read is still being handled: held to the end of the read, QoS 2 publishing on aedes ran a
 * third slower than with a flush every 4 packets, since the broker waited for the whole read's answers.
 * Outside Node (browsers) MQTT.js writes as it always did.
 *
 * @internal
 */
import type { MqttClient } from 'mqtt';
import { DEFAULT_MAX_IN_FLIGHT_QOS2 } from '../streams/hand-over.js';
import { type CorkableStream, CorkHold, flushCorked, nodeNextTick, type Schedule } from './cork.js';
import { REFILL_SHARE } from './publish-sender.js';

/**
 * How many received packets' answers are gathered at most before they are handed to the socket: the share
 * of the default QoS 2 window (19) at which the publish window refills, so 4. A QoS 2 message is at the
 * broker until our PUBREL, so answers held back are window the broker cannot use: with 16, QoS 2
 * publishing on aedes ran 14–27% slower than with 4 (with 8, 9%). Mosquitto, which answers at once, pays
 * for the extra writes instead (QoS 2 5–9% slower, still ahead of raw MQTT.js); QoS 1 and end to end moved
 * within ±5% (bench/ANALYSIS.md).
 */
export const HELD_PACKETS = Math.floor(DEFAULT_MAX_IN_FLIGHT_QOS2 / REFILL_SHARE);

/**
 * The end of the current read's work in Node (a microtask, then a tick; see the module documentation), or
 * `null` outside Node ({@link nodeNextTick}).
 */
function nodeAfterRead(): Schedule | null {
  const nextTick = nodeNextTick();
  return nextTick === undefined ? null : (run) => queueMicrotask(() => nextTick(run));
}

/**
 * Corks `client`'s socket from the first packet of a read until `afterRead` runs the release (default: at
 * the end of the read's work in Node; outside Node, or with `null`, nothing is done), flushing it after
 * every {@link HELD_PACKETS} packets.
 */
export function batchWritesPerRead(client: MqttClient, afterRead: Schedule | null = nodeAfterRead()): void {
  if (typeof afterRead !== 'function') return;
  const internals = client as unknown as { stream?: Partial<CorkableStream> };
  const read = new CorkHold(afterRead);
  let received = 0;
  client.on('packetreceive', () => {
    const stream = internals.stream;
    if (typeof stream?.cork !== 'function' || typeof stream.uncork !== 'function') return;
    if (read.hold(stream as CorkableStream)) received = 1;
    else if (++received % HELD_PACKETS === 0) flushCorked(stream as CorkableStream);
  });
}
