/**
 * nats-server with its MQTT listener (MQTT 3.1.1, QoS 0/1; JetStream is required for it), started from a
 * test: one server ({@link startNats}) or a cluster on loopback ({@link startNatsCluster}).
 *
 * nats-server logs to stderr; the MQTT port (asked as -1, "pick one") is read from the
 * "Listening for MQTT clients on mqtt://127.0.0.1:P" line, and restarts reuse it.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable, runCapture, spawnLogged, type LoggedProcess } from './process';

/** Options shared by a single server and a cluster node. */
export interface NatsOptions {
  /** MQTT port. Default: nats-server picks a free one (restarts then reuse it). */
  readonly mqttPort?: number;
  /** `server_name` (required by the MQTT gateway). Default `test` (`n1`, `n2`, ... in a cluster). */
  readonly serverName?: string;
  /**
   * How long a delivered QoS 1 message waits for its PUBACK before redelivery, as a nats duration
   * (`"5s"`). nats' default is 30 s; a message in flight to a killed node is redelivered only after it.
   * Default: nats' own (single server), `"5s"` (cluster).
   */
  readonly ackWait?: string;
  /** Extra lines inside the `mqtt { }` block (e.g. `max_ack_pending: 2000`). */
  readonly mqtt?: readonly string[];
  /** Extra top-level config lines. */
  readonly config?: readonly string[];
}

