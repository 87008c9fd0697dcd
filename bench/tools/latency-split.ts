/**
 * Splits scenario 3's round trip between its two ends: raw MQTT.js ↔ raw, connector ↔ connector, and the
 * two mixed pairs (raw pinger with a connector echo; connector pinger with a raw echo), all with
 * TCP_NODELAY against one no-delay broker, measured in turn 20 round trips at a time:
 *
 *   npx tsx bench/tools/latency-split.ts --broker=mosquitto --qos=1 --reps=5 --samples=2000
 *   npx tsx bench/tools/latency-split.ts --other=/tmp/old/src      (adds B ↔ B: another source tree's connector)
 *   npx tsx bench/tools/latency-split.ts --this=/tmp/base/src --other=/tmp/old/src   (the connector ends from a copy)
 *   npx tsx bench/tools/latency-split.ts --protocol=5     (every end on MQTT 5: scenario 8's round trip; mosquitto)
 *
 * A tree loaded through `--other` runs a little slower than the one this checkout's code imports (an identical
 * copy as B: 7% longer round trips), so to compare two trees load both: `--this` for the connector ends.
 *
 * A connector end that costs x µs more than a raw one shows up as +x in each pair it is part of, so the
 * mixed pairs say how much of the connector pair's extra time its publishing end and its echoing end add.
 * Both ends and their acks run in this one process, so a round trip is mostly its CPU time: the CPU µs
 * per round trip (user + system, this process) is printed too, and varies less than the times.
 */
import type { QoS } from '../../src/connector/types.js';
import { Args } from '../lib/args.js';
import { type BenchBroker, startBroker } from '../lib/brokers.js';
import { type EndKind, type EndPair, type EndPairs, endPairs } from '../lib/end-pairs.js';
import {
  measureInterleaved,
  openEnd,
  pair,
  type Pair,
  type RoundTripEnd,
  type RoundTrips,
} from '../lib/round-trip.js';
import { int, percentile, signed, spread, spreadText } from '../lib/stats.js';
import { rotate } from '../lib/timing.js';

/** Opens one end of `kind`, with that kind's connector class (lib/end-pairs.ts). */
function openKind(
  kind: EndKind,
  ends: EndPairs,
  broker: BenchBroker,
  qos: QoS,
  protocolVersion: 4 | 5,
): Promise<RoundTripEnd> {
  return openEnd(kind === 'raw' ? 'raw' : 'connector', broker, qos, ends.classOf(kind), protocolVersion);
}

async function main(): Promise<void> {
  const args = new Args();
  const kind = args.string('broker', 'mosquitto') as 'aedes' | 'mosquitto';
  const qos = args.number('qos', 1) as QoS;
  const reps = args.number('reps', 5);
  const samples = args.number('samples', 2_000);
  const capMs = args.number('repMs', 6_000);
  const protocolVersion = args.protocolVersion(4, kind);
  const ends = await endPairs(args);
  const kinds = ends.pairs;
  const broker = await startBroker({ kind, noDelay: true }, () => undefined);
  const names = kinds.map(([pinger, echo]) => `${pinger} pinger → ${echo} echo`);
  const p50s = names.map((): number[] => []);
  const p99s = names.map((): number[] => []);
  const cpus = names.map((): number[] => []);
  try {
    for (let rep = 0; rep < reps; rep++) {
      const order = rotate(
        kinds.map((_, index) => index),
        rep,
      );
      const pairs: Pair[] = [];
      try {
        for (const index of order) {
          const [pinger, echo] = kinds[index] as EndPair;
          pairs.push(
            await pair(
              await openKind(pinger, ends, broker, qos, protocolVersion),
              await openKind(echo, ends, broker, qos, protocolVersion),
              `${process.pid}-${rep}-${index}`,
            ),
          );
        }
        await measureInterleaved(pairs, 200, 1_000);
        const results = await measureInterleaved(pairs, samples, capMs);
        order.forEach((index, position) => {
          const { rtts, cpuUs } = results[position] as RoundTrips;
          p50s[index]?.push(percentile(rtts, 50));
          p99s[index]?.push(percentile(rtts, 99));
          cpus[index]?.push(cpuUs / rtts.length);
        });
      } finally {
        await Promise.all(pairs.map((p) => p.close()));
      }
      console.log(`rep ${rep + 1}: ${names.map((n, i) => `${n} ${int(p50s[i]?.at(-1) ?? 0)}`).join(', ')}`);
    }
  } finally {
    await broker.stop();
  }
  const base = spread(p50s[0] ?? []).median;
  const baseCpu = spread(cpus[0] ?? []).median;
  console.log(
    `\n${kind}, MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}, QoS ${qos}, p50 and p99 µs (min / median / max over ${reps} reps):`,
  );
  names.forEach((name, i) => {
    const p50 = spread(p50s[i] ?? []);
    const cpu = spread(cpus[i] ?? []);
    console.log(
      `${name.padEnd(34)} p50 ${spreadText(p50)} (${signed(p50.median - base)})  ` +
        `p99 ${spreadText(spread(p99s[i] ?? []))}  CPU/rt ${spreadText(cpu)} (${signed(cpu.median - baseCpu)})`,
    );
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
