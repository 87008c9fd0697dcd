/**
 * A fault-injecting TCP proxy for tests: put it between a client and a broker, then cut, stall, delay or
 * refuse connections. It forwards raw bytes (MQTT over TCP or WebSocket, TLS end to end) and knows nothing
 * of MQTT. Loopback only; every timer it starts is cleared by `close()`.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/** Counters since the proxy started. */
export interface FaultProxyStats {
  /** Connections accepted and forwarded to the target. */
  readonly connections: number;
  /** Connections closed on arrival while refusing (mode 'close'). */
  readonly refused: number;
  /** Connection pairs open now. */
  readonly active: number;
  /** Connection pairs destroyed by `cutAll()`. */
  readonly cuts: number;
  /** Connections the target would not take (client side closed at once). */
  readonly upstreamErrors: number;
  /** Bytes forwarded client → target. */
  readonly bytesToTarget: number;
  /** Bytes forwarded target → client. */
  readonly bytesToClient: number;
}

/** How `refuse()` turns clients away. */
export type RefuseMode =
  /** Accept, then close at once: the client sees a connection that ends before CONNACK. */
  | 'close'
  /** Stop listening: the client gets ECONNREFUSED. Listens again on the same port afterwards. */
  | 'unlisten';

/** A running proxy. */
export interface FaultProxy {
  readonly host: string;
  readonly port: number;
  /** `mqtt://127.0.0.1:<port>` (use `ws://127.0.0.1:<port>` yourself to proxy a WebSocket listener). */
  readonly url: string;
  /** Where new connections go now. */
  readonly target: { readonly host: string; readonly port: number };
  /** Destroys every open connection pair (both sides; `reset: true` sends RST instead of FIN). Returns how many. */
  cutAll(options?: { reset?: boolean }): number;
  /**
   * Stops forwarding in both directions on every connection, current and new, without closing anything
   * (so keepalives time out). Lasts until `resume()`, or `ms` milliseconds if given.
   */
  stall(ms?: number): void;
  /** Ends a stall: buffered bytes flow again, in order. */
  resume(): void;
  /** Adds `ms` of latency to every chunk from now on, both directions, order kept. 0 removes it. */
  delay(ms: number): void;
  /** Turns new connections away (existing ones are untouched) until `accept()`, or for `ms` if given. */
  refuse(ms?: number, mode?: RefuseMode): Promise<void>;
  /** Ends a refusal. */
  accept(): Promise<void>;
  /** Sends new connections to another target (existing ones stay; `cutAll()` to move them). */
  retarget(host: string, port: number): void;
  stats(): FaultProxyStats;
  /** Resolves once `stats().connections` reaches `count`; rejects after `timeoutMs` (default 5000 ms). */
  waitForConnections(count: number, timeoutMs?: number): Promise<void>;
  /** Destroys every connection, clears every timer, stops listening. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** Port to listen on. Default: an ephemeral one. */
  readonly port?: number;
  /**
   * Called for every connection accepted; the function it returns sees every chunk forwarded to that
   * client, in order, as it is written (after any delay). E.g. `() => publishTap.connection()`.
   */
  readonly tapToClient?: () => (chunk: Buffer) => void;
}

interface Shared {
  stalled: boolean;
  delayMs: number;
}

/** One direction of a connection pair: reads `from`, queues with the delay in force, writes `to`. */
class Lane {
  private readonly queue: { chunk: Buffer; due: number }[] = [];
  private lastDue = 0;
  private timer: NodeJS.Timeout | undefined;
  private blocked = false;
  /** The source sent FIN: forward it once the queue is written. */
  ended = false;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly shared: Shared,
    private readonly forwarded: (chunk: Buffer) => void,
  ) {
    from.on('data', (chunk: Buffer) => {
      this.lastDue = Math.max(performance.now() + shared.delayMs, this.lastDue);
      this.queue.push({ chunk, due: this.lastDue });
      this.pump();
    });
    from.on('end', () => {
      this.ended = true;
      this.pump();
    });
    to.on('drain', () => {
      this.blocked = false;
      this.flow();
    });
    this.flow();
  }

  /** Pauses or resumes reading so that stalls and a slow reader hold bytes in the kernel, not here. */
  flow(): void {
    if (this.shared.stalled || this.blocked) this.from.pause();
    else this.from.resume();
  }

  pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.shared.stalled || this.to.destroyed) return;
    const now = performance.now();
    while (this.queue.length > 0 && (this.queue[0] as { due: number }).due <= now) {
      const { chunk } = this.queue.shift() as { chunk: Buffer };
      this.forwarded(chunk);
      if (!this.to.write(chunk)) this.blocked = true;
    }
    this.flow();
    const next = this.queue[0];
    if (next) this.timer = setTimeout(() => this.pump(), Math.max(1, next.due - now));
    else if (this.ended) this.to.end();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  readonly lanes: readonly Lane[];
}

