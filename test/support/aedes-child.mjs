// aedes in its own process (for SIGKILL tests and benchmarks with the broker off the test's CPU thread).
// Usage: node aedes-child.mjs '{"port":0,"wsPort":0,"noDelay":true,"prebuildPacketCache":true,"broker":{...}}'
// Prints one line {"port":P,"wsPort":W} on stdout once both listeners are up (127.0.0.1).
// prebuildPacketCache: build mqtt-packet's number cache before listening (see below) and say so on stdout.
// SIGTERM: closes the broker and every connection, then exits 0. Exits too when stdin closes (parent gone).
import { createServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { createRequire } from 'node:module';
import { Aedes } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';

const options = JSON.parse(process.argv[2] ?? '{}');
if (options.prebuildPacketCache) {
  // mqtt-packet (aedes' packet writer) fills a cache of 65,536 two-byte Buffers on its first write: in a fresh
  // process that first CONNACK then takes 60-200 ms, mostly garbage collection. Done here, it is part of the
  // start-up instead, before the port accepts anyone.
  const require = createRequire(import.meta.url);
  const aedesRequire = createRequire(require.resolve('aedes'));
  aedesRequire('mqtt-packet').generate({ cmd: 'pingresp' });
  const cached = Object.keys(aedesRequire('mqtt-packet/numbers').cache).length;
  process.stdout.write(`mqtt-packet number cache: ${cached} entries prebuilt\n`);
}
const broker = await Aedes.createBroker(options.broker ?? {});
const sockets = new Set();
const tcp = createServer((socket) => {
  if (options.noDelay) socket.setNoDelay(true);
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  broker.handle(socket);
});
const http = createHttpServer();
const wss = new WebSocketServer({ server: http });
wss.on('connection', (ws, req) => {
  const stream = createWebSocketStream(ws);
  stream.on('error', () => undefined);
  broker.handle(stream, req);
});

const listen = (server, port) =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server.address().port));
  });

let closing = false;
function shutdown() {
  if (closing) return;
  closing = true;
  broker.close(() => {
    for (const socket of sockets) socket.destroy();
    for (const client of wss.clients) client.terminate();
    http.closeAllConnections();
    tcp.close();
    http.close();
    process.exit(0);
  });
}
process.on('SIGTERM', shutdown);
process.stdin.on('end', shutdown);
process.stdin.on('error', shutdown);
process.stdin.resume();

// Handlers first: the parent may signal as soon as it reads the ready line.
const [port, wsPort] = await Promise.all([listen(tcp, options.port ?? 0), listen(http, options.wsPort ?? 0)]);
process.stdout.write(JSON.stringify({ port, wsPort }) + '\n');
