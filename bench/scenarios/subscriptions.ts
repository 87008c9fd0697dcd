/**
 * Scenario 9: subscribing to many filters and leaving them again (an app that starts up, or a dashboard
 * that opens and closes a view). 10,000 distinct filters of the dispatch workload, one fresh connection
 * per run, raw MQTT.js and the connector interleaved, on a broker without retained messages and on one
 * holding 1,000 retained topics that the filters match (the connector then fills its retained cache and
 * has to empty it again as the filters leave).
 *
 * Subscribe: from the first call until the SUBACK of every filter (raw: every callback; connector: every
 * `whenSubscribed`). Unsubscribe: from the first call until the broker has handled every UNSUBSCRIBE (raw:
 * every callback; connector: the PUBACK of a QoS 1 fence published once `events$` reported UNSUBSCRIBE for
 * every filter: a broker handles one connection's packets in order). Not a target of issue 7: the ratios
 * show what the layer costs where an app's start and teardown spend their time.
 */
import type { MqttClient } from 'mqtt';
import { filter, firstValueFrom, scan, type Subscription } from 'rxjs';
import type { UnsubscribeEvent } from '../../src/index.js';
import { type BenchBroker, scenarioBroker } from '../lib/brokers.js';
import { startConnector } from '../lib/connector.js';
import { measureCost } from '../lib/cost.js';
import { connectRaw, endRaw } from '../lib/raw.js';
import { runScenario } from '../lib/scenario.js';
import { fixed, int, sig, spread, spreadText } from '../lib/stats.js';
import { rotate, sleep, withTimeout } from '../lib/timing.js';
import { workload } from '../lib/workload.js';

/** One run: milliseconds of each phase and this process's CPU in them. */
interface PhaseTimes {
  readonly subscribeMs: number;
  readonly unsubscribeMs: number;
  /** Connector only: a second observer joining each live filter (and leaving it), replayed from the cache. */
  readonly joinMs?: number;
  readonly cpuMs: number;
  readonly messages: number;
}

interface Variant {
  readonly name: string;
  readonly raw: boolean;
  run(broker: BenchBroker, filters: readonly string[]): Promise<PhaseTimes>;
}

const TIMEOUT_MS = 60_000;
const noop = (): void => undefined;

/** Resolves once `count()` stayed the same for `quietMs` (the retained messages stopped coming), capped. */
async function whenQuiet(count: () => number, quietMs: number, capMs: number): Promise<void> {
  const start = performance.now();
  let last = -1;
  while (count() !== last && performance.now() - start < capMs) {
    last = count();
    await sleep(quietMs);
  }
}

/** Calls `call(chunk, done)` for every chunk at once (Node-style callbacks); resolves when every `done` came. */
function allAcked<C>(chunks: readonly C[], call: (chunk: C, done: (error?: Error | null) => void) => void) {
  return withTimeout(
    Promise.all(
      chunks.map(
        (chunk) =>
          new Promise<void>((resolve, reject) => call(chunk, (error) => (error ? reject(error) : resolve()))),
      ),
    ),
    TIMEOUT_MS,
    'raw MQTT.js acknowledgements timed out',
  );
}

function chunked(filters: readonly string[], size: number): (string | string[])[] {
  if (size === 1) return [...filters];
  const chunks: string[][] = [];
  for (let i = 0; i < filters.length; i += size) chunks.push(filters.slice(i, i + size));
  return chunks;
}

/**
 * The two phases of a run, each timed and metered; the retained messages are let in between, and then
 * `joinAll` (if given) is timed on its own, outside the CPU figure.
 */
async function timePhases(
  subscribeAll: () => Promise<unknown>,
  unsubscribeAll: () => Promise<unknown>,
  received: () => number,
  joinAll?: () => void,
): Promise<PhaseTimes> {
  const time = async (phase: () => Promise<unknown>) => {
    const cost = measureCost();
    const start = performance.now();
    await phase();
    const ms = performance.now() - start;
    return { ms, cpuUs: (await cost.stop()).cpuUs };
  };
  const subscribe = await time(subscribeAll);
  await whenQuiet(received, 100, 20_000);
  const joinStart = performance.now();
  joinAll?.();
  const joinMs = joinAll === undefined ? undefined : performance.now() - joinStart;
  const unsubscribe = await time(unsubscribeAll);
  return {
    subscribeMs: subscribe.ms,
    unsubscribeMs: unsubscribe.ms,
    ...(joinMs === undefined ? {} : { joinMs }),
    cpuMs: (subscribe.cpuUs + unsubscribe.cpuUs) / 1000,
    messages: received(),
  };
}

