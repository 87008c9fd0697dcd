/**
 * Scenario 4: dispatch cost per incoming message with 10, 1,000 and 10,000 live filters, without a
 * network: messages are pushed into the subscription registry through a fake MqttPort, exactly where
 * MQTT.js's 'message' events enter it. Compared with the one-RxJS-filter-per-observable design
 * (ngx-mqtt), in the same process, interleaved.
 */
import { NgxLayer } from '../lib/ngx.js';
import { quietRegistry } from '../lib/quiet-port.js';
import { runScenario } from '../lib/scenario.js';
import { fixed, int, sig, spread, spreadText, times } from '../lib/stats.js';
import { collectGarbage, rotate } from '../lib/timing.js';
import { workload } from '../lib/workload.js';

/** A way of routing messages, set up for one filter count. */
interface Variant {
  readonly name: string;
  feed(topic: string): void;
  delivered(): number;
  reset(): void;
  dispose(): void;
}

const PAYLOAD = new TextEncoder().encode('21.5');

async function registryVariant(
  name: string,
  filters: readonly string[],
  decode: 'binary' | 'auto',
): Promise<Variant> {
  let delivered = 0;
  const { port, registry } = await quietRegistry(filters, decode, () => {
    delivered++;
  });
  return {
    name,
    feed: (topic) => port.incoming$.next({ topic, payload: PAYLOAD, qos: 0, retain: false, dup: false }),
    delivered: () => delivered,
    reset: () => {
      delivered = 0;
    },
    dispose: () => registry.dispose(),
  };
}

function ngxVariant(filters: readonly string[]): Variant {
  const layer = new NgxLayer();
  let delivered = 0;
  const count = () => {
    delivered++;
  };
  for (const filter of filters) layer.attach(filter, count);
  return {
    name: 'one filter per observable (ngx-mqtt)',
    feed: (topic) => layer.messages.next({ topic, payload: PAYLOAD }),
    delivered: () => delivered,
    reset: () => {
      delivered = 0;
    },
    dispose: () => layer.dispose(),
  };
}

/** Feeds topics until done or the budget is spent; returns ns per message and how many were fed. */
function timeFeed(variant: Variant, topics: readonly string[], budgetMs: number) {
  collectGarbage();
  variant.reset();
  const start = performance.now();
  let fed = 0;
  for (const topic of topics) {
    variant.feed(topic);
    fed++;
    if ((fed & 63) === 0 && performance.now() - start > budgetMs) break;
  }
  const elapsed = performance.now() - start;
  return { nsPerMessage: (elapsed * 1e6) / fed, fed, deliveriesPerMessage: variant.delivered() / fed };
}

