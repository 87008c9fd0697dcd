/**
 * Loopback ports for brokers that cannot bind port 0 themselves (mosquitto, nats cluster routes).
 */
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { sleep } from './process';

/**
 * Returns `n` distinct free TCP ports on 127.0.0.1: it binds `n` servers to port 0 at the same time,
 * reads the ports the kernel chose and closes the servers. Another process could take a port between
 * this call and the broker's bind; on loopback with ephemeral ports that window has not been hit.
 *
 * @example const [tcp, ws] = await freePorts(2);
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return servers.map((server) => (server.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

/** Resolves true if something accepts a TCP connection on 127.0.0.1:`port` right now. */
export function isListening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Polls each port every `intervalMs` (default 10 ms) until all accept connections.
 * Rejects when `abort()` returns a reason (e.g. the broker exited) or after `timeoutMs` (default 5000 ms).
 */
export async function waitForPorts(
  ports: readonly number[],
  options: { timeoutMs?: number; intervalMs?: number; abort?: () => string | undefined } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  const pending = new Set(ports);
  for (;;) {
    for (const port of [...pending]) if (await isListening(port)) pending.delete(port);
    if (pending.size === 0) return;
    const reason = options.abort?.();
    if (reason) throw new Error(reason);
    if (Date.now() > deadline) throw new Error(`ports ${[...pending].join(', ')} not listening in time`);
    await sleep(options.intervalMs ?? 10);
  }
}
