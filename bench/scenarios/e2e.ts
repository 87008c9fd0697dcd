/**
 * Scenario 2: end-to-end throughput, publisher → broker → subscriber (both in this process), counting
 * losses, duplicates and reordering; raw MQTT.js on both ends against the connector on both ends,
 * interleaved. Brokers without the limits that lose messages (aedes stock; mosquitto with
 * max_inflight_messages 0 and max_queued_messages 0, research/baseline.md F4).
 */
import type { QoS } from '../../src/connector/types.js';
import { scenarioBroker } from '../lib/brokers.js';
import { brokerBusyNote, brokerLoadText } from '../lib/cost.js';
import { connectorE2e, e2eRun, type E2eSides, rawE2e } from '../lib/e2e.js';
import { type E2eResult, failedE2e, payloads } from '../lib/e2e-receiver.js';
import { runScenario } from '../lib/scenario.js';
import { fixed, int, repsMeeting, spread, spreadText, times } from '../lib/stats.js';
import { rotate } from '../lib/timing.js';
import { expertWindow } from '../lib/raw.js';

interface Variant {
  readonly name: string;
  /** raw → raw (the references), connector → connector (the target), or a diagnosis row ('mixed'). */
  readonly kind: 'raw' | 'connector' | 'mixed';
  run(messages: readonly Buffer[]): Promise<E2eResult>;
}