/**
 * Starts a proxy on 127.0.0.1 (ephemeral port unless `port` is given) forwarding to `targetHost:targetPort`.
 *
 * @example
 * const proxy = await startFaultProxy('127.0.0.1', broker.port);
 * const client = await mqtt.connectAsync(proxy.url, { keepalive: 1, reconnectPeriod: 0 });
 * proxy.stall(); // the client reports 'Keepalive timeout' after about 1.5 s
 * await proxy.close();
 */
export async function startFaultProxy(
  targetHost: string,
  targetPort: number,
  options: FaultProxyOptions = {},
): Promise<FaultProxy> {
  const shared: Shared = { stalled: false, delayMs: 0 };
  let target = { host: targetHost, port: targetPort };
  const pairs = new Set<Pair>();
  const stats = {
    connections: 0,
    refused: 0,
    cuts: 0,
    upstreamErrors: 0,
    bytesToTarget: 0,
    bytesToClient: 0,
  };
  let refusing: RefuseMode | undefined;
  let stallTimer: NodeJS.Timeout | undefined;
  let refuseTimer: NodeJS.Timeout | undefined;
  let closed = false;
  const watchers = new Set<() => void>();

  const teardown = (pair: Pair, reset = false) => {
    if (!pairs.delete(pair)) return;
    for (const lane of pair.lanes) lane.stop();
    for (const socket of [pair.client, pair.upstream]) {
      if (reset && !socket.destroyed) socket.resetAndDestroy();
      else socket.destroy();
    }
  };

  const server = createServer({ noDelay: true }, (client) => {
    if (refusing === 'close' || closed) {
      stats.refused++;
      client.destroy();
      return;
    }
    const upstream = connect({ host: target.host, port: target.port, noDelay: true });
    let upstreamConnected = false;
    upstream.once('connect', () => (upstreamConnected = true));
    const tap = options.tapToClient?.();
    const toTarget = new Lane(client, upstream, shared, (chunk) => (stats.bytesToTarget += chunk.length));
    const toClient = new Lane(upstream, client, shared, (chunk) => {
      stats.bytesToClient += chunk.length;
      tap?.(chunk);
    });
    const pair: Pair = { client, upstream, lanes: [toTarget, toClient] };
    pairs.add(pair);
    stats.connections++;
    for (const wake of watchers) wake();
    upstream.once('error', () => {
      if (!upstreamConnected) stats.upstreamErrors++;
      teardown(pair);
    });
    client.once('error', () => teardown(pair));
    // After a FIN the lane forwards it once its queue is written (so a delayed DISCONNECT still arrives);
    // the pair goes when both sides are closed, or at once if a side closed without FIN.
    const onClose = (lane: Lane) => () => {
      if (!lane.ended || (client.destroyed && upstream.destroyed)) teardown(pair);
    };
    client.once('close', onClose(toTarget));
    upstream.once('close', onClose(toClient));
  });

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const port = await listen(options.port ?? 0);

  const setStalled = (stalled: boolean) => {
    shared.stalled = stalled;
    for (const pair of pairs) {
      for (const lane of pair.lanes) {
        if (stalled) lane.flow();
        else lane.pump();
      }
    }
  };

  const resume = () => {
    clearTimeout(stallTimer);
    stallTimer = undefined;
    setStalled(false);
  };

  const accept = async () => {
    clearTimeout(refuseTimer);
    refuseTimer = undefined;
    const mode = refusing;
    refusing = undefined;
    if (mode === 'unlisten' && !closed) await listen(port);
  };

  return {
    host: '127.0.0.1',
    port,
    url: `mqtt://127.0.0.1:${port}`,
    get target() {
      return target;
    },
    cutAll(cutOptions = {}) {
      const all = [...pairs];
      for (const pair of all) teardown(pair, cutOptions.reset);
      stats.cuts += all.length;
      return all.length;
    },
    stall(ms) {
      clearTimeout(stallTimer);
      stallTimer = ms === undefined ? undefined : setTimeout(resume, ms);
      setStalled(true);
    },
    resume,
    delay(ms) {
      shared.delayMs = Math.max(0, ms);
    },
    async refuse(ms, mode = 'close') {
      if (closed) return;
      if (refusing) await accept();
      refusing = mode;
      // close() stops accepting at once; its callback would wait for the open connections, which stay.
      if (mode === 'unlisten') server.close();
      if (ms !== undefined) refuseTimer = setTimeout(() => void accept().catch(() => undefined), ms);
    },
    accept,
    retarget(host, newPort) {
      target = { host, port: newPort };
    },
    stats: () => ({ ...stats, active: pairs.size }),
    waitForConnections(count, timeoutMs = 5000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (stats.connections < count) return;
          watchers.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          watchers.delete(check);
          reject(new Error(`proxy: ${stats.connections} of ${count} connections after ${timeoutMs} ms`));
        }, timeoutMs);
        watchers.add(check);
        check();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(stallTimer);
      clearTimeout(refuseTimer);
      for (const pair of [...pairs]) teardown(pair);
      if (refusing !== 'unlisten') await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
