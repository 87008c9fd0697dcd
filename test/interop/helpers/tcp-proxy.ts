/**
 * A minimal TCP proxy for tests that must kill a client's connection without the client sending
 * DISCONNECT (will messages, persistent sessions): the broker sees a socket error, as when a device loses
 * power. Loopback only, ephemeral port.
 */
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

/** A running proxy in front of one broker port. */
export interface TcpProxy {
  /** The proxy's own port on 127.0.0.1. */
  readonly port: number;
  /** `mqtt://127.0.0.1:<port>` */
  readonly url: string;
  /** Open client connections (each paired with a broker connection). */
  connectionCount(): number;
  /**
   * Destroys every open connection on both sides at once (no FIN handshake waits, no MQTT DISCONNECT):
   * the broker sees the socket end abruptly. Resolves once both sides of every pair are closed.
   */
  cutAll(): Promise<void>;
  /** While true, new client connections are accepted and destroyed at once (the broker looks down). */
  refuse(refusing: boolean): void;
  /** Cuts everything and stops listening. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a proxy that forwards 127.0.0.1:<ephemeral> to 127.0.0.1:`targetPort`.
 *
 * @example
 * const proxy = await startTcpProxy(Number(new URL(broker.url).port));
 * const connector = new MqttConnector({ mqttBroker: proxy.url, will: { topic: 'w', payload: 'gone' } });
 * await proxy.cutAll(); // the broker publishes the will
 */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let refusing = false;
  let closed = false;
  const server = createServer((client) => {
    if (refusing || closed) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of pair) {
      socket.on('error', end); // a reset on one side is the test's doing: close the other side too
      socket.on('close', end);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const cutAll = async () => {
    const closing = [...pairs].flatMap((pair) =>
      pair.map((socket) =>
        socket.closed
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              socket.once('close', () => resolve());
              socket.resetAndDestroy();
            }),
      ),
    );
    await Promise.all(closing);
  };

  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    connectionCount: () => pairs.size,
    cutAll,
    refuse(value) {
      refusing = value;
    },
    async close() {
      if (closed) return;
      closed = true;
      await cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
