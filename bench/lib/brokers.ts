/**
 * Brokers for the bench, each in its own process on ephemeral loopback ports, stopped by PID, through the
 * test helpers: aedes (test/support/aedes-process.ts) and mosquitto (test/support/mosquitto.ts, with extra
 * config lines). `kill()` + `start()` restart a broker on the same port (scenario 6).
 */
import { startAedesProcess } from '../../test/support/aedes-process.js';
import { MOSQUITTO_NO_QUEUE_LIMITS, startMosquitto } from '../../test/support/mosquitto.js';
import type { ScenarioContext } from './scenario.js';

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
  /**
   * aedes only: leave mqtt-packet's number cache to be built on the broker's first packet write (aedes'
   * own behaviour), which delays the first CONNACK after every start by 60-200 ms. Default false: the child
   * builds it while starting, before it listens (`prebuildPacketCache`), so a restart costs it in the outage.
   */
  readonly coldPacketCache?: boolean;
}

/** Where a running broker listens, and how to read its CPU: all a run of clients needs of it. */
export interface BrokerEndpoint {
  readonly url: string;
  /** The current process id (undefined when not known: its CPU is then not measured). */
  pid(): number | undefined;
}

/** A running (or restartable) broker. */
export interface BenchBroker extends BrokerEndpoint {
  readonly spec: BrokerSpec;
  /** "aedes", "mosquitto, no queue limits", ... */
  readonly label: string;
  readonly port: number;
  /** True while the current process has not exited. */
  running(): boolean;
  /** SIGKILL, resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port (after kill), resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it for good (SIGTERM; the helper SIGKILLs if it hangs) and removes its files. Idempotent. */
  stop(): Promise<void>;
}

/** Label of a spec, for tables. */
export function brokerLabel(spec: BrokerSpec): string {
  const limits = spec.unbounded
    ? spec.kind === 'aedes'
      ? ', maxInflightInbound 0'
      : ', no inflight/queue limits'
    : '';
  const cold =
    spec.kind === 'aedes' && spec.coldPacketCache === true ? ', packet cache built on first write' : '';
  return `${spec.kind}${limits}${spec.noDelay ? '' : ', Nagle on'}${cold}`;
}

/** Starts a broker; `onPid` hears every process id (so a crashed bench can still kill them). */
export async function startBroker(
  spec: BrokerSpec,
  onPid: (pid: number | undefined) => void,
): Promise<BenchBroker> {
  return spec.kind === 'mosquitto' ? startBenchMosquitto(spec, onPid) : startBenchAedes(spec, onPid);
}

/** Starts a scenario's broker: its process ids go to the runner, and it is stopped when the scenario ends. */
export async function scenarioBroker(
  ctx: Pick<ScenarioContext, 'registerPid' | 'onCleanup'>,
  spec: BrokerSpec,
): Promise<BenchBroker> {
  const broker = await startBroker(spec, (pid) => ctx.registerPid(pid));
  ctx.onCleanup(() => broker.stop());
  return broker;
}

/** aedes through test/support/aedes-process.ts (a child Node process). */
async function startBenchAedes(
  spec: BrokerSpec,
  onPid: (pid: number | undefined) => void,
): Promise<BenchBroker> {
  const broker = await startAedesProcess({
    noDelay: spec.noDelay,
    prebuildPacketCache: spec.coldPacketCache !== true,
    ...(spec.unbounded ? { maxInflightInbound: 0 } : {}),
  });
  onPid(broker.pid);
  return {
    spec,
    label: brokerLabel(spec),
    port: broker.port,
    url: broker.url,
    pid: () => broker.pid,
    running: () => broker.isRunning(),
    kill: () => broker.kill(),
    start: async () => {
      await broker.start();
      onPid(broker.pid);
    },
    stop: () => broker.close(),
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
    stop: () => broker.close(),
  };
}
