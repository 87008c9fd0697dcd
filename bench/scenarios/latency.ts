/**
 * Scenario 3: round-trip latency, publish → broker → echo client → broker → receive, one message in
 * flight, QoS 0 and 1: raw MQTT.js with default sockets (Nagle on, broker defaults too), raw MQTT.js with
 * TCP_NODELAY on both clients and the broker, and the connector with its defaults (noDelay on) against
 * the same no-delay broker. Interleaved per rep.
 */
import type { QoS } from '../../src/connector/types.js';
import { type BenchBroker, scenarioBroker } from '../lib/brokers.js';
import { runScenario } from '../lib/scenario.js';
import {
  connectorEnd,
  measure,
  measureInterleaved,
  pair,
  type Pair,
  rawEnd,
  type RoundTrips,
} from '../lib/round-trip.js';
import { int, percentile, repsMeeting, spread, spreadText, times } from '../lib/stats.js';
import { rotate } from '../lib/timing.js';

/** Two raw MQTT.js clients, both with or without TCP_NODELAY. */
async function rawPair(broker: BenchBroker, qos: QoS, noDelay: boolean, id: string): Promise<Pair> {
  return pair(await rawEnd(broker, qos, noDelay), await rawEnd(broker, qos, noDelay), id);
}

/** Two connectors with their defaults. */
async function connectorPair(broker: BenchBroker, qos: QoS, id: string): Promise<Pair> {
  return pair(await connectorEnd(broker, qos), await connectorEnd(broker, qos), id);
}

interface Variant {
  readonly name: string;
  readonly broker: BenchBroker;
  /** Measured round trip by round trip in turn with the other interleaved variants (else alone). */
  readonly interleaved: boolean;
  open(qos: QoS, id: string): Promise<Pair>;
}

