/**
 * Splits the end-to-end pair of scenarios 2 and 8 between its two ends: raw MQTT.js → raw, connector →
 * connector, and the two mixed pairs (raw publisher → connector subscriber; connector publisher → raw
 * subscriber), against one broker without queue limits, interleaved:
 *
 *   npx tsx bench/tools/e2e-split.ts --broker=mosquitto --qos=0 --protocol=5 --reps=7
 *   npx tsx bench/tools/e2e-split.ts --apart      (every subscriber in a process of its own)
 *   npx tsx bench/tools/e2e-split.ts --other=/tmp/old/src     (adds B → B: another tree's connector)
 *   npx tsx bench/tools/e2e-split.ts --other=dist/cjs         (B: the built package, after npm run build)
 *   npx tsx bench/tools/e2e-split.ts --this=/tmp/base/src --other=/tmp/old/src   (both from copies)
 *   npx tsx bench/tools/e2e-split.ts --apart --profile=test-artifacts/split   (subscribers under --cpu-prof)
 *
 * Publishers as in the scenarios: raw keeps 100 callbacks outstanding, the connector fires every message and
 * awaits every promise. Each run has fresh publishing clients; `--apart` keeps one subscriber process per
 * kind for the whole tool (warm, as an application's), each on a topic of its own.
 *
 * Why: in the scenarios both clients share one process, so how often that process gets round to reading
 * its subscriber's socket depends on how long the publisher keeps it busy. A read brings what arrived since
 * the last one, and each read (and each wake-up of a waiting reader, which on loopback the broker's write
 * pays for) costs about the same however little it brings. So the tool prints, beside msgs/s and the CPU per
 * message of the clients (in process: this process; `--apart`: the publisher's and the subscriber's) and of
 * the broker (with its busy share), how many messages a read of the subscriber's process brought and how
 * many write calls the broker made per message (/proc/<pid>/io; Linux only). At QoS 0 the publisher reads
 * almost nothing; at QoS 1 its PUBACKs count in the same process.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import type { QoS } from '../../src/connector/types.js';
import { Args } from '../lib/args.js';
import { type BenchBroker, startBroker } from '../lib/brokers.js';
import { brokerLoad, measureCost } from '../lib/cost.js';
import { e2eRun, publishSide } from '../lib/e2e.js';
import { type E2eResult, payloads } from '../lib/e2e-receiver.js';
import { type EndKind, type EndPair, type EndPairs, endPairs } from '../lib/end-pairs.js';
import { fixed, int, median, spread, spreadText } from '../lib/stats.js';
import { rotate } from '../lib/timing.js';
import type { ApartCommand, ApartResult } from './e2e-subscriber.js';

/**
 * One run's readings, as an end-to-end run records them (per unique message received). In process the CPU
 * and the read calls are this process's; `--apart`, the CPU is the publisher's (this process) with the
 * subscriber's beside it, and the read calls are the subscriber's.
 */
type Reading = Pick<
  E2eResult,
  | 'rate'
  | 'lost'
  | 'cpuPerMessage'
  | 'brokerCpuPerMessage'
  | 'brokerBusy'
  | 'readCallsPerMessage'
  | 'brokerWritesPerMessage'
> & { readonly subscriberCpuPerMessage?: number };

/** What a run needs to know besides its pair. */
interface Setup {
  readonly broker: BenchBroker;
  readonly qos: QoS;
  readonly protocolVersion: 4 | 5;
  readonly messages: readonly Buffer[];
  /** The pairs, and each kind's connector class. */
  readonly ends: EndPairs;
  /** `--apart`: where the subscriber processes write a CPU profile each (undefined: none). */
  readonly profileDir?: string;
}

const LIMITS = { idleMs: 2_000, capMs: 60_000 };