runScenario('4-dispatch', 'Dispatch cost per message (no network)', async (ctx) => {
  const counts = ctx.args.numbers('filters', ctx.smoke ? [10, 1000] : [10, 1000, 10_000]);
  const messages = ctx.args.number('messages', ctx.smoke ? 5_000 : 100_000);
  const reps = ctx.args.number('reps', ctx.smoke ? 1 : 5);
  const budgetMs = ctx.args.number('budgetMs', ctx.smoke ? 100 : 1_000);
  const rows: string[][] = [];
  const medians = new Map<string, number>();
  for (const count of counts) {
    ctx.checkTime();
    const { filters, topics } = workload(count, messages);
    const variants = [
      ngxVariant(filters),
      await registryVariant("registry, decode 'binary'", filters, 'binary'),
      await registryVariant("registry, decode 'auto' (default)", filters, 'auto'),
    ];
    // Same messages, same deliveries: the comparison is only fair if every design routes alike.
    const check = topics.slice(0, ctx.smoke ? 30 : 300);
    const delivered = variants.map((variant) => {
      variant.reset();
      for (const topic of check) variant.feed(topic);
      return variant.delivered();
    });
    if (new Set(delivered).size !== 1) {
      throw new Error(
        `${count} filters: the variants delivered ${delivered.join(' / ')} for the same messages`,
      );
    }
    // Warm-up (JIT), not timed.
    for (const variant of variants) timeFeed(variant, topics.slice(0, 10_000), budgetMs / 4);
    const results = new Map<string, ReturnType<typeof timeFeed>[]>();
    for (let rep = 0; rep < reps; rep++) {
      ctx.checkTime(budgetMs * variants.length);
      for (const variant of rotate(variants, rep)) {
        const result = timeFeed(variant, topics, budgetMs);
        const list = results.get(variant.name) ?? [];
        list.push(result);
        results.set(variant.name, list);
      }
    }
    for (const variant of variants) {
      const list = results.get(variant.name) ?? [];
      const ns = spread(list.map((r) => r.nsPerMessage));
      medians.set(`${count} ${variant.name}`, ns.median);
      rows.push([
        int(count),
        variant.name,
        spreadText(ns, sig),
        int(Math.min(...list.map((r) => r.fed))),
        fixed(list[0]?.deliveriesPerMessage ?? Number.NaN),
      ]);
      ctx.log(`${count} filters, ${variant.name}: median ${sig(ns.median)} ns/msg`);
    }
    ctx.out.raw[`filters_${count}`] = Object.fromEntries(results);
    for (const variant of variants) variant.dispose();
  }
  const ngxName = 'one filter per observable (ngx-mqtt)';
  const ours = "registry, decode 'binary'";
  ctx.out.table({
    title: 'Dispatch cost per incoming message (ns, min / median / max over reps)',
    intro:
      `Workload of baseline.md scenario 5 (seeded): topics s<0..99>/d<0..99>/<metric>, filters 70% exact, ` +
      `15% s/d/+, 10% s/+/metric, 5% s/#; messages half on exact filters' topics, half uniform; payload "21.5". ` +
      `${messages.toLocaleString('en-US')} messages per timed run or ${budgetMs} ms, whichever comes first; ` +
      `${reps} reps, variants in rotating order. Every variant was first checked to deliver the same number ` +
      `of messages for the same first ${ctx.smoke ? 30 : 300} topics. The registry is fed through a fake MqttPort (src/streams/port.ts), ` +
      `where MQTT.js's messages enter it; the ngx-mqtt design is messages$.pipe(filter(filterMatchesTopic), share()) ` +
      `per filter, with ngx-mqtt's own matcher.`,
    columns: [
      'filters',
      'design',
      'ns/msg (min / **median** / max)',
      'msgs timed per run (min)',
      'deliveries/msg',
    ],
    rows,
  });
  const ratioRows: string[][] = [];
  for (const count of counts) {
    const ngx = medians.get(`${count} ${ngxName}`) ?? Number.NaN;
    const binary = medians.get(`${count} ${ours}`) ?? Number.NaN;
    const auto = medians.get(`${count} registry, decode 'auto' (default)`) ?? Number.NaN;
    ratioRows.push([int(count), times(ngx / binary, 0), times(ngx / auto, 0)]);
  }
  ctx.out.table({
    title: 'Speed-up over one filter per observable (ratio of medians)',
    columns: ['filters', "registry 'binary' vs ngx-mqtt design", "registry 'auto' vs ngx-mqtt design"],
    rows: ratioRows,
  });
  const most = Math.max(...counts);
  const fewest = Math.min(...counts);
  const oursMost = medians.get(`${most} ${ours}`) ?? Number.NaN;
  const oursFewest = medians.get(`${fewest} ${ours}`) ?? Number.NaN;
  const ngxMost = medians.get(`${most} ${ngxName}`) ?? Number.NaN;
  const autoMost = medians.get(`${most} registry, decode 'auto' (default)`) ?? Number.NaN;
  const autoFewest = medians.get(`${fewest} registry, decode 'auto' (default)`) ?? Number.NaN;
  ctx.out.target({
    target: 'dispatch at 10,000 filters ≥ 1,000× faster than one filter per observable',
    where: `${int(most)} filters, decode 'binary' (auto: ${times(ngxMost / autoMost, 0)})`,
    measured: `${sig(ngxMost)} ns vs ${sig(oursMost)} ns per message = ${times(ngxMost / oursMost, 0)}`,
    met: ngxMost / oursMost >= 1000,
  });
  ctx.out.target({
    target: 'dispatch at 10,000 filters ≤ 10× its own cost at 10 filters',
    where: `${int(most)} vs ${int(fewest)} filters, decode 'binary' (auto: ${times(autoMost / autoFewest)})`,
    measured: `${sig(oursMost)} ns vs ${sig(oursFewest)} ns per message = ${times(oursMost / oursFewest)}`,
    met: oursMost / oursFewest <= 10,
  });
  ctx.out.note(
    'deliveries/msg grows with the filter count in this workload (more wildcard filters match each topic), ' +
      'so part of the cost at 10,000 filters is delivering more messages, not finding them.',
  );
});