async function rawRun(
  broker: BenchBroker,
  filters: readonly string[],
  perPacket: number,
): Promise<PhaseTimes> {
  let messages = 0;
  const client: MqttClient = await connectRaw(broker.url, { noDelay: true, onMessage: () => messages++ });
  const chunks = chunked(filters, perPacket);
  try {
    return await timePhases(
      () => allAcked(chunks, (chunk, done) => client.subscribe(chunk, { qos: 1 }, (error) => done(error))),
      () => allAcked(chunks, (chunk, done) => client.unsubscribe(chunk, (error?: Error) => done(error))),
      () => messages,
    );
  } finally {
    await endRaw(client);
  }
}

async function connectorRun(
  broker: BenchBroker,
  filters: readonly string[],
  protocolVersion: 4 | 5,
): Promise<PhaseTimes> {
  const bench = await startConnector(broker.url, { protocolVersion });
  const { connector } = bench;
  let messages = 0;
  let subscriptions: Subscription[] = [];
  const subscribeAll = () => {
    subscriptions = filters.map((f) =>
      connector.subscribe(f, { qos: 1, decode: 'binary' }).subscribe(() => messages++),
    );
    const acked = Promise.all(filters.map((f) => connector.whenSubscribed(f)));
    return withTimeout(acked, TIMEOUT_MS, 'connector SUBACKs timed out');
  };
  // A second view of the same data: each live filter's state comes from the retained cache.
  const joinAll = () => {
    const joined = filters.map((f) => connector.subscribe(f, { qos: 1, decode: 'binary' }).subscribe(noop));
    for (const subscription of joined) subscription.unsubscribe();
  };
  const unsubscribeAll = async () => {
    const sent = firstValueFrom(
      connector.events$.pipe(
        filter((event): event is UnsubscribeEvent => event.type === 'unsubscribe'),
        scan((count, event) => count + event.filters.length, 0),
        filter((count) => count >= filters.length),
      ),
    );
    for (const subscription of subscriptions) subscription.unsubscribe();
    await withTimeout(sent, TIMEOUT_MS, 'connector UNSUBSCRIBEs not sent');
    const fence = connector.publish('bench/subs/fence', 'fence', { qos: 1 });
    await withTimeout(fence, TIMEOUT_MS, 'fence timed out');
  };
  try {
    return await timePhases(subscribeAll, unsubscribeAll, () => messages, joinAll);
  } finally {
    await bench.close();
  }
}

/** Publishes one retained message to each topic and waits for every PUBACK. */
async function retain(broker: BenchBroker, topics: readonly string[]): Promise<void> {
  const client = await connectRaw(broker.url, { noDelay: true });
  try {
    await allAcked(topics, (topic, done) =>
      client.publish(topic, 'retained', { qos: 1, retain: true }, (error) => done(error)),
    );
  } finally {
    await endRaw(client);
  }
}

