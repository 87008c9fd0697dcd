/**
 * Scenario 7: the cost of observability (issue 8's `metrics()` snapshot and `events$` stream) on the
 * publish path (scenario 1, QoS 1, 64 B) and the receive path (scenario 2, QoS 1). The same connector
 * runs plain and with an `events$` subscriber attached and `metrics()` called every 10 ms (100× more often
 * than the "every second" the issue plans for), interleaved.
 */
import { type BenchBroker, scenarioBroker } from '../lib/brokers.js';
import { type BenchConnector, connectorPublishRun, startConnector } from '../lib/connector.js';
import { connectorE2e } from '../lib/e2e.js';
import { type E2eResult, payloads } from '../lib/e2e-receiver.js';
import { runScenario } from '../lib/scenario.js';
import { int, spread, spreadText, times } from '../lib/stats.js';
import { rotate } from '../lib/timing.js';

/** Attaches an events$ subscriber and polls metrics() every 10 ms; returns the detach function. */
function observe(bench: BenchConnector): () => void {
  const { connector } = bench;
  let events = 0;
  const subscription = connector.events$.subscribe(() => {
    events++;
  });
  const timer = setInterval(() => void connector.metrics(), 10);
  return () => {
    clearInterval(timer);
    subscription.unsubscribe();
    void events;
  };
}

async function publishPath(broker: BenchBroker, n: number, observed: boolean): Promise<number> {
  const bench = await startConnector(broker.url);
  const detach = observed ? observe(bench) : () => undefined;
  try {
    const elapsed = await connectorPublishRun(
      bench.connector,
      'bench/metrics',
      n,
      1,
      Buffer.alloc(64, 0x78),
      30_000,
    );
    return (n / elapsed) * 1000;
  } finally {
    detach();
    await bench.close();
  }
}

async function receivePath(broker: BenchBroker, n: number, observed: boolean): Promise<number> {
  const result: E2eResult = await connectorE2e(
    broker,
    'bench/metrics/e2e',
    1,
    payloads(n, 64),
    { idleMs: 1_500, capMs: 30_000 },
    observed
      ? (pub, sub) => {
          const detach = [pub, sub].map((bench) => (bench === undefined ? () => undefined : observe(bench)));
          return () => {
            for (const d of detach) d();
          };
        }
      : undefined,
  );
  if (result.lost > 0 || result.error !== undefined)
    throw new Error(`lost ${result.lost}: ${result.error ?? ''}`);
  return result.rate;
}

runScenario('7-metrics', 'Cost of metrics() / events$ on the publish and receive paths', async (ctx) => {
  const brokers = ctx.args.list('brokers', ['aedes']);
  const reps = ctx.args.number('reps', ctx.smoke ? 1 : 5);
  const n = ctx.args.number('n', ctx.smoke ? 1_000 : 50_000);
  const kind = (brokers[0] ?? 'aedes') as 'aedes' | 'mosquitto';
  const broker = await scenarioBroker(ctx, { kind, noDelay: true, unbounded: kind === 'mosquitto' });
  const columns = ['path', 'variant', 'msgs/s (min / **median** / max)', '× plain'];
  const rows: string[][] = [];
  for (const [path, run] of [
    ['publish (scenario 1, QoS 1, 64 B)', publishPath],
    ['receive (scenario 2, QoS 1, 64 B)', receivePath],
  ] as const) {
    const variants = [
      { name: 'plain', observed: false },
      { name: 'events$ subscribed + metrics() every 10 ms', observed: true },
    ];
    const rates = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    for (const variant of variants)
      await run(broker, Math.round(n / 5), variant.observed).catch(() => undefined);
    for (let rep = 0; rep < reps; rep++) {
      ctx.checkTime(ctx.smoke ? 0 : 10_000);
      for (const variant of rotate(variants, rep))
        rates.get(variant.name)?.push(await run(broker, n, variant.observed));
    }
    const plain = spread(rates.get('plain') ?? []).median;
    for (const variant of variants) {
      const s = spread(rates.get(variant.name) ?? []);
      rows.push([path, variant.name, spreadText(s), variant.observed ? times(s.median / plain) : '–']);
      ctx.log(`${path} ${variant.name}: ${int(s.median)} msgs/s`);
    }
    const observedMedian = spread(rates.get(variants[1]?.name ?? '') ?? []).median;
    ctx.out.target({
      target: 'cost of metrics()/events$ measured (no numeric target in issue 7)',
      where: `${broker.label}, ${path}`,
      measured: `${int(observedMedian)} vs ${int(plain)} msgs/s plain = ${times(observedMedian / plain)}`,
      met: null,
    });
  }
  ctx.out.table({
    title: 'Cost of metrics() / events$, msgs/s (min / median / max)',
    intro:
      `${broker.label}; n = ${int(n)} QoS 1 messages of 64 B per run; ${reps} reps, variants in rotating order, ` +
      `one discarded warm-up each. "metrics() every 10 ms" is 100× more often than the issue's "every second".`,
    columns,
    rows,
  });
  await broker.stop();
});
