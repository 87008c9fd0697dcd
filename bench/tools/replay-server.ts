/**
 * The sending end of `bench/tools/receive-cost.ts`, in a process of its own (forked, with an IPC channel):
 * just enough of an MQTT server for a client or two (CONNACK, SUBACK, PUBACK, PINGRESP), which on a replay
 * message from its parent sends each connected client that subscribed `n` QoS 0 PUBLISH packets of 64 B (sequence numbers in their
 * first 4 bytes, the Subscription Identifier of its SUBSCRIBE on MQTT 5, as a broker would) on the topic
 * it subscribed to, `batch` packets per socket write, at `rate` messages per second (0: as fast as the
 * socket takes them). Not meant to be run by hand.
 *
 * Parent → server: `{ type: 'replay', n: 50000, batch: 2, rate: 50000 }`, or `{ type: 'close' }`. The pacing spins on the
 * clock between writes (this process has a core of its own for it), so the receiving client, if it keeps
 * up, gets its messages in reads of about `batch` packets, as it would from a broker forwarding them one
 * by one. Sends `{ port }` to the parent once it listens.
 */
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { generate, type IPublishPacket, type Packet, parser } from 'mqtt-packet';

/** What a replay message asks for. */
export interface Replay {
  readonly n: number;
  readonly batch: number;
  readonly rate: number;
}

/** What the connection learned from the client's CONNECT and SUBSCRIBE. */
interface Session {
  protocolVersion: 4 | 5;
  topic: string;
  subscriptionIdentifier: number | undefined;
}

/** The open connections that subscribed, with what they asked for. */
const subscribed = new Map<Socket, Session>();

/** All `n` packets, one Buffer, each packet's payload numbered; and where each packet ends. */
function packets(replay: Replay, session: Session): { bytes: Buffer; ends: number[] } {
  const parts: Buffer[] = [];
  const ends: number[] = [];
  let length = 0;
  const payload = Buffer.alloc(64, 0x78);
  for (let seq = 0; seq < replay.n; seq++) {
    payload.writeUInt32BE(seq, 0);
    const packet: IPublishPacket = {
      cmd: 'publish',
      topic: session.topic,
      payload,
      qos: 0,
      retain: false,
      dup: false,
      ...(session.protocolVersion === 5 && session.subscriptionIdentifier !== undefined
        ? { properties: { subscriptionIdentifier: session.subscriptionIdentifier } }
        : {}),
    };
    const bytes = generate(packet, { protocolVersion: session.protocolVersion });
    parts.push(bytes);
    length += bytes.length;
    ends.push(length);
  }
  return { bytes: Buffer.concat(parts, length), ends };
}

/** Busy-waits until `deadline` (process.hrtime.bigint nanoseconds). */
function spinUntil(deadline: bigint): void {
  while (process.hrtime.bigint() < deadline) {
    // Pacing finer than timers allow; this process has nothing else to do meanwhile.
  }
}

/** Writes the replay's packets to `socket`, `batch` per write, paced at `rate` msgs/s (0: unpaced). */
async function replayTo(socket: Socket, replay: Replay, session: Session): Promise<void> {
  const { bytes, ends } = packets(replay, session);
  const interval = replay.rate > 0 ? BigInt(Math.round((replay.batch / replay.rate) * 1e9)) : 0n;
  let deadline = process.hrtime.bigint();
  let start = 0;
  for (let index = replay.batch - 1; start < bytes.length; index += replay.batch) {
    const end = ends[Math.min(index, ends.length - 1)] as number;
    if (interval > 0n) spinUntil(deadline);
    if (socket.destroyed) return;
    const accepted = socket.write(bytes.subarray(start, end));
    start = end;
    deadline += interval;
    if (!accepted) {
      await once(socket, 'drain');
      deadline = process.hrtime.bigint();
    } else if (interval === 0n) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

function serve(socket: Socket): void {
  socket.setNoDelay(true);
  const session: Session = { protocolVersion: 4, topic: '', subscriptionIdentifier: undefined };
  let reader = parser({ protocolVersion: 5 });
  const send = (packet: Packet) =>
    socket.write(generate(packet, { protocolVersion: session.protocolVersion }));
  const onPacket = (packet: Packet) => {
    switch (packet.cmd) {
      case 'connect':
        session.protocolVersion = packet.protocolVersion === 5 ? 5 : 4;
        reader = parser({ protocolVersion: session.protocolVersion });
        reader.on('packet', onPacket);
        send({ cmd: 'connack', returnCode: 0, reasonCode: 0, sessionPresent: false });
        break;
      case 'subscribe':
        session.topic = packet.subscriptions[0]?.topic ?? '';
        session.subscriptionIdentifier = packet.properties?.subscriptionIdentifier as number | undefined;
        subscribed.set(socket, session);
        send({
          cmd: 'suback',
          messageId: packet.messageId,
          granted: packet.subscriptions.map(() => 0),
        });
        break;
      case 'publish':
        if (packet.qos === 1) send({ cmd: 'puback', messageId: packet.messageId });
        break;
      case 'pingreq':
        send({ cmd: 'pingresp' });
        break;
      case 'disconnect':
        socket.end();
        break;
      default:
        break;
    }
  };
  reader.on('packet', onPacket);
  socket.on('data', (chunk: Buffer) => reader.parse(chunk));
  socket.on('error', () => socket.destroy());
  socket.on('close', () => subscribed.delete(socket));
}

const server = createServer(serve);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address !== null ? address.port : 0 });
});
// The parent's leaving (or its 'close' message) ends this process.
process.on('disconnect', () => server.close(() => process.exit(0)));
process.on('message', (message: { type: 'close' } | ({ type: 'replay' } & Replay)) => {
  if (message.type === 'close') process.disconnect();
  else for (const [socket, session] of subscribed) void replayTo(socket, message, session);
});