runScenario('9-subscriptions', 'Subscribing to 10,000 filters and leaving them', async (ctx) => {
  const brokers = ctx.args.list('brokers', ['aedes']);
  const count = ctx.args.number('filters', ctx.smoke ? 500 : 10_000);
  const retainedCount = ctx.args.number('retained', ctx.smoke ? 50 : 1_000);
  const reps = ctx.args.number('reps', ctx.smoke ? 1 : 5);
  const { filters, topics } = workload(count, retainedCount * 2);
  // Distinct topics that the filters match: the workload's half on exact filters, half uniform.
  const retainedTopics = [...new Set(topics)].slice(0, retainedCount);
  const connectorName = 'connector, subscribe(filter).subscribe() per filter, every whenSubscribed awaited';
  // MQTT 5 (mosquitto only; aedes speaks 3.1.1): filters that share a Subscription Identifier share packets.
  const variantsFor = (kind: string): Variant[] => [
    {
      name: 'raw MQTT.js, one subscribe() / unsubscribe() per filter',
      raw: true,
      run: (b, f) => rawRun(b, f, 1),
    },
    { name: 'raw MQTT.js, 100 filters per packet (expert)', raw: true, run: (b, f) => rawRun(b, f, 100) },
    { name: connectorName, raw: false, run: (b, f) => connectorRun(b, f, 4) },
    ...(kind === 'mosquitto'
      ? [
          {
            name: `${connectorName}, MQTT 5`,
            raw: false,
            run: (b: BenchBroker, f: readonly string[]) => connectorRun(b, f, 5),
          },
        ]
      : []),
  ];
  const rows: string[][] = [];
  const raw: Record<string, unknown> = {};
  for (const kind of brokers) {
    const variants = variantsFor(kind);
    const broker = await scenarioBroker(ctx, { kind: kind as 'aedes' | 'mosquitto', noDelay: true });
    for (const retained of [0, retainedTopics.length]) {
      if (retained > 0) await retain(broker, retainedTopics);
      const results = new Map<string, PhaseTimes[]>(variants.map((v) => [v.name, []]));
      for (let rep = 0; rep < reps; rep++) {
        ctx.checkTime(20_000);
        for (const variant of rotate(variants, rep))
          results.get(variant.name)?.push(await variant.run(broker, filters));
      }
      const rate = (ms: number) => (count / ms) * 1000;
      const medianRate = (name: string, phase: 'subscribeMs' | 'unsubscribeMs') =>
        spread((results.get(name) ?? []).map((r) => rate(r[phase]))).median;
      const bestRaw = (phase: 'subscribeMs' | 'unsubscribeMs') =>
        Math.max(...variants.filter((v) => v.raw).map((v) => medianRate(v.name, phase)));
      for (const variant of variants) {
        const runs = results.get(variant.name) ?? [];
        const sub = spread(runs.map((r) => rate(r.subscribeMs)));
        const unsub = spread(runs.map((r) => rate(r.unsubscribeMs)));
        rows.push([
          broker.label,
          int(retained),
          variant.name,
          spreadText(sub),
          `${fixed(sub.median / bestRaw('subscribeMs'))}×`,
          spreadText(unsub),
          `${fixed(unsub.median / bestRaw('unsubscribeMs'))}×`,
          variant.raw ? '–' : spreadText(spread(runs.map((r) => rate(r.joinMs ?? NaN)))),
          sig(spread(runs.map((r) => (r.cpuMs / count) * 1000)).median),
          int(spread(runs.map((r) => r.messages)).median),
        ]);
        ctx.log(
          `${broker.label} retained ${retained} ${variant.name}: ${int(sub.median)} / ${int(unsub.median)} filters/s`,
        );
      }
      raw[`${broker.label}, ${retained} retained`] = Object.fromEntries(results);
    }
    await broker.stop();
  }
  ctx.out.raw.subscriptions = raw;
  ctx.out.table({
    title: 'Subscribing and unsubscribing, filters/s (min / median / max)',
    intro:
      `${int(count)} distinct filters of the dispatch workload (70% exact, 30% with wildcards), QoS 1, MQTT 3.1.1 ` +
      `(the "MQTT 5" row: the connector on MQTT 5 with subscription identifiers, against the same raw rows), ` +
      `one fresh connection per run, ${reps} reps, variants in rotating order. Subscribe: first call → every ` +
      `SUBACK (raw: every callback; connector: every whenSubscribed). Then the retained messages are let in ` +
      `(until none came for 100 ms). Unsubscribe: first call → the broker handled every UNSUBSCRIBE (raw: every ` +
      `callback; connector: the PUBACK of a QoS 1 publish sent after events$ reported every filter unsubscribed). ` +
      `"retained" = topics holding a retained message that the filters match (each published once, before the ` +
      `runs); the connector keeps them in its retained cache (default maxRetained 1000). Client CPU: this ` +
      `process's user + system time in both phases, per filter. The connector sends 100 filters per packet ` +
      `(subscribeBatchSize) at the end of the job that made them; on MQTT 5 a packet holds filters of one ` +
      `subscription identifier (exact filters share one, wildcard filters share one per group without ` +
      `overlaps): 102 packets for these filters. Retained messages received: raw counts PUBLISH ` +
      `packets, the connector its observers' messages (a topic matched by two filters reaches two observers); ` +
      `how often a broker sends a retained topic again for overlapping filters differs by broker and packet; ` +
      `mosquitto runs with its defaults here and sends at most 1,020 at once (20 in flight, 1,000 queued: ` +
      `max_queued_messages drops the rest), which the connector routes by topic on 3.1.1 and by subscription ` +
      `identifier on MQTT 5 (with every copy delivered, both reach each observer once per topic it matches). ` +
      `Join (connector only, between the phases, not in the CPU figure): a second observer subscribes to each ` +
      `live filter and leaves it again in one job, as a second view of the same data does; its state comes ` +
      `from the retained cache, without a packet.`,
    columns: [
      'broker',
      'retained',
      'client',
      'subscribe (min / **median** / max)',
      '× best raw',
      'unsubscribe (min / **median** / max)',
      '× best raw',
      'join live filters (min / **median** / max)',
      'client CPU µs per filter',
      'retained messages received',
    ],
    rows,
  });
});