/** One run with both ends in this process (scenario 2's and 8's way). */
async function inProcessRun(setup: Setup, publisher: EndKind, subscriber: EndKind): Promise<Reading> {
  const Connector = setup.ends.classOf(publisher === 'raw' ? subscriber : publisher);
  const result = await e2eRun(setup.broker, 'bench/split', setup.qos, setup.messages, LIMITS, {
    publisher: publisher === 'raw' ? 'raw' : 'connector',
    subscriber: subscriber === 'raw' ? 'raw' : 'connector',
    protocolVersion: setup.protocolVersion,
    ...(Connector === undefined ? {} : { Connector }),
  });
  if (result.error !== undefined) throw new Error(`${publisher} → ${subscriber}: ${result.error}`);
  return result;
}

/** A subscriber in a process of its own (tools/e2e-subscriber.ts), one per kind for the whole tool. */
class ApartSubscriber {
  private constructor(
    private readonly child: ChildProcess,
    readonly topic: string,
  ) {}

  static async start(kind: EndKind, side: string, setup: Setup): Promise<ApartSubscriber> {
    const topic = `bench/split/${kind}`;
    const child = fork(
      'bench/tools/e2e-subscriber.ts',
      [
        `--url=${setup.broker.url}`,
        `--side=${side}`,
        `--topic=${topic}`,
        `--qos=${setup.qos}`,
        `--protocol=${setup.protocolVersion}`,
        `--n=${setup.messages.length}`,
      ],
      {
        execArgv: [
          '--import',
          'tsx',
          ...(setup.profileDir === undefined
            ? []
            : [
                '--cpu-prof',
                `--cpu-prof-dir=${setup.profileDir}`,
                `--cpu-prof-name=subscriber-${kind}.cpuprofile`,
              ]),
        ],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    const subscriber = new ApartSubscriber(child, topic);
    await subscriber.next('ready');
    return subscriber;
  }

  send(command: ApartCommand): void {
    this.child.send(command);
  }

  /** The next message of `type` from the child; rejects if it exits first. */
  next<T extends { type: string }>(type: T['type']): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`subscriber exited with ${code}`));
      const onMessage = (message: T) => {
        if (message.type !== type) return;
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        resolve(message);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    this.send({ type: 'close' });
    await exited;
    clearTimeout(killer);
  }
}

/** One run with the subscriber in its own process and the publisher (fresh) in this one. */
async function apartRun(setup: Setup, publisher: EndKind, subscriber: ApartSubscriber): Promise<Reading> {
  const Connector = setup.ends.classOf(publisher);
  const pub = await publishSide(
    publisher === 'raw' ? 'raw' : 'connector',
    setup.broker,
    subscriber.topic,
    setup.qos,
    setup.messages,
    undefined,
    Connector,
    setup.protocolVersion,
  );
  try {
    const started = subscriber.next('started');
    subscriber.send({ type: 'run' });
    await started;
    const result = subscriber.next<ApartResult>('result');
    const meter = measureCost(setup.broker.pid());
    const start = performance.timeOrigin + performance.now();
    await pub.publish();
    subscriber.send({ type: 'published' });
    const received = await result;
    const cost = await meter.stop();
    const unique = Math.max(1, received.unique);
    const load = brokerLoad(cost, unique);
    return {
      rate: (received.unique / (received.lastAt - start)) * 1000,
      lost: setup.messages.length - received.unique,
      cpuPerMessage: cost.cpuUs / unique,
      subscriberCpuPerMessage: received.cpuUs / unique,
      ...(load === undefined ? {} : { brokerCpuPerMessage: load.perMessage, brokerBusy: load.busy }),
      ...(received.readCalls === undefined ? {} : { readCallsPerMessage: received.readCalls / unique }),
      ...(cost.brokerWriteCalls === undefined
        ? {}
        : { brokerWritesPerMessage: cost.brokerWriteCalls / unique }),
    };
  } finally {
    await pub.close();
  }
}

/** The median of a field over the runs that have it, or undefined. */
function medianOf(readings: readonly Reading[], field: keyof Reading): number | undefined {
  const values = readings.map((reading) => reading[field]).filter((v): v is number => v !== undefined);
  return values.length === 0 ? undefined : median(values);
}

