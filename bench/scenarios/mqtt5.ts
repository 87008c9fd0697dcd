/**
 * Scenario 8: MQTT 5. Scenarios 1–3 measure MQTT 3.1.1 (the connector's default); this one measures what
 * an MQTT 5 user gets, each figure next to its MQTT 3.1.1 twin in the same interleaving, on mosquitto
 * (aedes speaks MQTT 3.1.1 only):
 * - publish throughput, 64 B, QoS 0/1/2, every promise awaited, against raw MQTT.js's window;
 * - end to end, QoS 0 and 1, both clients on the version;
 * - the QoS 1 round trip, TCP_NODELAY on every socket.
 *
 * What MQTT 5 changes on the connector's paths: the broker's Receive Maximum (stock mosquitto: 20) bounds
 * the QoS 1/2 window, as the spec requires; every publish is checked against the CONNACK's limits; every
 * incoming PUBLISH carries a properties block. MQTT.js does not hold its publishes to the Receive Maximum,
 * so the raw window is kept within it (an expert on MQTT 5 has to), which the rows name.
 */
import type { QoS } from '../../src/connector/types.js';
import { type BenchBroker, scenarioBroker } from '../lib/brokers.js';
import { e2eRun } from '../lib/e2e.js';
import { type E2eResult, failedE2e, payloads } from '../lib/e2e-receiver.js';
import { errorText } from '../lib/output.js';
import { publishOnce } from '../lib/publish-once.js';
import { measureInterleaved, openEnd, pair, type Pair } from '../lib/round-trip.js';
import { runScenario, type ScenarioContext } from '../lib/scenario.js';
import { int, percentile, repsMeeting, spread, spreadText, times } from '../lib/stats.js';
import { rotate } from '../lib/timing.js';
import {
  type Version,
  versionName,
  type Variant,
  variantsOf,
  repeat,
  keepRaw,
  pairOf,
  type Run,
  rateRows,
  ratioTarget,
} from '../lib/version-pairs.js';
import { expertWindow } from '../lib/raw.js';

const SIZE = 64;

async function publishPart(ctx: ScenarioContext, broker: BenchBroker, reps: number): Promise<string[][]> {
  const rows: string[][] = [];
  for (const qos of [0, 1, 2] as QoS[]) {
    const n = ctx.smoke ? 1_000 : qos === 2 ? 20_000 : 50_000;
    const window = expertWindow(qos);
    const payload = Buffer.alloc(SIZE, 0x78);
    const timeoutMs = 60_000;
    const once = (variant: Variant, count: number): Promise<Run> =>
      publishOnce(variant.raw ? 'raw' : 'connector', {
        url: broker.url,
        topic: 'bench/v5',
        qos,
        n: count,
        payload,
        window,
        protocolVersion: variant.version,
        timeoutMs,
      }).catch((error: unknown) => ({ rate: 0, cpu: Number.NaN, error: errorText(error) }));
    const list = variantsOf(
      (version) =>
        `${versionName(version)}, raw MQTT.js, window ${window}` +
        (version === 5 && qos > 0 ? ' within the Receive Maximum' : ''),
    );
    const results = await repeat(ctx, list, reps, (v, warmUp) => once(v, warmUp ? n / 5 : n), timeoutMs);
    keepRaw(ctx, `publish qos${qos}`, results);
    rows.push(...rateRows('publish, all fired', qos, list, results));
    const [raw] = pairOf(list, 5);
    ctx.out.target(
      ratioTarget(
        qos === 0 ? 'publish QoS 0 ≥ 0.8× the windowed raw pattern' : `publish QoS ${qos} ≥ 0.9× raw`,
        `${broker.label}, MQTT 5, QoS ${qos}, ${SIZE} B`,
        list,
        results,
        qos === 0 ? 0.8 : 0.9,
        (results.get(raw) ?? []).every((run) => run.error === undefined),
      ),
    );
  }
  return rows;
}

