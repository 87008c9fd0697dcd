/**
 * Minimal TCP servers for edge cases that a real broker cannot produce on demand: one that accepts and
 * never answers (a CONNECT that never gets its CONNACK), one that accepts the CONNECT and then
 * acknowledges nothing (a publish that never gets its PUBACK), and a scripted MQTT 5 peer for packets no
 * broker at hand sends. Ephemeral loopback ports; `close()` destroys every socket so Jest exits on its own.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { generate, parser, type Packet } from 'mqtt-packet';

/** CONNACK, MQTT 3.1.1: session not present, return code 0 (accepted). */
const CONNACK_ACCEPTED = Uint8Array.from([0x20, 0x02, 0x00, 0x00]);

export interface RawServer {
  readonly port: number;
  /** `mqtt://127.0.0.1:<port>`. */
  readonly url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Resolves on the `n`-th accepted connection (1-based). */
  connection(n: number): Promise<void>;
  /** Resolves when the `n`-th chunk of bytes after the CONNECT arrived (acknowledging server only). */
  packetAfterConnect(n: number): Promise<void>;
  close(): Promise<void>;
}

/** Accepts connections and never writes a byte: clients wait for a CONNACK that never comes. */
export function silentServer(): Promise<RawServer> {
  return rawServer(() => undefined);
}

/**
 * Accepts the CONNECT (CONNACK 0) and then ignores every packet: no PUBACK, no SUBACK, no PINGRESP.
 * Closes its side when the client closes its own (after a DISCONNECT).
 */
export function unacknowledgingServer(): Promise<RawServer> {
  return rawServer((socket, onPacket) => {
    let connected = false;
    socket.on('data', () => {
      if (connected) return onPacket();
      connected = true;
      socket.write(CONNACK_ACCEPTED);
    });
  });
}

/** Writes one MQTT 5 packet to the client. */
export type SendPacket = (packet: Packet) => void;

/**
 * An MQTT 5 peer that the test scripts: every packet the client sends is parsed and handed to `respond`
 * with a function that writes packets back. For protocol paths that Mosquitto, NATS and aedes never take
 * toward a client (Mosquitto 2.0 sends no Topic Alias, for one). `packetAfterConnect` counts the packets
 * after the CONNECT.
 */
export function scriptedServer(respond: (packet: Packet, send: SendPacket) => void): Promise<RawServer> {
  return rawServer((socket, onPacket) => {
    const incoming = parser({ protocolVersion: 5 });
    const send: SendPacket = (packet) => void socket.write(generate(packet, { protocolVersion: 5 }));
    incoming.on('packet', (packet: Packet) => {
      if (packet.cmd !== 'connect') onPacket();
      respond(packet, send);
    });
    incoming.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => void incoming.parse(chunk));
  });
}

async function rawServer(handle: (socket: Socket, onPacket: () => void) => void): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const waits = { connection: new Counter(), packet: new Counter() };
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    waits.connection.increment();
    handle(socket, () => waits.packet.increment());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    get connections() {
      return waits.connection.value;
    },
    connection: (n) => waits.connection.reach(n),
    packetAfterConnect: (n) => waits.packet.reach(n),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A count that promises can wait on. */
class Counter {
  value = 0;
  private readonly waiters: { n: number; resolve: () => void }[] = [];

  increment(): void {
    this.value += 1;
    for (const waiter of this.waiters.filter((w) => w.n <= this.value)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  reach(n: number): Promise<void> {
    if (this.value >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }
}
