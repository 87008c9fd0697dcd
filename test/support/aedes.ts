/**
 * An embedded aedes broker on ephemeral TCP and WebSocket ports, for tests and the demo.
 * `close()` is also the "broker died" simulation; `restart()` brings a fresh broker back on the same ports.
 */
import { Aedes, type AedesOptions } from 'aedes';
import { createServer, type Server, type Socket, type AddressInfo } from 'node:net';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { WebSocketServer, createWebSocketStream } from 'ws';

export interface EmbeddedBroker {
  /** The aedes instance (hooks, `subscriptions`, events). Replaced by `restart()`. */
  readonly broker: Aedes;
  readonly port: number;
  readonly wsPort: number;
  /** `mqtt://127.0.0.1:<port>` */
  readonly url: string;
  /** `ws://127.0.0.1:<wsPort>` */
  readonly wsUrl: string;
  /** Stops the broker and drops every connection. Idempotent. */
  close(): Promise<void>;
  /** Closes (if needed) and starts a fresh broker (empty state) on the same ports. */
  restart(options?: AedesOptions): Promise<void>;
}

const listen = (server: Server | HttpServer, port: number) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });

async function startServers(options: AedesOptions | undefined, port: number, wsPort: number) {
  const broker = await Aedes.createBroker(options);
  const sockets = new Set<Socket>();
  const tcp = createServer((socket) => {
    socket.setNoDelay(true);
    broker.handle(socket);
  });
  tcp.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const http = createHttpServer();
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (ws, req) => {
    const stream = createWebSocketStream(ws);
    stream.on('error', () => undefined); // a page going away is not a test failure
    broker.handle(stream, req);
  });
  const [tcpPort, httpPort] = await Promise.all([listen(tcp, port), listen(http, wsPort)]);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    for (const socket of sockets) socket.destroy(); // sockets that never sent CONNECT are not aedes clients
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    http.closeAllConnections();
    await Promise.all([
      new Promise<void>((resolve) => http.close(() => resolve())),
      new Promise<void>((resolve) => tcp.close(() => resolve())),
    ]);
  };
  return { broker, port: tcpPort, wsPort: httpPort, close };
}

/** Starts aedes on ephemeral ports (or the given ones). */
export async function startAedes(
  options?: AedesOptions,
  ports: { port?: number; wsPort?: number } = {},
): Promise<EmbeddedBroker> {
  let current = await startServers(options, ports.port ?? 0, ports.wsPort ?? 0);
  const { port, wsPort } = current;
  return {
    get broker() {
      return current.broker;
    },
    port,
    wsPort,
    url: `mqtt://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    close: () => current.close(),
    async restart(restartOptions = options) {
      await current.close();
      current = await startServers(restartOptions, port, wsPort);
    },
  };
}