async function e2ePart(ctx: ScenarioContext, broker: BenchBroker, reps: number): Promise<string[][]> {
  const rows: string[][] = [];
  const limits = { idleMs: ctx.smoke ? 500 : 1_500, capMs: ctx.smoke ? 8_000 : 30_000 };
  for (const qos of [0, 1] as QoS[]) {
    const n = ctx.smoke ? 1_000 : 50_000;
    const messages = payloads(n, SIZE);
    const topic = `bench/v5/e2e/${qos}`;
    const once = (variant: Variant, batch: readonly Buffer[]): Promise<E2eResult & Run> => {
      const side = variant.raw ? 'raw' : 'connector';
      const sides = { publisher: side, subscriber: side, protocolVersion: variant.version } as const;
      return e2eRun(broker, topic, qos, batch, limits, sides)
        .catch((error: unknown) => failedE2e(batch.length, error))
        .then((result) => ({ ...result, cpu: result.cpuPerMessage ?? Number.NaN }));
    };
    const list = variantsOf((version) => `${versionName(version)}, raw → raw, publisher window 100`);
    const results = await repeat(
      ctx,
      list,
      reps,
      (v, warmUp) => once(v, warmUp ? messages.slice(0, n / 5) : messages),
      limits.capMs,
    );
    keepRaw(ctx, `e2e qos${qos}`, results);
    const lostOf = (runs: readonly (E2eResult & Run)[]) => runs.reduce((sum, run) => sum + run.lost, 0);
    rows.push(
      ...rateRows('end to end', qos, list, results, (runs) => [
        `lost ${int(lostOf(runs))} of ${int(n * runs.length)}`,
      ]),
    );
    const [raw, ours] = pairOf(list, 5);
    const where = `${broker.label}, MQTT 5, QoS ${qos}, ${SIZE} B`;
    const rawClean = (results.get(raw) ?? []).every((run) => run.lost === 0 && run.error === undefined);
    ctx.out.target(
      ratioTarget(
        'end-to-end ≥ 0.9× raw (best loss-free raw pattern of the run)',
        where,
        list,
        results,
        0.9,
        rawClean,
      ),
    );
    if (qos === 1) {
      const ourRuns = results.get(ours) ?? [];
      const lost = lostOf(ourRuns);
      ctx.out.target({
        target: 'no loss at QoS 1/2 end to end',
        where,
        measured: `connector lost ${int(lost)} of ${int(n * ourRuns.length)} over ${ourRuns.length} runs`,
        met: lost === 0 && ourRuns.length > 0,
      });
    }
  }
  return rows;
}

async function roundTripPart(ctx: ScenarioContext, broker: BenchBroker, reps: number): Promise<string[][]> {
  const qos: QoS = 1;
  const samples = roundTripsPerRep(ctx);
  const capMs = ctx.smoke ? 600 : 3_000;
  const open = async (version: Version, raw: boolean, id: string): Promise<Pair> => {
    const end = () => openEnd(raw ? 'raw' : 'connector', broker, qos, undefined, version);
    return pair(await end(), await end(), id);
  };
  const list = variantsOf((version) => `${versionName(version)}, raw MQTT.js with TCP_NODELAY`);
  const p50s = new Map<Variant, number[]>(list.map((v) => [v, []]));
  let id = 0;
  for (let rep = 0; rep < reps; rep++) {
    ctx.checkTime(capMs * 2 + 5_000);
    const order = rotate(list, rep);
    const pairs: Pair[] = [];
    try {
      for (const variant of order)
        pairs.push(await open(variant.version, variant.raw, `v5-${process.pid}-${id++}`));
      await measureInterleaved(pairs, ctx.smoke ? 10 : 100, Math.min(1_000, capMs));
      const results = await measureInterleaved(pairs, samples, capMs);
      order.forEach((variant, i) => p50s.get(variant)?.push(percentile(results[i]?.rtts ?? [], 50)));
    } finally {
      await Promise.all(pairs.map((p) => p.close()));
    }
  }
  keepRaw(ctx, 'round trip p50 qos1', p50s);
  const median = (v: Variant) => spread(p50s.get(v) ?? []).median;
  const rows = list.map((variant) => {
    const [raw] = pairOf(list, variant.version);
    return [
      'round trip p50, µs',
      `${qos}`,
      variant.name,
      spreadText(spread(p50s.get(variant) ?? [])),
      variant.raw ? '–' : times(median(variant) / median(raw)),
      '',
      '',
    ];
  });
  const [raw, ours] = pairOf(list, 5);
  ctx.out.target({
    target: 'round trip QoS 1 within 1.2× of raw with TCP_NODELAY',
    where: `${broker.spec.kind}, MQTT 5, p50`,
    measured: `${int(median(ours))} vs ${int(median(raw))} µs = ${times(median(ours) / median(raw))}`,
    met: median(ours) / median(raw) <= 1.2,
    reps: repsMeeting(p50s.get(ours) ?? [], p50s.get(raw) ?? [], (a, b) => a / b <= 1.2),
  });
  return rows;
}

