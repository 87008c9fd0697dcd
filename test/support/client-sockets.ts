/**
 * Counts the TCP client sockets this process opens, as they are created (Node's `net.client.socket`
 * diagnostics channel, published synchronously by `net.connect()`, which MQTT.js uses). A test can then
 * state "no socket was opened" right after the code that would have opened one ran — no waiting to see
 * whether a connection shows up at a server.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

export interface ClientSocketCounter {
  /** Client sockets created since `countClientSockets()`. */
  readonly count: number;
  /** Those sockets, in the order they were created. */
  readonly sockets: readonly Socket[];
  /** Stops counting. */
  stop(): void;
}

export function countClientSockets(): ClientSocketCounter {
  let count = 0;
  const sockets: Socket[] = [];
  const onSocket = (message: unknown) => {
    count += 1;
    sockets.push((message as { socket: Socket }).socket);
  };
  subscribe('net.client.socket', onSocket);
  return {
    get count() {
      return count;
    },
    sockets,
    stop: () => unsubscribe('net.client.socket', onSocket),
  };
}
