/**
 * Mosquitto 2 started from a test: a config in a temp dir with the listeners asked for, each on its own
 * ephemeral loopback port; stop / SIGKILL / restart on the same ports; the log captured.
 *
 * Pitfalls handled here (see toolchain.md §4): mosquitto cannot bind port 0 (ports are picked in Node first);
 * as root it drops privileges before reading the TLS key (`user root` in the config); its websockets
 * listener binds every interface whatever address is configured.
 */
import { statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestCerts, type TestCerts } from './certs';
import { freePorts, waitForPorts } from './ports';
import {
  BrokerStartError,
  describe,
  findExecutable,
  runCapture,
  sleep,
  spawnLogged,
  type LoggedProcess,
} from './process';

/** The kinds of listener a test broker can have. */
export type MosquittoListenerKind = 'plain' | 'password' | 'tls' | 'mutualTls' | 'websockets';

/** When mosquitto writes its in-memory database to disk (it always writes on a clean stop). */
export type MosquittoAutosave =
  /** After every change (`autosave_on_changes true`, `autosave_interval 1`): about 5 ms per change. */
  | 'every-change'
  /** Only on a clean stop and on {@link MosquittoBroker.persist} (`autosave_interval 0`). */
  | 'off'
  /** After this many changes (`autosave_on_changes true`, `autosave_interval N`). */
  | number;

/** What {@link startMosquitto} configures. Every listener binds 127.0.0.1 (websockets: all interfaces). */
export interface MosquittoOptions {
  /** Anonymous plain TCP listener. Default true. */
  readonly plain?: boolean;
  /** Users of a password-file TCP listener, e.g. `{ alice: 'secret' }`. No such listener when omitted. */
  readonly users?: Readonly<Record<string, string>>;
  /** Anonymous TLS listener with a server certificate for localhost / 127.0.0.1 from a fresh CA. */
  readonly tls?: boolean;
  /** TLS listener with `require_certificate true`; a client certificate from the same CA is made. */
  readonly mutualTls?: boolean;
  /**
   * Anonymous MQTT-over-WebSocket listener (`protocol websockets`). mosquitto 2.0.11 does not start with a
   * websockets listener alone, so a plain listener is added when it would be the only one.
   */
  readonly websockets?: boolean;
  /**
   * Persist sessions and queued messages in the temp dir so they survive {@link MosquittoBroker.kill} +
   * {@link MosquittoBroker.start}. `true` means `{ autosave: 'every-change' }`. Default off.
   * Mosquitto 2.0 sends PUBACK *before* it saves, so even 'every-change' can lose the messages acknowledged
   * in its last loop turn on SIGKILL; call `persist()` before `kill()` for a deterministic test.
   */
  readonly persistence?: boolean | { readonly autosave: MosquittoAutosave };
  /**
   * Extra lines for the global part of the config, e.g. `['max_queued_messages 0', 'set_tcp_nodelay true']`.
   * See {@link MOSQUITTO_NO_QUEUE_LIMITS}.
   */
  readonly config?: readonly string[];
}

/** Global config lines that stop mosquitto dropping QoS 1/2 messages for a subscriber that falls behind. */
export const MOSQUITTO_NO_QUEUE_LIMITS: readonly string[] = [
  'max_queued_messages 0', // default 1000 per client, then QoS 1/2 messages are dropped
  'max_queued_bytes 0',
];

/** TLS material (PEM) for MQTT.js options: `ca` always; `cert` / `key` (client certificate) with mutualTls. */
export interface MosquittoTls {
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
}