runScenario('8-mqtt5', 'MQTT 5', async (ctx) => {
  const reps = ctx.args.number('reps', ctx.smoke ? 1 : 5);
  const intro =
    `The MQTT 5 path against raw MQTT.js on MQTT 5, each next to its MQTT 3.1.1 twin (scenarios 1–3 ` +
    `measure MQTT 3.1.1 only), on mosquitto: aedes speaks MQTT 3.1.1 only. Publish: ${SIZE} B, ` +
    `${ctx.smoke ? '1,000' : '50,000 (QoS 0/1) or 20,000 (QoS 2)'} messages per run, raw's window against the ` +
    `connector firing all and awaiting every promise, rate to a QoS 1 fence, stock mosquitto (max_inflight_messages ` +
    `20, which it announces to MQTT 5 clients as its Receive Maximum; MQTT.js does not keep to it, so raw's ` +
    `QoS 1/2 window on MQTT 5 is kept within it, as an expert's must be; the connector keeps to it by itself). ` +
    `End to end: as scenario 2 (mosquitto without inflight and queue limits, so no Receive Maximum), both ` +
    `clients on the version, the connector subscriber with decode 'binary'. Round trip: as scenario 3's ` +
    `TCP_NODELAY pairs, QoS 1, all four pairs 20 round trips at a time in turn, ${int(roundTripsPerRep(ctx))} per pair and rep. ` +
    `Fresh connections per run, one discarded warm-up per variant, ${reps} reps in rotating order. "CPU" = ` +
    `this process's CPU per message (both ends of end-to-end runs are in it).`;
  const brokers = ctx.args.list('brokers', ['aedes']);
  if (!brokers.includes('mosquitto')) {
    ctx.out.note(
      'MQTT 5 not measured: mosquitto is not among the brokers of this run (aedes speaks MQTT 3.1.1 only).',
    );
    return;
  }
  const stock = await scenarioBroker(ctx, { kind: 'mosquitto', noDelay: true });
  const unbounded = await scenarioBroker(ctx, { kind: 'mosquitto', noDelay: true, unbounded: true });
  const rows = [
    ...(await publishPart(ctx, stock, reps)),
    ...(await e2ePart(ctx, unbounded, reps)),
    ...(await roundTripPart(ctx, stock, reps)),
  ];
  await Promise.all([stock.stop(), unbounded.stop()]);
  ctx.out.table({
    title: 'MQTT 5 against MQTT 3.1.1, mosquitto (min / median / max)',
    intro,
    columns: [
      'measure',
      'QoS',
      'variant',
      'min / **median** / max',
      '× raw, same version',
      'CPU µs per msg',
      'notes',
    ],
    rows,
  });
});

/** Timed round trips per pair and rep. */
function roundTripsPerRep(ctx: ScenarioContext): number {
  return ctx.smoke ? 50 : 1_000;
}
