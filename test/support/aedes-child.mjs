// aedes in its own process (for SIGKILL tests and benchmarks with the broker off the test's CPU thread).
// Usage: node aedes-child.mjs '{"port":0,"wsPort":0,"noDelay":true,"broker":{"maxInflightInbound":0}}'
// Prints one line {"port":P,"wsPort":W} on stdout once both listeners are up (127.0.0.1).
// SIGTERM: closes the broker and every connection, then exits 0. Exits too when stdin closes (parent gone).
import { createServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { Aedes } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';

const options = JSON.parse(process.argv[2] ?? '{}');
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