runScenario('2-e2e', 'End-to-end throughput (publisher → broker → subscriber)', async (ctx) => {
  const brokers = ctx.args.list('brokers', ['aedes']);
  const qosList = ctx.args.numbers('qos', [0, 1, 2]) as QoS[];
  const reps = ctx.args.number('reps', ctx.smoke ? 1 : 5);
  const n01 = ctx.args.number('n01', ctx.smoke ? 2_000 : 50_000);
  const n2 = ctx.args.number('n2', ctx.smoke ? 1_000 : 20_000);
  const size = ctx.args.number('size', 64);
  const limits = { idleMs: ctx.smoke ? 500 : 1_500, capMs: ctx.smoke ? 8_000 : 30_000 };
  const rows: string[][] = [];
  const raw: Record<string, unknown> = {};
  for (const kind of brokers) {
    const broker = await scenarioBroker(ctx, {
      kind: kind as 'aedes' | 'mosquitto',
      noDelay: true,
      unbounded: kind === 'mosquitto',
    });
    for (const qos of qosList) {
      ctx.checkTime();
      const n = qos === 2 ? n2 : n01;
      const messages = payloads(n, size);
      const topic = `bench/e2e/${qos}`;
      const window = expertWindow(qos);
      // A diagnosis row: one side (or the publisher's pattern) changed; not used for the targets.
      const diagnosis = (name: string, sides: E2eSides): Variant => ({
        name: `${name} (diagnosis)`,
        kind: 'mixed',
        run: (m) => e2eRun(broker, topic, qos, m, limits, sides),
      });
      const variants: Variant[] = [
        {
          name: `raw → raw, publisher window ${window}`,
          kind: 'raw',
          run: (m) => rawE2e(broker, topic, qos, m, window, limits),
        },
        ...(qos === 0
          ? [
              // The publisher's pattern, not the layer (see the publish scenario's windowed row).
              diagnosis(`connector, at most ${window} promises outstanding → connector`, {
                publisher: 'connector',
                subscriber: 'connector',
                window,
              }),
            ]
          : []),
        ...(qos === 1
          ? [
              {
                name: 'raw → raw, publisher all fired',
                kind: 'raw' as const,
                run: (m: readonly Buffer[]) => rawE2e(broker, topic, qos, m, 'all', limits),
              },
              // Which side of the connector costs what.
              diagnosis('connector → raw subscriber', { publisher: 'connector', subscriber: 'raw' }),
              diagnosis(`raw publisher, window ${window} → connector`, {
                publisher: 'raw',
                subscriber: 'connector',
                window,
              }),
            ]
          : []),
        {
          name: 'connector → connector',
          kind: 'connector',
          run: (m) => connectorE2e(broker, topic, qos, m, limits),
        },
      ];
      const results = new Map<string, E2eResult[]>(variants.map((v) => [v.name, []]));
      // Warm-up with the first fifth of the messages, discarded.
      for (const variant of variants) await variant.run(messages.slice(0, n / 5)).catch(() => undefined);
      for (let rep = 0; rep < reps; rep++) {
        ctx.checkTime(limits.capMs);
        for (const variant of rotate(variants, rep)) {
          const r = await variant.run(messages).catch((error: unknown) => failedE2e(n, error));
          results.get(variant.name)?.push(r);
        }
      }
      const clean = (list: E2eResult[]) => list.every((r) => r.lost === 0 && r.error === undefined);
      const medianRate = (v: Variant) => spread((results.get(v.name) ?? []).map((r) => r.rate)).median;
      const bestRaw = variants
        .filter((v) => v.kind === 'raw' && clean(results.get(v.name) ?? []))
        .reduce<Variant | undefined>(
          (a, v) => (a === undefined || medianRate(v) > medianRate(a) ? v : a),
          undefined,
        );
      const ours = variants.find((v) => v.kind === 'connector') as Variant;
      const busyOf = (v: Variant) =>
        (results.get(v.name) ?? []).flatMap((r) => (r.brokerBusy !== undefined ? [r.brokerBusy] : []));
      const busyNote = (measured: Variant, reference: Variant) =>
        brokerBusyNote(busyOf(measured), busyOf(reference));
      for (const variant of variants) {
        const list = results.get(variant.name) ?? [];
        const lost = spread(list.map((r) => r.lost));
        const errors = [...new Set(list.map((r) => r.error).filter((e) => e !== undefined))];
        rows.push([
          broker.label,
          `${qos}`,
          variant.name,
          spreadText(spread(list.map((r) => r.rate))),
          `${int(lost.min)} / ${int(lost.median)} / ${int(lost.max)}`,
          `${list.filter((r) => r.lost > 0).length}/${list.length}`,
          `${list.reduce((a, r) => a + r.duplicates, 0)} / ${list.reduce((a, r) => a + r.outOfOrder, 0)}`,
          bestRaw === undefined || variant === bestRaw
            ? '–'
            : times(medianRate(variant) / medianRate(bestRaw)),
          `${fixed(spread(list.map((r) => r.cpuPerMessage ?? Number.NaN)).median, 1)} / ` +
            fixed(spread(list.map((r) => r.gcPerMessage ?? Number.NaN)).median, 1),
          brokerLoadText(
            list.flatMap((r) => (r.brokerCpuPerMessage !== undefined ? [r.brokerCpuPerMessage] : [])),
            busyOf(variant),
          ),
          [...new Set(list.map((r) => r.outcome))].join(', ') +
            (errors.length > 0 ? `; ${errors.join('; ')}` : ''),
        ]);
        ctx.log(
          `${kind} QoS ${qos} ${variant.name}: median ${int(medianRate(variant))} msgs/s, lost max ${int(lost.max)}`,
        );
      }
      raw[`${kind} qos${qos}`] = Object.fromEntries(results);
      const oursList = results.get(ours.name) ?? [];
      const oursRate = medianRate(ours);
      const where = `${broker.label}, QoS ${qos}, ${size} B`;
      ctx.out.target({
        target: 'end-to-end ≥ 0.9× raw (best loss-free raw pattern of the run)',
        where,
        measured:
          bestRaw === undefined
            ? 'no loss-free raw run'
            : `${int(oursRate)} vs ${int(medianRate(bestRaw))} msgs/s (${bestRaw.name}) = ` +
              `${times(oursRate / medianRate(bestRaw))}${busyNote(ours, bestRaw)}`,
        met: bestRaw === undefined ? null : oursRate / medianRate(bestRaw) >= 0.9,
        reps:
          bestRaw === undefined
            ? undefined
            : repsMeeting(
                oursList.map((r) => r.rate),
                (results.get(bestRaw.name) ?? []).map((r) => r.rate),
                (a, b) => a / b >= 0.9,
              ),
      });
      if (qos > 0) {
        const lostTotal = oursList.reduce((a, r) => a + r.lost, 0);
        ctx.out.target({
          target: 'no loss at QoS 1/2 end to end',
          where,
          measured: `connector lost ${int(lostTotal)} of ${int(n * oursList.length)} over ${oursList.length} runs`,
          met: lostTotal === 0 && oursList.length > 0,
        });
      }
    }
    await broker.stop();
  }
  ctx.out.raw.e2e = raw;
  ctx.out.table({
    title: 'End-to-end throughput, unique messages received per second (min / median / max)',
    intro:
      `n = ${int(n01)} (QoS 0/1) or ${int(n2)} (QoS 2) messages of ${size} B carrying a sequence number, one topic, ` +
      `the subscriber subscribed with the publisher's QoS; both clients in this process (they share its thread), ` +
      `fresh connections per run, one discarded warm-up (n/5) per variant, ${reps} reps in rotating order. ` +
      `Rate = unique received / (last receive − first publish). A run ends when all arrived, ${limits.idleMs} ms ` +
      `after the publisher finished with nothing new ("idle"), or at ${limits.capMs / 1000} s ("cap"). The connector ` +
      `subscribes with decode 'binary' (raw bytes, like MQTT.js's Buffer) and publishes with throttleInterval 0, ` +
      `firing every message at once and awaiting every promise (rows marked "diagnosis" change one side: the ` +
      `connector publisher keeping at most W promises outstanding, as the raw publisher keeps W callbacks, or a ` +
      `raw client on one end). ` +
      `"CPU / GC" = this process's CPU time and garbage-collection time per message received (publisher and ` +
      `subscriber both run in it). "broker CPU" = the broker process's CPU time over the run (from /proc, in ` +
      `10 ms ticks) per message received, and in brackets the share of the run it was busy: near 100% the broker ` +
      `bounds the row. All sockets TCP_NODELAY; aedes with stock limits, mosquitto with max_inflight_messages 0 and max_queued_messages 0.`,
    columns: [
      'broker',
      'QoS',
      'variant',
      'received msgs/s (min / **median** / max)',
      'lost (min / med / max)',
      'runs with loss',
      'duplicates / reordered',
      '× best raw',
      'CPU / GC µs per msg (median)',
      'broker CPU µs per msg (busy), median',
      'outcomes',
    ],
    rows,
  });
});
