/**
 * A/B of a change in src/: loads the connector from this checkout (A) and from another source tree (B,
 * e.g. a copy of src/ with a proposed fix) into the same process and runs the publish scenario's
 * connector pattern (all fired, every promise awaited) for both, interleaved, next to raw MQTT.js:
 *
 *   npx tsx bench/tools/ab.ts --other=/tmp/proto/src --broker=mosquitto --qos=0,1,2 --reps=7
 *   npx tsx bench/tools/ab.ts --other=/tmp/proto/src --path=e2e --qos=1     (publisher → subscriber)
 *   npx tsx bench/tools/ab.ts --other=/tmp/proto/src --qos=1 --max-in-flight=20   (both connectors' window)
 *   npx tsx bench/tools/ab.ts --other=/tmp/proto/src --text        (the connectors publish a string, UTF-8 encoded)
 *   npx tsx bench/tools/ab.ts --other=/tmp/proto/src --protocol=5  (every client on MQTT 5; mosquitto)
 *   npx tsx bench/tools/ab.ts --this=/tmp/base/src --other=/tmp/proto/src   (A loaded from a copy too)
 *   npx tsx bench/tools/ab.ts --other=/tmp/proto/src --raw=fire   (raw fires all at once: scenario 1's QoS 1/2 reference)
 *   npx tsx bench/tools/ab.ts --other=/tmp/proto/src --raw=promised-fire   (and makes a promise per message, all awaited)
 *   npx tsx bench/tools/ab.ts --other=/tmp/proto/src --alloc=10   (and what each side allocates, top 10 sites)
 *   npx tsx bench/tools/ab.ts --other=/tmp/proto/src --isolate   (each side's every rep in a process of its own)
 *
 * A tree loaded through `--other` runs a little slower than the one this checkout's code imports (an
 * identical copy as B: 7% longer round trips in bench/tools/latency-split.ts), so `--this` loads A the
 * same way from a copy of its own, and neither side has the advantage. The two trees then share one
 * MQTT.js, whose objects come in each tree's shapes. `--isolate` runs every rep of every side in a new
 * process instead (tools/ab-side.ts: `--warmups=N` runs of a fifth of the messages, 5 by default, then the
 * timed run), as an application runs one connector; the broker stays the parent's. Such a young process can
 * run slower than one that has run for minutes: raw firing all QoS 1 publishes on aedes reached 57,000–74,000
 * msgs/s isolated (1, 5 or 15 warm-ups) against about 90,000 in one process. Compare the isolated sides with
 * each other, not with figures taken in one process.
 *
 * Prints msgs/s (min / median / max), this process's CPU µs per message, the part of it spent in garbage
 * collection (and in scavenges, which cost more the more survives them), and the broker's CPU per message
 * (with the share of the run it was busy, connect and close included: near 100% the broker bounds the
 * comparison) for each. `--alloc` adds, after the timed reps, one run per side under V8's sampling heap
 * profiler: the bytes of JavaScript heap it allocated per message, and with `--alloc=N` its N largest
 * allocation sites. Bytes hardly change with the machine's speed, unlike time.
 */
import type { QoS } from '../../src/connector/types.js';
import { abMessages, type AbSetup, abSetup, rawName, timedAbRun } from '../lib/ab-variants.js';
import { Args } from '../lib/args.js';
import { type BenchBroker, startBroker } from '../lib/brokers.js';
import { lastLineOf } from '../lib/child.js';
import { abSides, abTrees, type ConnectorClass } from '../lib/connector.js';
import { sampleAllocations } from '../lib/allocation.js';
import { brokerLoadText, RunSamples, type TimedRun } from '../lib/cost.js';
import { fixed, int, spread, spreadText } from '../lib/stats.js';
import { rotate } from '../lib/timing.js';

/** A side of the A/B: its row name, and one timed run of `count` messages (elapsed ms and its cost). */
type Variant = readonly [string, (count: number) => Promise<TimedRun>];

/** The flags a child of `--isolate` does not take from its parent (it gets its own). */
const PARENT_ONLY = new Set(['other', 'this', 'isolate', 'reps', 'qos', 'alloc']);

