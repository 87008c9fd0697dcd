/**
 * A TLS WebSocket endpoint (wss://127.0.0.1:<ephemeral>/mqtt) in front of an aedes broker, with a
 * throw-away self-signed certificate made by openssl. The WebSocket server only accepts the path `/mqtt`,
 * so a connection proves the client sent the path from its URL. The broker is looked up per connection,
 * so the front keeps working across `EmbeddedBroker.restart()`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Aedes } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';

const run = promisify(execFile);

export interface WssFront {
  /** `wss://127.0.0.1:<port>/mqtt` */
  readonly url: string;
  close(): Promise<void>;
}

/** An EC P-256 certificate for 127.0.0.1 / localhost, valid for two days (about 50 ms with openssl). */
async function selfSignedCertificate(): Promise<{ cert: string; key: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'mqtt-connector-wss-'));
  try {
    await run(process.env['OPENSSL'] ?? 'openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ]); // prettier-ignore
    const [cert, key] = await Promise.all([
      readFile(join(dir, 'cert.pem'), 'utf8'),
      readFile(join(dir, 'key.pem'), 'utf8'),
    ]);
    return { cert, key };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Starts the wss:// front for `broker()` (called for each connection). */
export async function startWssFront(broker: () => Aedes): Promise<WssFront> {
  const https = createServer(await selfSignedCertificate());
  const wss = new WebSocketServer({ server: https, path: '/mqtt' });
  wss.on('connection', (socket, req) => {
    const stream = createWebSocketStream(socket);
    stream.on('error', () => undefined); // a page going away is not a test failure
    broker().handle(stream, req);
  });
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  const { port } = https.address() as AddressInfo;
  return {
    url: `wss://127.0.0.1:${port}/mqtt`,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      https.closeAllConnections();
      await new Promise<void>((resolve) => https.close(() => resolve()));
    },
  };
}
