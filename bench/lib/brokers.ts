/**
 * Brokers for the bench, each in its own process on ephemeral loopback ports, stopped by PID: aedes
 * (bench/lib/aedes-child.mjs, with a standby process for fast restarts) and mosquitto (through the test
 * helper test/support/mosquitto.ts, with extra config lines). `kill()` + `start()` restart a broker on the
 * same port (scenario 6).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { MOSQUITTO_NO_QUEUE_LIMITS, startMosquitto } from '../../test/support/mosquitto.js';
import { sleep, withTimeout } from './timing.js';

/** Which broker, and how it is configured. */
export interface BrokerSpec {
  readonly kind: 'aedes' | 'mosquitto';
  /** TCP_NODELAY on the broker's sockets (aedes: setNoDelay on accept; mosquitto: set_tcp_nodelay). */
  readonly noDelay: boolean;
  /**
   * Lift the limits that lose or refuse messages under a flood: aedes `maxInflightInbound: 0`; mosquitto
   * `max_inflight_messages 0` + `max_queued_messages 0` (research/baseline.md F3, F4). Default false.
   */
  readonly unbounded?: boolean;
}

/** A running (or restartable) broker. */
export interface BenchBroker {
  readonly spec: BrokerSpec;
  /** "aedes", "mosquitto, no queue limits", ... */
  readonly label: string;
  readonly port: number;
  readonly url: string;
  /** The current process id. */
  pid(): number | undefined;
  /** True while the current process has not exited. */
  running(): boolean;
  /** SIGKILL, resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port (after kill), resolves once it accepts connections. */
  start(): Promise<void>;
  /**
   * aedes only: loads a second broker process now that binds the port only when `start()` is called, so
   * a restart measures the client's recovery rather than Node's start-up. No-op for mosquitto.
   */
  prepareStandby(): Promise<void>;
  /** SIGTERM (SIGKILL after 3 s), idempotent. */
  stop(): Promise<void>;
}

/** Label of a spec, for tables. */
export function brokerLabel(spec: BrokerSpec): string {
  const limits = spec.unbounded
    ? spec.kind === 'aedes'
      ? ', maxInflightInbound 0'
      : ', no inflight/queue limits'
    : '';
  return `${spec.kind}${limits}${spec.noDelay ? '' : ', Nagle on'}`;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitUntilAccepting(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`broker exited before listening on ${port}:\n${log()}`);
    }
    if (Date.now() > deadline) throw new Error(`broker not listening on ${port} after 10 s:\n${log()}`);
    await sleep(5);
  }
}

async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** Starts a broker; `onPid` hears every process id (so a crashed bench can still kill them). */
export async function startBroker(
  spec: BrokerSpec,
  onPid: (pid: number | undefined) => void,
): Promise<BenchBroker> {
  if (spec.kind === 'mosquitto') return startBenchMosquitto(spec, onPid);
  const port = await freePort();
  let child: ChildProcess | undefined;
  let output = '';
  let standby: { child: ChildProcess; lines: ReturnType<typeof createInterface> } | undefined;
  const aedesArgs = (extra: string[]) => {
    const args = [new URL('./aedes-child.mjs', `file://${__filename}`).pathname, `--port=${port}`, ...extra];
    if (spec.noDelay) args.push('--nodelay');
    if (spec.unbounded) args.push('--maxInflightInbound=0');
    return args;
  };
  const spawnAedes = (extra: string[]) => {
    const proc = spawn(process.execPath, aedesArgs(extra), { stdio: ['pipe', 'pipe', 'pipe'] });
    onPid(proc.pid);
    proc.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return { child: proc, lines: createInterface({ input: proc.stdout as NodeJS.ReadableStream }) };
  };
  const spawnIt = async () => {
    output = '';
    let lines: ReturnType<typeof createInterface>;
    if (standby !== undefined) {
      ({ child, lines } = standby);
      standby = undefined;
      child.stdin?.write('listen\n');
    } else {
      ({ child, lines } = spawnAedes([]));
    }
    await withTimeout(once(lines, 'line'), 10_000, `aedes did not start:\n${output}`);
    lines.close();
    await waitUntilAccepting(port, child as ChildProcess, () => output);
  };
  await spawnIt();
  return {
    spec,
    label: brokerLabel(spec),
    port,
    url: `mqtt://127.0.0.1:${port}`,
    pid: () => child?.pid,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    kill: () => stopChild(child, 'SIGKILL'),
    start: spawnIt,
    prepareStandby: async () => {
      if (standby !== undefined) return;
      const prepared = spawnAedes(['--standby']);
      await withTimeout(once(prepared.lines, 'line'), 10_000, `aedes standby did not load:\n${output}`);
      standby = prepared;
    },
    stop: async () => {
      await stopChild(standby?.child, 'SIGKILL');
      standby = undefined;
      await stopChild(child, 'SIGTERM');
    },
  };
}

/** mosquitto through test/support/mosquitto.ts, with the spec's settings as extra config lines. */
async function startBenchMosquitto(
  spec: BrokerSpec,
  onPid: (pid: number | undefined) => void,
): Promise<BenchBroker> {
  const config = [
    ...(spec.noDelay ? ['set_tcp_nodelay true'] : []),
    ...(spec.unbounded ? [...MOSQUITTO_NO_QUEUE_LIMITS, 'max_inflight_messages 0'] : []),
  ];
  const broker = await startMosquitto({ config });
  onPid(broker.pid);
  const port = broker.ports.plain as number;
  return {
    spec,
    label: brokerLabel(spec),
    port,
    url: broker.url,
    pid: () => broker.pid,
    running: () => broker.isRunning(),
    kill: () => broker.kill(),
    start: async () => {
      await broker.start();
      onPid(broker.pid);
    },
    prepareStandby: async () => undefined, // mosquitto starts in ~30 ms
    stop: () => broker.close(),
  };
}