/** A running (or stopped, restartable) mosquitto. */
export interface MosquittoBroker {
  /** URL of the plain listener if there is one, else of the first listener configured. */
  readonly url: string;
  /** `mqtt://127.0.0.1:P` (plain, password), `mqtts://localhost:P` (tls, mutualTls), `ws://127.0.0.1:P`. */
  readonly urls: Readonly<Partial<Record<MosquittoListenerKind, string>>>;
  readonly ports: Readonly<Partial<Record<MosquittoListenerKind, number>>>;
  /** Present when tls or mutualTls was asked for. Spread into MQTT.js options: `{ ...broker.tls }`. */
  readonly tls?: MosquittoTls;
  /** The temp dir holding config, certificates, password file and persistence. */
  readonly dir: string;
  /** PID of the current process, undefined while stopped. */
  readonly pid: number | undefined;
  isRunning(): boolean;
  /** Log of every run so far (runs separated by a `--- mosquitto restarted ---` line). */
  log(): string;
  /** Waits for a line of the current run's log; see {@link LoggedProcess.waitForLog}. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /**
   * Makes mosquitto write its database now (SIGUSR1) and resolves once the new file has replaced the old
   * one (about 100 ms). Everything acknowledged before the call then survives a SIGKILL. Needs persistence.
   */
  persist(): Promise<void>;
  /** SIGTERM and wait for exit (about 100 ms; it saves persistence on the way out). No-op if stopped. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit. No-op if stopped. */
  kill(): Promise<void>;
  /** Starts again with the same config, ports and persistence dir. No-op if running. */
  start(): Promise<void>;
  /** `stop()` (or `kill()` with 'SIGKILL') then `start()`. */
  restart(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Stops the broker and deletes the temp dir. Idempotent; the handle is unusable afterwards. */
  close(): Promise<void>;
}

/** The mosquitto executable: `MOSQUITTO` env var, else Debian's /usr/sbin/mosquitto, else PATH. */
export const mosquittoBin = (): string =>
  process.env.MOSQUITTO ?? findExecutable(['/usr/sbin/mosquitto'], 'mosquitto');

/** Installed mosquitto version, e.g. "2.0.11" (first line of `mosquitto -h`). */
export async function mosquittoVersion(): Promise<string> {
  const { output } = await runCapture(mosquittoBin(), ['-h']);
  const match = /mosquitto version (\S+)/.exec(output);
  if (!match?.[1]) throw new Error(`cannot read mosquitto version from: ${output.split('\n')[0] ?? ''}`);
  return match[1];
}

function autosaveLines(persistence: MosquittoOptions['persistence']): string[] {
  if (!persistence) return [];
  const autosave = persistence === true ? 'every-change' : persistence.autosave;
  if (autosave === 'off') return ['autosave_interval 0'];
  const every = autosave === 'every-change' ? 1 : autosave;
  return ['autosave_on_changes true', `autosave_interval ${every}`];
}

function listenerLines(kind: MosquittoListenerKind, port: number, dir: string): string[] {
  const tlsFiles = [`cafile ${dir}/ca.crt`, `certfile ${dir}/server.crt`, `keyfile ${dir}/server.key`];
  const head = [`listener ${port} 127.0.0.1`];
  switch (kind) {
    case 'plain':
      return [...head, 'allow_anonymous true'];
    case 'password':
      return [...head, 'allow_anonymous false', `password_file ${dir}/passwd`];
    case 'tls':
      return [...head, 'allow_anonymous true', ...tlsFiles];
    case 'mutualTls':
      return [...head, 'allow_anonymous true', ...tlsFiles, 'require_certificate true'];
    case 'websockets':
      return [...head, 'protocol websockets', 'allow_anonymous true'];
  }
}

function urlFor(kind: MosquittoListenerKind, port: number): string {
  if (kind === 'tls' || kind === 'mutualTls') return `mqtts://localhost:${port}`;
  if (kind === 'websockets') return `ws://127.0.0.1:${port}`;
  return `mqtt://127.0.0.1:${port}`;
}

async function writePasswordFile(dir: string, users: Readonly<Record<string, string>>): Promise<void> {
  const file = join(dir, 'passwd');
  await writeFile(file, ''); // `mosquitto_passwd -b` needs an existing file (or -c)
  const bin = process.env.MOSQUITTO_PASSWD ?? 'mosquitto_passwd';
  for (const [user, password] of Object.entries(users)) {
    const { code, output } = await runCapture(bin, ['-b', file, user, password]);
    if (code !== 0) throw new Error(`mosquitto_passwd failed (${String(code)}): ${output}`);
  }
}

/**
 * Writes a config for the listeners asked for and starts mosquitto; resolves once every listener accepts
 * TCP connections (polled every 10 ms; about 35 ms, 80 ms with TLS material). Rejects with a
 * {@link BrokerStartError} carrying the log if mosquitto exits or a port is not up within 5 s.
 *
 * @example
 * const broker = await startMosquitto({ users: { alice: 'secret' }, tls: true });
 * const client = await mqtt.connectAsync(broker.urls.tls!, { ca: broker.tls!.ca, protocolVersion: 5 });
 * // ...
 * await broker.close();
 */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<MosquittoBroker> {
  const kinds: MosquittoListenerKind[] = [];
  if (options.plain ?? true) kinds.push('plain');
  if (options.users) kinds.push('password');
  if (options.tls) kinds.push('tls');
  if (options.mutualTls) kinds.push('mutualTls');
  if (options.websockets) kinds.push('websockets');
  // mosquitto 2.0.11 exits with "Unable to start any listening sockets" when its only listener is websockets.
  if (kinds.length === 1 && kinds[0] === 'websockets') kinds.unshift('plain');
  if (kinds.length === 0) throw new Error('startMosquitto: no listener asked for');

  const dir = await mkdtemp(join(tmpdir(), 'mosquitto-'));
  try {
    const certs: TestCerts | undefined =
      options.tls || options.mutualTls
        ? await createTestCerts(dir, { client: options.mutualTls })
        : undefined;
    if (options.users) await writePasswordFile(dir, options.users);
    const portList = await freePorts(kinds.length);
    const ports: Partial<Record<MosquittoListenerKind, number>> = {};
    const urls: Partial<Record<MosquittoListenerKind, string>> = {};
    kinds.forEach((kind, i) => {
      const port = portList[i] as number;
      ports[kind] = port;
      urls[kind] = urlFor(kind, port);
    });
    const configFile = join(dir, 'mosquitto.conf');
    const lines = [
      'user root', // as root, mosquitto would switch to user "mosquitto" before reading the 0600 key
      'per_listener_settings true',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      'log_timestamp_format %H:%M:%S',
      ...(options.persistence ? ['persistence true', `persistence_location ${dir}/`] : []),
      ...autosaveLines(options.persistence),
      ...(options.config ?? []),
      ...kinds.flatMap((kind) => listenerLines(kind, ports[kind] as number, dir)),
    ];
    await writeFile(configFile, lines.join('\n') + '\n');
    const tls: MosquittoTls | undefined = certs && {
      ca: certs.caPem,
      ...(certs.client ? { cert: certs.client.certPem, key: certs.client.keyPem } : {}),
    };
    const broker = makeHandle({
      dir,
      configFile,
      ports,
      urls,
      tls,
      persistence: Boolean(options.persistence),
    });
    await broker.start();
    return broker;
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

interface HandleConfig {
  dir: string;
  configFile: string;
  ports: Partial<Record<MosquittoListenerKind, number>>;
  urls: Partial<Record<MosquittoListenerKind, string>>;
  tls: MosquittoTls | undefined;
  persistence: boolean;
}

function makeHandle(cfg: HandleConfig): MosquittoBroker {
  let proc: LoggedProcess | undefined;
  let history = '';
  let closed = false;
  const current = () => (proc?.isRunning() ? proc : undefined);

  const start = async () => {
    if (closed) throw new Error('mosquitto handle is closed');
    if (current()) return;
    if (proc) history += `${proc.log()}--- mosquitto restarted ---\n`;
    proc = undefined;
    const started = await spawnLogged(mosquittoBin(), ['-c', cfg.configFile], { cwd: cfg.dir });
    proc = started;
    try {
      // Signal handlers are installed after the listeners open and just before this line: a SIGTERM sent
      // earlier kills mosquitto without saving, or is lost. So the log line, not the ports, means ready.
      await started.waitForLog(/mosquitto version \S+ running/);
      await waitForPorts(Object.values(cfg.ports), {
        abort: () => (started.isRunning() ? undefined : 'mosquitto exited during start-up'),
      });
    } catch (error) {
      const exit = await Promise.race([started.exited, sleep(50).then(() => undefined)]);
      await started.stop('SIGKILL');
      const why = exit ? `mosquitto exited (${describe(exit)})` : (error as Error).message;
      throw new BrokerStartError(`mosquitto did not start: ${why}`, started.log());
    }
  };

  const stopWith = async (signal: 'SIGTERM' | 'SIGKILL') => {
    await proc?.stop(signal);
  };

  const persist = async () => {
    const running = current();
    if (!cfg.persistence) throw new Error('persist(): the broker was started without persistence');
    if (!running) throw new Error('persist(): mosquitto is not running');
    const dbFile = join(cfg.dir, 'mosquitto.db');
    const inode = () => {
      try {
        return statSync(dbFile).ino;
      } catch {
        return undefined;
      }
    };
    // mosquitto writes mosquitto.db.new and renames it over mosquitto.db: a new inode means a complete save,
    // and any save that completes after this point covers every PUBACK already sent (the loop is single-threaded).
    const before = inode();
    running.child.kill('SIGUSR1');
    const deadline = Date.now() + 5000;
    while (inode() === before || inode() === undefined) {
      if (!running.isRunning())
        throw new BrokerStartError('mosquitto exited during persist()', running.log());
      if (Date.now() > deadline) throw new Error('persist(): mosquitto did not save within 5 s');
      await sleep(5);
    }
  };

  const primary = cfg.urls.plain ?? (Object.values(cfg.urls)[0] as string);
  return {
    url: primary,
    urls: cfg.urls,
    ports: cfg.ports,
    ...(cfg.tls ? { tls: cfg.tls } : {}),
    dir: cfg.dir,
    get pid() {
      return current()?.pid;
    },
    isRunning: () => current() !== undefined,
    log: () => history + (proc?.log() ?? ''),
    waitForLog: (pattern, timeoutMs) => {
      if (!proc) return Promise.reject(new Error('mosquitto was never started'));
      return proc.waitForLog(pattern, { timeoutMs });
    },
    persist,
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
      await rm(cfg.dir, { recursive: true, force: true });
    },
  };
}