/** A nats-server process (or a stopped, restartable one). */
export interface NatsServer {
  /** The `server_name`. */
  readonly name: string;
  /** `mqtt://127.0.0.1:<mqttPort>` */
  readonly url: string;
  readonly mqttPort: number;
  /** Its own temp dir (config and JetStream store). */
  readonly dir: string;
  /** PID of the current process, undefined while stopped. */
  readonly pid: number | undefined;
  isRunning(): boolean;
  /** Log of every run so far (runs separated by a `--- nats-server restarted ---` line). */
  log(): string;
  /** Waits for a line in the current run's log (see {@link LoggedProcess.waitForLog}). */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** SIGTERM and wait for exit (a few ms). No-op if stopped. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit. No-op if stopped. */
  kill(): Promise<void>;
  /** Starts again with the same config, MQTT port and store. Resolves at "Server is ready". No-op if running. */
  start(): Promise<void>;
  /** `stop()` (or `kill()`) then `start()`. */
  restart(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Stops it and deletes its temp dir (for a cluster node: use the cluster's `close()`). Idempotent. */
  close(): Promise<void>;
}

/** The nats-server executable: `NATS_SERVER` env var, else Debian's /usr/sbin/nats-server, else PATH. */
export const natsBin = (): string =>
  process.env.NATS_SERVER ?? findExecutable(['/usr/sbin/nats-server'], 'nats-server');

/** Installed nats-server version, e.g. "2.9.10" (from `nats-server --version`). */
export async function natsVersion(): Promise<string> {
  const { output } = await runCapture(natsBin(), ['--version']);
  const match = /v(\d+\.\d+\.\d+\S*)/.exec(output);
  if (!match?.[1]) throw new Error(`cannot read nats-server version from: ${output.trim()}`);
  return match[1];
}

/** Cluster part of a node's config. */
export interface NatsRouteConfig {
  readonly clusterName: string;
  readonly routePort: number;
  readonly peerRoutePorts: readonly number[];
  readonly replicas: number;
}

function configText(
  dir: string,
  name: string,
  mqttPort: number,
  o: NatsOptions,
  route?: NatsRouteConfig,
): string {
  const mqtt = [
    'host: 127.0.0.1',
    `port: ${mqttPort}`,
    ...(o.ackWait ? [`ack_wait: "${o.ackWait}"`] : []),
    // Left to itself nats 2.9 picked 2 replicas in a 3-node cluster: one node down then stalls the streams.
    ...(route ? [`stream_replicas: ${route.replicas}`] : []),
    ...(o.mqtt ?? []),
  ];
  const cluster = route
    ? [
        'cluster {',
        `  name: ${route.clusterName}`,
        `  listen: 127.0.0.1:${route.routePort}`,
        `  routes: [${route.peerRoutePorts.map((p) => `nats-route://127.0.0.1:${p}`).join(', ')}]`,
        '}',
      ]
    : [];
  return [
    `server_name: ${name}`,
    'listen: 127.0.0.1:-1',
    `jetstream { store_dir: "${join(dir, 'js')}", max_memory_store: 64MB, max_file_store: 256MB }`,
    ...cluster,
    'mqtt {',
    ...mqtt.map((line) => `  ${line}`),
    '}',
    ...(o.config ?? []),
  ].join('\n');
}

/** Starts one server process in `dir` (config rewritten) and resolves with it and its MQTT port. */
async function launch(
  dir: string,
  name: string,
  options: NatsOptions,
  mqttPort: number,
  route: NatsRouteConfig | undefined,
): Promise<{ proc: LoggedProcess; mqttPort: number }> {
  const configFile = join(dir, 'nats.conf');
  await writeFile(configFile, configText(dir, name, mqttPort, options, route) + '\n');
  const proc = await spawnLogged(natsBin(), ['-c', configFile], { cwd: dir });
  try {
    const [, port] = await proc.waitForLog(/Listening for MQTT clients on mqtt:\/\/[^:\s]+:(\d+)/);
    await proc.waitForLog(/Server is ready/);
    return { proc, mqttPort: Number(port) };
  } catch (error) {
    await proc.stop('SIGKILL');
    throw error;
  }
}

/** A node handle over `dir`; `route` set for cluster nodes. Starts the first process. @internal */
export async function createNatsNode(
  dir: string,
  name: string,
  options: NatsOptions,
  route?: NatsRouteConfig,
): Promise<NatsServer> {
  await mkdir(dir, { recursive: true });
  const first = await launch(dir, name, options, options.mqttPort ?? -1, route);
  const mqttPort = first.mqttPort;
  let proc = first.proc;
  let history = '';
  let closed = false;
  const running = () => proc.isRunning();
  const stopWith = async (signal: 'SIGTERM' | 'SIGKILL') => {
    await proc.stop(signal);
  };
  const start = async () => {
    if (closed) throw new Error(`nats node ${name} is closed`);
    if (running()) return;
    history += `${proc.log()}--- nats-server restarted ---\n`;
    proc = (await launch(dir, name, options, mqttPort, route)).proc;
  };
  return {
    name,
    url: `mqtt://127.0.0.1:${mqttPort}`,
    mqttPort,
    dir,
    get pid() {
      return running() ? proc.pid : undefined;
    },
    isRunning: running,
    log: () => history + proc.log(),
    waitForLog: (pattern, timeoutMs) => proc.waitForLog(pattern, { timeoutMs }),
    stop: () => stopWith('SIGTERM'),
    kill: () => stopWith('SIGKILL'),
    start,
    async restart(signal = 'SIGTERM') {
      await stopWith(signal);
      await start();
    },
    async close() {
      if (closed) return;
      closed = true;
      await stopWith('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts a single nats-server with JetStream (store in a temp dir) and an MQTT listener on loopback.
 * Resolves at "Server is ready" (about 10–40 ms); the first MQTT CONNACK can take longer (it creates the
 * MQTT streams). Rejects with a `BrokerStartError` carrying the log if it exits or is not ready in 5 s.
 *
 * @example
 * const nats = await startNats();
 * const client = await mqtt.connectAsync(nats.url); // MQTT 3.1.1 only; QoS 0 and 1
 * await nats.close();
 */
export async function startNats(options: NatsOptions = {}): Promise<NatsServer> {
  const dir = await mkdtemp(join(tmpdir(), 'nats-'));
  try {
    return await createNatsNode(dir, options.serverName ?? 'test', options);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
