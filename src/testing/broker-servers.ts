/**
 * One life of the embedded broker: an aedes instance behind a TCP listener and a WebSocket listener, and
 * the full close sequence that leaves no handle open (so test runners exit by themselves).
 *
 * @internal
 */
/// <reference types="node" />
import type * as AedesNamespace from 'aedes' with { 'resolution-mode': 'import' };
import type { Aedes, AedesOptions } from 'aedes' with { 'resolution-mode': 'import' };
import type * as WsNamespace from 'ws';
import { type Server, type Socket, createServer } from 'node:net';
import { type Server as HttpServer, createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectionFailedError } from '../connector/errors.js';
import { importOptional } from './import-optional.js';

type AedesModule = typeof AedesNamespace;
type WsModule = typeof WsNamespace;

/** A running broker and its listeners. */
export interface BrokerServers {
  readonly aedes: Aedes;
  readonly port: number;
  readonly wsPort: number;
  /** Stops aedes, drops every connection and closes both listeners. Idempotent. */
  close(): Promise<void>;
}

/** Where to listen: ports 0 are chosen by the OS. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
  readonly wsPort: number;
}

const PURPOSE = 'mqtt-connector/testing startBroker()';

/**
 * Starts aedes with `options` and listens on `address`.
 *
 * @throws ConnectionFailedError when a port cannot be bound (e.g. taken by another process meanwhile).
 */
export async function startServers(
  options: AedesOptions | undefined,
  address: ListenAddress,
): Promise<BrokerServers> {
  const [{ Aedes }, ws] = await Promise.all([
    importOptional<AedesModule>('aedes', PURPOSE),
    importOptional<WsModule>('ws', PURPOSE),
  ]);
  const aedes = await Aedes.createBroker(options);
  const sockets = new Set<Socket>();
  const tcp = createServer((socket) => {
    socket.setNoDelay(true);
    aedes.handle(socket);
  });
  tcp.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const http = createHttpServer();
  const wss = new ws.WebSocketServer({ server: http });
  wss.on('connection', (socket, request) => {
    const stream = ws.createWebSocketStream(socket);
    stream.on('error', () => undefined); // a client going away mid-frame is not a broker failure
    aedes.handle(stream, request);
  });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    for (const socket of sockets) socket.destroy(); // sockets that never sent CONNECT are not aedes clients
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    http.closeAllConnections();
    await Promise.all([closeServer(http), closeServer(tcp)]);
  };
  try {
    const [port, wsPort] = await Promise.all([
      listen(tcp, address.host, address.port),
      listen(http, address.host, address.wsPort),
    ]);
    return { aedes, port, wsPort, close };
  } catch (error: unknown) {
    await close();
    throw new ConnectionFailedError(
      `The embedded broker could not listen on ${address.host} (ports ${address.port} / ${address.wsPort})`,
      { cause: error },
    );
  }
}

function listen(server: Server | HttpServer, host: string, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server | HttpServer): Promise<void> {
  // close() reports ERR_SERVER_NOT_RUNNING when listen() failed; either way the server is down.
  return new Promise<void>((resolve) => server.close(() => resolve()));
}
