/**
 * Scenario 5: heap per live subscription in the connector's own layer (subscription registry, topic
 * trie, filter entries, observers and the user's Subscription objects), with 10,000 distinct filters,
 * measured without MQTT.js (a fake MqttPort), after full garbage collections (node --expose-gc).
 * Compared with the one-filter-per-observable layer (ngx-mqtt's design), interleaved.
 */
import type { Subscription } from 'rxjs';
import type { SubscribeOptions } from '../../src/streams/subscribe-types.js';
import { SubscriptionRegistry } from '../../src/streams/subscription-registry.js';
import { NgxLayer } from '../lib/ngx.js';
import { QuietPort } from '../lib/quiet-port.js';
import { runScenario } from '../lib/scenario.js';
import { int, sig, spread, spreadText } from '../lib/stats.js';
import { heapAfterGc, rotate, settle } from '../lib/timing.js';
import { workload } from '../lib/workload.js';

/** Bytes of heap per live subscription that one layer adds. */
type Measure = (filters: readonly string[]) => Promise<number>;

const noop = () => undefined;

/**
 * Our registry: observe(filter, options).subscribe(next) per filter, Subscriptions kept (as a user keeps
 * them). `options` is a new object per call, as an app writes `subscribe(filter, { qos: 1 })`.
 */
const registryLayer =
  (options?: () => SubscribeOptions<unknown>): Measure =>
  async (filters) => {
    const kept = new Array<Subscription | undefined>(filters.length).fill(undefined);
    const before = heapAfterGc();
    const port = new QuietPort();
    const registry = new SubscriptionRegistry(port, { log: noop });
    await registry.onConnected(port.currentConnAck());
    filters.forEach((filter, i) => {
      kept[i] = registry.observe(filter, options?.()).subscribe(noop);
    });
    // Let the SUBSCRIBE batches and their (fake) SUBACKs settle: the steady state of live filters.
    for (let i = 0; i < 5; i++) await settle();
    if (registry.liveFilterCount() !== filters.length) throw new Error('not every filter is live');
    const after = heapAfterGc();
    for (const subscription of kept) subscription?.unsubscribe();
    registry.dispose();
    return (after - before) / filters.length;
  };

/** ngx-mqtt's design: messages$.pipe(filter(match), share()) per filter plus one subscriber each. */
const ngxLayer: Measure = async (filters) => {
  const kept = new Array<Subscription | undefined>(filters.length).fill(undefined);
  const before = heapAfterGc();
  const layer = new NgxLayer();
  filters.forEach((filter, i) => {
    kept[i] = layer.observe(filter).subscribe(noop);
  });
  await settle();
  const after = heapAfterGc();
  for (const subscription of kept) subscription?.unsubscribe();
  layer.dispose();
  return (after - before) / filters.length;
};

runScenario('5-heap', 'Heap per live subscription (no network)', async (ctx) => {
  const count = ctx.args.number('filters', ctx.smoke ? 1_000 : 10_000);
  const reps = ctx.args.number('reps', ctx.smoke ? 1 : 5);
  const { filters } = workload(count, 0);
  const layers: [string, Measure][] = [
    ['connector registry (+ trie, entries, observers, Subscriptions)', registryLayer()],
    [
      'connector registry, each filter subscribed with its own { qos: 1 } object',
      registryLayer(() => ({ qos: 1 })),
    ],
    ['one filter per observable (ngx-mqtt: filter + share + subscriber)', ngxLayer],
  ];
  // Warm-up: the first run also pays for compiled code and lazily created shapes.
  for (const [, measure] of layers) await measure(filters.slice(0, Math.min(1000, filters.length)));
  const results = new Map<string, number[]>();
  for (let rep = 0; rep < reps; rep++) {
    ctx.checkTime(5_000);
    for (const [name, measure] of rotate(layers, rep)) {
      const bytes = await measure(filters);
      results.set(name, [...(results.get(name) ?? []), bytes]);
      ctx.log(`rep ${rep + 1}: ${name}: ${sig(bytes)} B per subscription`);
    }
  }
  ctx.out.raw.bytesPerSubscription = Object.fromEntries(results);
  ctx.out.table({
    title: `Heap per live subscription, ${int(count)} distinct filters (bytes, min / median / max)`,
    intro:
      `heapUsed after two forced GCs, before and after ${int(count)} observe(filter).subscribe() calls ` +
      `(in the second row observe(filter, { qos: 1 }), a new options object per call) ` +
      `(the filters of scenario 4), divided by ${int(count)}; the Subscription objects a user keeps to unsubscribe ` +
      `are counted, the MQTT.js client is not (the registry talks to a fake MqttPort). ${reps} reps, layers ` +
      `in rotating order, one process (node --expose-gc).`,
    columns: ['layer', 'bytes per subscription (min / **median** / max)', 'KiB (median)'],
    rows: layers.map(([name]) => {
      const s = spread(results.get(name) ?? []);
      return [name, spreadText(s), (s.median / 1024).toFixed(2)];
    }),
  });
  // The worse of the two ways of subscribing decides.
  const ours = Math.max(...layers.slice(0, 2).map(([name]) => spread(results.get(name) ?? []).median));
  ctx.out.target({
    target: '≤ 1 KiB of heap per live subscription in the connector’s own layer',
    where: `${int(count)} filters, fake port, with and without subscribe options (the larger)`,
    measured: `${int(ours)} B (${(ours / 1024).toFixed(2)} KiB)`,
    met: ours <= 1024,
  });
});