runScenario('3-latency', 'Round-trip latency (publish → echo → receive)', async (ctx) => {
  const brokers = ctx.args.list('brokers', ['aedes']);
  const qosList = ctx.args.numbers('qos', [0, 1]) as QoS[];
  const reps = ctx.args.number('reps', ctx.smoke ? 1 : 5);
  const samples = ctx.args.number('samples', ctx.smoke ? 50 : 1_000);
  const capMs = ctx.args.number('repMs', ctx.smoke ? 600 : 3_000);
  const warmup = ctx.smoke ? 10 : 100;
  const rows: string[][] = [];
  const raw: Record<string, unknown> = {};
  let runId = 0;
  for (const kind of brokers) {
    const spec = { kind: kind as 'aedes' | 'mosquitto' };
    const fast = await scenarioBroker(ctx, { ...spec, noDelay: true });
    const stock = await scenarioBroker(ctx, { ...spec, noDelay: false });
    const variants: Variant[] = [
      {
        name: 'raw MQTT.js, default sockets (Nagle on), broker defaults',
        broker: stock,
        interleaved: false,
        open: (q, id) => rawPair(stock, q, false, id),
      },
      {
        name: 'raw MQTT.js, TCP_NODELAY on clients and broker',
        broker: fast,
        interleaved: true,
        open: (q, id) => rawPair(fast, q, true, id),
      },
      {
        name: 'connector (default noDelay), broker TCP_NODELAY',
        broker: fast,
        interleaved: true,
        open: (q, id) => connectorPair(fast, q, id),
      },
    ];
    for (const qos of qosList) {
      const p50s = new Map<string, number[]>(variants.map((v) => [v.name, []]));
      const p99s = new Map<string, number[]>(variants.map((v) => [v.name, []]));
      const counts = new Map<string, number[]>(variants.map((v) => [v.name, []]));
      const losses = new Map<string, number>(variants.map((v) => [v.name, 0]));
      for (let rep = 0; rep < reps; rep++) {
        ctx.checkTime(capMs * variants.length + 5_000);
        const record = (variant: Variant, rtts: number[], lost: number) => {
          p50s.get(variant.name)?.push(percentile(rtts, 50));
          p99s.get(variant.name)?.push(percentile(rtts, 99));
          counts.get(variant.name)?.push(rtts.length);
          losses.set(variant.name, (losses.get(variant.name) ?? 0) + lost);
        };
        // The slow (Nagle) variant alone; the fast ones round trip by round trip in turn.
        for (const variant of variants.filter((v) => !v.interleaved)) {
          const pair = await variant.open(qos, `${process.pid}-${runId++}`);
          try {
            await measure(pair, warmup, Math.min(1_000, capMs));
            const { rtts, lost } = await measure(pair, samples, capMs);
            record(variant, rtts, lost);
          } finally {
            await pair.close();
          }
        }
        const together = rotate(
          variants.filter((v) => v.interleaved),
          rep,
        );
        const pairs: Pair[] = [];
        try {
          for (const variant of together) pairs.push(await variant.open(qos, `${process.pid}-${runId++}`));
          await measureInterleaved(pairs, warmup, Math.min(1_000, capMs));
          const results = await measureInterleaved(pairs, samples, capMs);
          together.forEach((variant, i) => {
            const result = results[i] as RoundTrips;
            record(variant, result.rtts, result.lost);
          });
        } finally {
          await Promise.all(pairs.map((pair) => pair.close()));
        }
      }
      for (const variant of variants) {
        rows.push([
          variant.broker.spec.kind,
          `${qos}`,
          variant.name,
          spreadText(spread(p50s.get(variant.name) ?? [])),
          spreadText(spread(p99s.get(variant.name) ?? [])),
          `${int(Math.min(...(counts.get(variant.name) ?? [])))}${(losses.get(variant.name) ?? 0) > 0 ? `; ${losses.get(variant.name)} lost` : ''}`,
        ]);
        ctx.log(
          `${kind} QoS ${qos} ${variant.name}: p50 ${int(spread(p50s.get(variant.name) ?? []).median)} µs`,
        );
      }
      raw[`${kind} qos${qos}`] = {
        p50: Object.fromEntries(p50s),
        p99: Object.fromEntries(p99s),
        samples: Object.fromEntries(counts),
      };
      if (qos === 1) {
        const [defaults, nodelay, ours] = variants.map((v) => spread(p50s.get(v.name) ?? []).median) as [
          number,
          number,
          number,
        ];
        // The p50 of each rep of the i-th variant (Nagle, TCP_NODELAY, connector), in rep order.
        const perRep = (i: number) => p50s.get(variants[i]?.name ?? '') ?? [];
        ctx.out.target({
          target: 'round trip QoS 1 within 1.2× of raw with TCP_NODELAY',
          where: `${kind}, p50`,
          measured: `${int(ours)} vs ${int(nodelay)} µs = ${times(ours / nodelay)}`,
          met: ours / nodelay <= 1.2,
          reps: repsMeeting(perRep(2), perRep(1), (a, b) => a / b <= 1.2),
        });
        ctx.out.target({
          target: 'round trip QoS 1 ≥ 100× faster than MQTT.js defaults',
          where: `${kind}, p50`,
          measured: `${int(defaults)} vs ${int(ours)} µs = ${times(defaults / ours, 0)} faster`,
          met: defaults / ours >= 100,
          reps: repsMeeting(perRep(2), perRep(0), (a, b) => b / a >= 100),
        });
      }
    }
    await Promise.all([fast.stop(), stock.stop()]);
  }
  ctx.out.raw.latency = raw;
  ctx.out.table({
    title: 'Round-trip latency, µs (p50 and p99 per rep; min / median / max over reps)',
    intro:
      `Client A publishes to a ping topic; client B (subscribed) republishes each message to a pong topic; A ` +
      `(subscribed) takes the time: two broker hops, one message in flight, 64 B, both subscriptions at the ` +
      `publish QoS. Per rep: fresh connections, up to ${warmup} warm-up round trips (≤ 1 s), then up to ` +
      `${int(samples)} timed ones within ${capMs / 1000} s. The raw TCP_NODELAY pair and the connector pair run ` +
      `in turn, 20 round trips at a time (the machine's slow and fast spells, which move p50 between ~70 and ` +
      `~150 µs here, then hit both alike); the Nagle pair runs alone (so the Nagle rows at QoS 1, ~88 ms each, have few samples ` +
      `and their p99 is close to their max). ${reps} reps, variants in rotating order. "broker defaults" = a ` +
      `second broker process without TCP_NODELAY (aedes leaves Nagle on; mosquitto set_tcp_nodelay false).`,
    columns: [
      'broker',
      'QoS',
      'variant',
      'p50 µs (min / **median** / max)',
      'p99 µs (min / **median** / max)',
      'samples per rep (min)',
    ],
    rows,
  });
});
