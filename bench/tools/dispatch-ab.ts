/**
 * A/B of a change to the receiving path of the subscription layer: the registry of this checkout (or
 * `--this`) against another tree's, over the fake port of scenario 4 (no network), each tree in a process
 * of its own, rounds alternating:
 *
 *   npx tsx bench/tools/dispatch-ab.ts --other=/tmp/base/src
 *   npx tsx bench/tools/dispatch-ab.ts --other=/tmp/base/src --topics=1,20,10000 --rounds=4
 *   npx tsx bench/tools/dispatch-ab.ts --other=/tmp/base/src --reused   (the same string objects again)
 *
 * Each message's topic is a string of its own, as MQTT.js hands them over (V8 keeps the split of a string
 * it has split before, so topics fed as the same objects again, as scenario 4 does, hide that cost;
 * `--reused` feeds them that way). `--topics=N`: N distinct topics (`s<i>/d<j>/temp`) in a fixed shuffled
 * order; 1: one longer topic. Three observed filters: one exact, `s1/+/temp` and `s2/#`. Prints ns per
 * message (min / median / max over the rounds' medians) per tree and topic count.
 *
 * Two trees loaded into one process share RxJS's objects in both trees' shapes, which made an identical
 * copy measure 50% slower than the first tree: hence a process per tree.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SubscriptionRegistry as Registry } from '../../src/streams/subscription-registry.js';
import { Args } from '../lib/args.js';
import { lastLineOf } from '../lib/child.js';
import { quietRegistry } from '../lib/quiet-port.js';
import { int, median, spread, spreadText } from '../lib/stats.js';
import { rotate } from '../lib/timing.js';

const PAYLOAD = new TextEncoder().encode('21.5');
const LONG_TOPIC = 'sensors/building-7/floor-3/temperature';
const MESSAGES = 500_000;

/** The topics fed, one entry per message. */
function topicsFed(distinct: number, reused: boolean): string[] {
  const names =
    distinct === 1
      ? [LONG_TOPIC]
      : Array.from({ length: distinct }, (_, i) => `s${i % 100}/d${Math.floor(i / 100)}/temp`);
  // A fixed stride through the names (7919 is prime): every name as often, never two in a row.
  const pick = (i: number) => names[(i * 7919) % distinct] as string;
  return Array.from({ length: MESSAGES }, (_, i) => (reused ? pick(i) : Buffer.from(pick(i)).toString()));
}

/** In the child: the registry of `tree`, fed `topics`; prints the median ns per message of `reps` runs. */
async function measure(tree: string, topics: readonly string[], reps: number): Promise<void> {
  const file = resolve(tree, 'streams', 'subscription-registry.ts');
  const { SubscriptionRegistry } = (await import(pathToFileURL(file).href)) as {
    SubscriptionRegistry: typeof Registry;
  };
  let delivered = 0;
  const { port, registry } = await quietRegistry(
    [LONG_TOPIC, 's1/+/temp', 's2/#'],
    'binary',
    () => delivered++,
    SubscriptionRegistry,
  );
  const ns: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const start = performance.now();
    for (const topic of topics)
      port.incoming$.next({ topic, payload: PAYLOAD, qos: 0, retain: false, dup: false });
    ns.push(((performance.now() - start) * 1e6) / topics.length);
  }
  if (delivered === 0) throw new Error('no message was delivered');
  registry.dispose();
  console.log(JSON.stringify(median(ns)));
}

/** In the parent: one child run for `tree`; resolves with its median ns per message. */
async function child(tree: string, topics: number, reused: boolean, reps: number): Promise<number> {
  const flags = [`--child=${tree}`, `--topics=${topics}`, `--reps=${reps}`, ...(reused ? ['--reused'] : [])];
  return Number(await lastLineOf('bench/tools/dispatch-ab.ts', flags, tree));
}

async function main(): Promise<void> {
  const args = new Args();
  const reused = args.bool('reused', false);
  const childTree = args.optionalString('child');
  if (childTree !== undefined) {
    await measure(childTree, topicsFed(args.number('topics', 1), reused), args.number('reps', 7));
    return;
  }
  const other = args.optionalString('other');
  if (other === undefined) throw new Error('--other=<path to another src/ directory> is required');
  const trees = [args.string('this', 'src'), other];
  const counts = args.numbers('topics', [1, 20, 10_000]);
  const rounds = args.number('rounds', 4);
  for (const topics of counts) {
    const results = trees.map((): number[] => []);
    for (let round = 0; round < rounds; round++) {
      for (const index of rotate([0, 1], round)) {
        results[index]?.push(await child(trees[index] as string, topics, reused, args.number('reps', 7)));
      }
    }
    console.log(
      `${int(topics)} topic(s), ${reused ? 'reused' : 'fresh'} strings, ns per message over ${rounds} rounds:`,
    );
    trees.forEach((tree, i) => console.log(`  ${tree.padEnd(30)} ${spreadText(spread(results[i] ?? []))}`));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
