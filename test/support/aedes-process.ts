/**
 * aedes in a child Node process (test/support/aedes-child.mjs): a broker that can really be SIGKILLed, and
 * that runs off the test's own thread (for benchmarks). MQTT 3.1.1 only, in-memory state: a restart, clean
 * or not, starts empty. For in-process tests use `startAedes` from ./aedes instead (about 1 ms to start).
 */
import { join } from 'node:path';
import { spawnLogged, type LoggedProcess } from './process';

/** Options for {@link startAedesProcess}; all JSON-serialisable (they are passed on the command line). */
export interface AedesProcessOptions {
  /** TCP port. Default: ephemeral (restarts reuse the first one). */
  readonly port?: number;
  /** WebSocket port. Default: ephemeral (restarts reuse the first one). */
  readonly wsPort?: number;
  /** Set TCP_NODELAY on accepted TCP sockets. Default false (Node's default). */
  readonly noDelay?: boolean;
  /**
   * Build mqtt-packet's number cache (65,536 small Buffers) before listening, instead of on the first packet
   * the broker writes, where it delays that client's CONNACK by 60-200 ms. The child then logs
   * `mqtt-packet number cache: 65536 entries prebuilt`. Default false (aedes' own behaviour).
   */
  readonly prebuildPacketCache?: boolean;
  /** aedes' cap on inbound QoS 2 messages awaiting PUBREL per client; 0 = unlimited. aedes default 1000. */
  readonly maxInflightInbound?: number;
  /** Other aedes options (e.g. `{ concurrency: 1000, queueLimit: 100 }`). */
  readonly broker?: Readonly<Record<string, number | boolean | string>>;
}

/** A running (or stopped, restartable) aedes child process. */
export interface AedesProcess {
  /** `mqtt://127.0.0.1:<port>` */
  readonly url: string;
  /** `ws://127.0.0.1:<wsPort>` */
  readonly wsUrl: string;
  readonly port: number;
  readonly wsPort: number;
  /** PID of the current child, undefined while stopped. */
  readonly pid: number | undefined;
  isRunning(): boolean;
  /** What the child printed (errors, if any). */
  log(): string;
  /** SIGTERM (aedes closes every client, then exits) and wait. No-op if stopped. */
  stop(): Promise<void>;
  /** SIGKILL and wait. No-op if stopped. */
  kill(): Promise<void>;
  /** Starts a fresh (empty) broker on the same ports. No-op if running. */
  start(): Promise<void>;
  /** `stop()` (or `kill()`) then `start()`. */
  restart(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Same as `stop()`; for symmetry with the other broker helpers. */
  close(): Promise<void>;
}

/** Path of the child script (this directory; works from ts-jest and tsx). */
export const AEDES_CHILD_SCRIPT = join(__dirname, 'aedes-child.mjs');

const READY = /^\{"port":(\d+),"wsPort":(\d+)\}$/m;

async function launch(options: AedesProcessOptions, port: number, wsPort: number) {
  const broker = {
    ...options.broker,
    ...(options.maxInflightInbound === undefined ? {} : { maxInflightInbound: options.maxInflightInbound }),
  };
  const args = JSON.stringify({
    port,
    wsPort,
    noDelay: options.noDelay ?? false,
    prebuildPacketCache: options.prebuildPacketCache ?? false,
    broker,
  });
  // stdin piped: the child exits when it closes, so a crashed test run leaves no broker behind.
  const proc = await spawnLogged(process.execPath, [AEDES_CHILD_SCRIPT, args], { stdin: 'pipe' });
  try {
    const [, tcp, ws] = await proc.waitForLog(READY);
    return { proc, port: Number(tcp), wsPort: Number(ws) };
  } catch (error) {
    await proc.stop('SIGKILL');
    throw error;
  }
}

/**
 * Starts aedes in a child process on 127.0.0.1 (TCP and WebSocket) and resolves once it listens
 * (about 130–300 ms: a Node start). Rejects with a `BrokerStartError` carrying the child's output if it
 * exits or is not up within 5 s.
 *
 * @example
 * const broker = await startAedesProcess({ noDelay: true, maxInflightInbound: 0 });
 * const client = await mqtt.connectAsync(broker.url);
 * await broker.kill(); await broker.start(); // same port, empty broker
 * await broker.close();
 */
export async function startAedesProcess(options: AedesProcessOptions = {}): Promise<AedesProcess> {
  const first = await launch(options, options.port ?? 0, options.wsPort ?? 0);
  const { port, wsPort } = first;
  let proc: LoggedProcess = first.proc;
  let history = '';
  const stopWith = async (signal: 'SIGTERM' | 'SIGKILL') => {
    await proc.stop(signal);
  };
  const start = async () => {
    if (proc.isRunning()) return;
    history += proc.log();
    proc = (await launch(options, port, wsPort)).proc;
  };
  return {
    url: `mqtt://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    port,
    wsPort,
    get pid() {
      return proc.isRunning() ? proc.pid : undefined;
    },
    isRunning: () => proc.isRunning(),
    log: () => history + proc.log(),
    stop: () => stopWith('SIGTERM'),
    kill: () => stopWith('SIGKILL'),
    start,
    async restart(signal = 'SIGTERM') {
      await stopWith(signal);
      await start();
    },
    close: () => stopWith('SIGTERM'),
  };
}
