/**
 * Scenario 1: publish throughput at `throttleInterval: 0`, QoS 0/1/2, 64 B and 1 KiB, every publish()
 * promise awaited, against raw MQTT.js in the same process, interleaved: a callback per message fired
 * all at once (what most people write) and the windowed pattern an expert writes. Every run ends with a
 * QoS 1 fence whose PUBACK proves the broker has read everything (QoS 0 is not credited for bytes still in
 * a socket buffer); rate = n / time until the fence's PUBACK. One fresh connection per run.
 */
import type { QoS } from '../../src/connector/types.js';
import { scenarioBroker } from '../lib/brokers.js';
import { brokerBusyNote, brokerLoadText } from '../lib/cost.js';
import { watchDrainListeners } from '../lib/drain-watch.js';
import { publishVariants, type Variant, VariantResult } from '../lib/publish-variants.js';
import { expertWindow } from '../lib/raw.js';
import { runScenario } from '../lib/scenario.js';
import { fixed, int, repsMeeting, spread, spreadText, times } from '../lib/stats.js';
import { rotate } from '../lib/timing.js';
import { WarningWatch } from '../lib/warnings.js';

runScenario('1-publish', 'Publish throughput (throttleInterval 0)', async (ctx) => {
  const brokers = ctx.args.list('brokers', ['aedes']);
  const qosList = ctx.args.numbers('qos', [0, 1, 2]) as QoS[];
  const sizes = ctx.args.numbers('sizes', [64, 1024]);
  const reps = ctx.args.number('reps', ctx.smoke ? 1 : 5);
  const n01 = ctx.args.number('n01', ctx.smoke ? 2_000 : 50_000);
  const n2 = ctx.args.number('n2', ctx.smoke ? 1_000 : 20_000);
  const timeoutMs = ctx.smoke ? 10_000 : 30_000;
  const warnings = new WarningWatch();
  const rows: string[][] = [];
  const raw: Record<string, unknown> = {};
  for (const kind of brokers) {
    const broker = await scenarioBroker(ctx, { kind: kind as 'aedes' | 'mosquitto', noDelay: true });
    for (const qos of qosList) {
      for (const size of sizes) {
        ctx.checkTime();
        const n = qos === 2 ? n2 : n01;
        const payload = Buffer.alloc(size, 0x78);
        const window = expertWindow(qos);
        const variants = publishVariants(
          broker,
          qos,
          payload,
          window,
          timeoutMs,
          size === Math.min(...sizes) && !ctx.smoke,
        );
        const results = new Map(variants.map((v) => [v.name, new VariantResult()]));
        // Warm-up run per variant (n/5), discarded.
        for (const variant of variants) {
          warnings.during(`warmup ${variant.name}`);
          await variant.run(Math.max(1, Math.round(n / 5))).catch(() => undefined);
        }
        for (let rep = 0; rep < reps; rep++) {
          ctx.checkTime(5_000);
          for (const variant of rotate(variants, rep)) {
            if (variant.maxReps !== undefined && rep >= variant.maxReps) continue;
            const result = results.get(variant.name) as VariantResult;
            warnings.during(`${kind} ${qos} ${size} ${variant.name}`);
            const drain = watchDrainListeners(broker.port);
            try {
              const { elapsedMs, cost } = await variant.run(n);
              result.add(n, elapsedMs, cost);
            } catch (error) {
              result.failures.push(error instanceof Error ? error.message : String(error));
            } finally {
              result.maxDrain = Math.max(result.maxDrain, drain.stop());
            }
          }
        }
        const medianOf = (v: Variant) => spread(results.get(v.name)?.rates ?? []).median;
        const cleanRaws = variants.filter(
          (v) => v.raw && !v.lossy && !v.diagnosis && (results.get(v.name)?.failures.length ?? 0) === 0,
        );
        const best = cleanRaws.reduce<Variant | undefined>(
          (a, v) => (a === undefined || medianOf(v) > medianOf(a) ? v : a),
          undefined,
        );
        const ours = variants.find((v) => !v.raw && !v.diagnosis) as Variant;
        for (const variant of variants) {
          const result = results.get(variant.name) as VariantResult;
          const s = spread(result.rates);
          const pileUps = warnings.count(`${kind} ${qos} ${size} ${variant.name}`);
          const notes = [
            result.failures.length > 0
              ? `FAILED ${result.failures.length}/${reps}: ${[...new Set(result.failures)].join('; ')}`
              : '',
            variant.lossy ?? '',
            pileUps > 0 ? `MaxListenersExceededWarning ×${pileUps}` : '',
            (variant.drops?.count ?? 0) > 0 ? `connection dropped ${variant.drops?.count}×` : '',
            variant === best ? 'best loss-free raw' : '',
          ].filter((t) => t !== '');
          rows.push([
            broker.label,
            `${qos}`,
            size >= 1024 ? `${size / 1024} KiB` : `${size} B`,
            variant.name,
            spreadText(s),
            best === undefined || variant === best || variant.name.includes('fake port')
              ? '–'
              : times(s.median / medianOf(best)),
            `${fixed(spread(result.cpu).median, 1)} / ${fixed(spread(result.gc).median, 1)}`,
            brokerLoadText(result.brokerCpu, result.brokerBusy),
            int(result.maxDrain),
            notes.join('; '),
          ]);
          ctx.log(
            `${kind} QoS ${qos} ${size} B ${variant.name}: median ${int(s.median)} msgs/s ${notes.join('; ')}`,
          );
        }
        raw[`${kind} qos${qos} ${size}B`] = Object.fromEntries(results);
        const targetsFor = (measured: Variant, where: string): void => {
          const oursMedian = medianOf(measured);
          const oursFailed = (results.get(measured.name)?.failures.length ?? 0) > 0;
          const drops = measured.drops?.count ?? 0;
          const busyAgainst = (reference: Variant) =>
            brokerBusyNote(
              results.get(measured.name)?.brokerBusy ?? [],
              results.get(reference.name)?.brokerBusy ?? [],
            );
          // Reps of `measured` against the same reps of `reference` with the ratio at least `floor`.
          const repsAtLeast = (reference: Variant, floor: number) => {
            const ref = results.get(reference.name);
            return repsMeeting(
              results.get(measured.name)?.rates ?? [],
              ref?.rates ?? [],
              (a, b) => a / b >= floor,
              !oursFailed && (ref?.failures.length ?? 0) === 0,
            );
          };
          if (qos === 0) {
            const windowed = variants[1] as Variant;
            const perMessage = variants[0] as Variant;
            ctx.out.target({
              target: 'publish QoS 0 ≥ 0.8× the windowed raw pattern',
              where,
              measured:
                `${int(oursMedian)} vs ${int(medianOf(windowed))} msgs/s = ${times(oursMedian / medianOf(windowed))}` +
                busyAgainst(windowed),
              met: !oursFailed && oursMedian / medianOf(windowed) >= 0.8,
              reps: repsAtLeast(windowed, 0.8),
            });
            ctx.out.target({
              target: 'publish QoS 0 ≥ 10× raw with a callback per message',
              where,
              measured: `${int(oursMedian)} vs ${int(medianOf(perMessage))} msgs/s = ${times(oursMedian / medianOf(perMessage))}`,
              met: !oursFailed && oursMedian / medianOf(perMessage) >= 10,
              reps: repsAtLeast(perMessage, 10),
            });
          } else {
            ctx.out.target({
              target: `publish QoS ${qos} ≥ 0.9× raw (best loss-free raw pattern of the run)`,
              where,
              measured:
                best === undefined
                  ? 'no raw pattern finished'
                  : `${int(oursMedian)} vs ${int(medianOf(best))} msgs/s (${best.name}) = ` +
                    `${times(oursMedian / medianOf(best))}${busyAgainst(best)}`,
              met: best === undefined ? null : !oursFailed && oursMedian / medianOf(best) >= 0.9,
              reps: best === undefined ? undefined : repsAtLeast(best, 0.9),
            });
          }
          ctx.out.target({
            target:
              'no listener pile-up (MaxListenersExceededWarning) and no broker disconnect under a flood',
            where,
            measured: `connector: ${warnings.count(`${kind} ${qos} ${size} ${measured.name}`)} warnings, at most ${int(results.get(measured.name)?.maxDrain ?? 0)} 'drain' listeners, ${drops} drops, ${results.get(measured.name)?.failures.length ?? 0} failed runs`,
            met:
              !oursFailed &&
              drops === 0 &&
              warnings.count(`${kind} ${qos} ${size} ${measured.name}`) === 0 &&
              (results.get(measured.name)?.maxDrain ?? 0) <= 100,
          });
        };
        // The issue's targets for publish() (every promise awaited), then the same for publishTo.
        for (const measured of variants.filter((v) => !v.raw && !v.diagnosis)) {
          const label = measured === ours ? '' : ', through publishTo';
          targetsFor(measured, `${broker.label}, QoS ${qos}, ${size} B${label}`);
        }
      }
    }
    await broker.stop();
  }
  ctx.out.raw.publish = raw;
  ctx.out.table({
    title: 'Publish throughput, msgs/s (min / median / max)',
    intro:
      `n = ${int(n01)} (QoS 0/1) or ${int(n2)} (QoS 2) messages per run to one topic, no subscriber; one fresh ` +
      `connection per run; one discarded warm-up run (n/5) per variant; ${reps} reps, variants in rotating order. ` +
      `(the QoS 0 callback-per-message pattern only in the first 3). Every run ends with a QoS 1 fence; rate = n / time until its PUBACK. MQTT 3.1.1; all client sockets ` +
      `with TCP_NODELAY (the connector's default; set on the raw clients too, so only the layer differs); ` +
      `brokers in their own process with TCP_NODELAY and stock limits (aedes: maxInflightInbound 1000; ` +
      `mosquitto: max_inflight_messages 20, max_queued_messages 1000). "max 'drain' listeners" = the most seen on one ` +
      `client socket (sampled every 2 ms through Node's active handles; MQTT.js adds one per QoS 0 publish that finds ` +
      `the socket buffer full, baseline F1). "client CPU / GC" = this process's user + system CPU time and its ` +
      `time in garbage collection during the run, per message (both clients of the comparison run in this ` +
      `process; the broker is another). "broker CPU" = the broker process's CPU time (all its threads, from ` +
      `/proc, in 10 ms ticks) over the same span, per message, and in brackets the share of the run it was busy: ` +
      `near 100% (one core; aedes' GC threads can add a little) the broker bounds the row, whatever the client ` +
      `costs. Rows marked "diagnosis" (smallest payload only) show where the ` +
      `connector's time goes: the same connector with at most W promises outstanding (the caller's flow control ` +
      `instead of the pipeline's queue), and the publish pipeline alone over a fake port (no MQTT.js, no ` +
      `socket: its CPU per message is the layer's own cost); at QoS 0 (every payload) raw MQTT.js's window ` +
      `with a promise per message made before the first publish, resolved by its callback and all awaited: ` +
      `the least any API that returns a promise per message adds, with nothing else of a layer. ` +
      `"publishTo operator" = the same messages as one ` +
      `synchronous Observable piped through \`publishTo(connector, topic)\`, which uses the connector's ` +
      `promise-free path (no promise per message); run to its last result. The connector: throttleInterval 0, ` +
      `defaults otherwise (QoS 1 window 100, QoS 2 window 19, at most 100 unfinished QoS 0 writes).`,
    columns: [
      'broker',
      'QoS',
      'payload',
      'variant',
      'msgs/s (min / **median** / max)',
      '× best raw',
      'client CPU / GC µs per msg (median)',
      'broker CPU µs per msg (busy), median',
      "max 'drain' listeners",
      'notes',
    ],
    rows,
  });
});