/** One output line for a pair. */
function pairLine(name: string, readings: readonly Reading[]): string {
  const at = (field: keyof Reading, digits: number): string => {
    const value = medianOf(readings, field);
    return value === undefined ? '–' : fixed(value, digits);
  };
  const reads = medianOf(readings, 'readCallsPerMessage');
  const busy = medianOf(readings, 'brokerBusy');
  const subscriberCpu = medianOf(readings, 'subscriberCpuPerMessage');
  return (
    `${name.padEnd(26)} ${spreadText(spread(readings.map((r) => r.rate)))} msgs/s  ` +
    `CPU ${at('cpuPerMessage', 2)}${subscriberCpu === undefined ? '' : ` + ${fixed(subscriberCpu, 2)}`} µs/msg  ` +
    `broker ${at('brokerCpuPerMessage', 1)} µs/msg${busy === undefined ? '' : ` (${Math.round(busy * 100)}%)`}  ` +
    `msgs/read ${reads === undefined ? '–' : fixed(1 / reads, 1)}  broker writes/msg ${at('brokerWritesPerMessage', 2)}  ` +
    `lost ${int(readings.reduce((sum, r) => sum + r.lost, 0))}`
  );
}

async function main(): Promise<void> {
  const args = new Args();
  const kind = args.string('broker', 'mosquitto') as 'aedes' | 'mosquitto';
  const qos = args.number('qos', 0) as QoS;
  const reps = args.number('reps', 7);
  const n = args.number('n', 50_000);
  const apart = args.bool('apart', false);
  const protocolVersion = args.protocolVersion(4, kind);
  const ends = await endPairs(args);
  const { pairs } = ends;
  const broker = await startBroker({ kind, noDelay: true, unbounded: true }, () => undefined);
  const profileDir = args.optionalString('profile');
  const setup: Setup = {
    broker,
    qos,
    protocolVersion,
    messages: payloads(n, 64),
    ends,
    ...(profileDir === undefined ? {} : { profileDir }),
  };
  const subscribers = new Map<EndKind, ApartSubscriber>();
  const names = pairs.map(([publisher, subscriber]) => `${publisher} → ${subscriber}`);
  const readings = names.map((): Reading[] => []);
  try {
    if (apart) {
      for (const end of new Set(pairs.map(([, subscriber]) => subscriber)))
        subscribers.set(end, await ApartSubscriber.start(end, ends.sideOf(end), setup));
    }
    const run = (publisher: EndKind, subscriber: EndKind) => {
      const apartSubscriber = subscribers.get(subscriber);
      return apartSubscriber === undefined
        ? inProcessRun(setup, publisher, subscriber)
        : apartRun(setup, publisher, apartSubscriber);
    };
    // One untimed round first: every pair's code paths warm, as in the scenarios' warm-up.
    for (const [publisher, subscriber] of pairs) await run(publisher, subscriber);
    for (let rep = 0; rep < reps; rep++) {
      for (const index of rotate(
        pairs.map((_, i) => i),
        rep,
      )) {
        const [publisher, subscriber] = pairs[index] as EndPair;
        readings[index]?.push(await run(publisher, subscriber));
      }
      console.log(
        `rep ${rep + 1}: ${names.map((name, i) => `${name} ${int(readings[i]?.at(-1)?.rate ?? 0)}`).join(', ')}`,
      );
    }
  } finally {
    await Promise.all([...subscribers.values()].map((subscriber) => subscriber.close()));
    await broker.stop();
  }
  console.log(
    `\n${kind} (no queue limits), MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}, QoS ${qos}, ${int(n)} messages of ` +
      `64 B per run, ${apart ? 'each subscriber in a process of its own' : 'both ends in this process'}; ` +
      `msgs/s min / median / max over ${reps} reps, the rest medians:`,
  );
  names.forEach((name, i) => console.log(pairLine(name, readings[i] ?? [])));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