/** Runs tools/ab-side.ts for one side and one rep; resolves with the run it printed. */
async function runSide(
  args: Args,
  broker: BenchBroker,
  side: string,
  qos: QoS,
  n: number,
): Promise<TimedRun> {
  const flags = args
    .entries()
    .filter(([key]) => !PARENT_ONLY.has(key))
    .map(([key, value]) => `--${key}=${value}`);
  const pid = broker.pid();
  // A side's run has a 60-second cap; the warm-up and start-up take seconds: the default kill is ample.
  const last = await lastLineOf(
    'bench/tools/ab-side.ts',
    [
      ...flags,
      `--url=${broker.url}`,
      ...(pid === undefined ? [] : [`--broker-pid=${pid}`]),
      `--side=${side}`,
      `--qos=${qos}`,
      `--n=${n}`,
    ],
    `side ${side}`,
  );
  return JSON.parse(last) as TimedRun;
}

/** Raw and the two connector sides (loaded once, by {@link abSides}), each run in this process. */
function inProcessVariants(
  sides: readonly (readonly [string, ConnectorClass])[],
  setup: AbSetup,
  broker: BenchBroker,
  qos: QoS,
): Variant[] {
  return [
    [rawName(setup, qos), (count) => timedAbRun(broker, setup, 'raw', qos, count)],
    ...sides.map(([name, Connector]): Variant => [
      name,
      (count) => timedAbRun(broker, setup, Connector, qos, count),
    ]),
  ];
}

/** Raw and the two connector sides, each run in a process of its own per rep. */
function isolatedVariants(args: Args, setup: AbSetup, broker: BenchBroker, qos: QoS): Variant[] {
  return [
    [rawName(setup, qos), (count) => runSide(args, broker, 'raw', qos, count)],
    ...abTrees(args).map(([name, tree]): Variant => [
      name,
      (count) => runSide(args, broker, tree ?? 'this', qos, count),
    ]),
  ];
}

async function main(): Promise<void> {
  const args = new Args();
  const setup = abSetup(args);
  const isolate = args.has('isolate');
  const reps = args.number('reps', 7);
  // --alloc: one sampled run per side after the timed ones; --alloc=N also lists its N largest sites.
  const allocSites = args.optionalCount('alloc');
  if (isolate && allocSites !== undefined)
    throw new Error('--alloc runs in this process: not with --isolate');
  const broker = await startBroker(
    { kind: setup.kind, noDelay: true, unbounded: setup.path === 'e2e' && setup.kind === 'mosquitto' },
    () => undefined,
  );
  try {
    const sides = isolate ? [] : await abSides(args);
    for (const qos of args.numbers('qos', [0, 1, 2]) as QoS[]) {
      const n = abMessages(qos);
      const variants = isolate
        ? isolatedVariants(args, setup, broker, qos)
        : inProcessVariants(sides, setup, broker, qos);
      const samples = new Map(variants.map(([name]) => [name, new RunSamples()]));
      // In this process, one warm-up per side first; an isolated side warms up in its own process.
      if (!isolate) for (const [, run] of variants) await run(n / 5);
      for (let rep = 0; rep < reps; rep++) {
        for (const [name, run] of rotate(variants, rep)) {
          const { elapsedMs, cost } = await run(n);
          samples.get(name)?.add(n, elapsedMs, cost);
        }
      }
      const label = `${setup.kind}${setup.protocolVersion === 5 ? ' MQTT 5' : ''} QoS ${qos} ${setup.size} B`;
      for (const [name, sample] of samples) {
        const median = (values: number[]) => fixed(spread(values).median, 2);
        console.log(
          `${label}  ${name.padEnd(40)} ${spreadText(spread(sample.rates), int)} msgs/s, ` +
            `CPU ${median(sample.cpu)} µs/msg, GC ${median(sample.gc)} (scavenges ${median(sample.scavenge)}), ` +
            `broker µs/msg (busy) ${brokerLoadText(sample.brokerCpu, sample.brokerBusy)}`,
        );
      }
      if (allocSites !== undefined) {
        for (const [name, run] of variants) {
          const { allocations } = await sampleAllocations(() => run(n));
          console.log(`  ${name}: ${int(allocations.bytes / n)} B allocated per message`);
          for (const { site, bytes } of allocations.sites.slice(0, allocSites)) {
            console.log(`    ${int(bytes / n).padStart(6)} B  ${site}`);
          }
        }
      }
    }
  } finally {
    await broker.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
