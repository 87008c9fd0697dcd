/**
 * A/B of a change in src/: loads the connector from this checkout (A) and from another source tree (B,
 * e.g. a copy of src/ with a proposed fix) into the same process and runs the publish scenario's
 * connector pattern (all fired, every promise awaited) for both, interleaved, next to raw MQTT.js:
 *
 *   npx tsx bench/tools/ab.ts --other=/tmp/proto/src --broker=mosquitto --qos=0,1,2 --reps=7
 *   npx tsx bench/tools/ab.ts --other=/tmp/proto/src --path=e2e --qos=1     (publisher → subscriber)
 *   npx tsx bench/tools/ab.ts --other=/tmp/proto/src --qos=1 --max-in-flight=20   (both connectors' window)
 *   npx tsx bench/tools/ab.ts --other=/tmp/proto/src --text        (the connectors publish a string, UTF-8 encoded)
 *   npx tsx bench/tools/ab.ts --other=/tmp/proto/src --protocol=5  (every client on MQTT 5; mosquitto)
 *   npx tsx bench/tools/ab.ts --this=/tmp/base/src --other=/tmp/proto/src   (A loaded from a copy too)
 *   npx tsx bench/tools/ab.ts --other=/tmp/proto/src --raw=fire   (raw fires all at once: scenario 1's QoS 1/2 reference)
 *   npx tsx bench/tools/ab.ts --other=/tmp/proto/src --raw=promised-fire   (and makes a promise per message, all awaited)
 *   npx tsx bench/tools/ab.ts --other=/tmp/proto/src --alloc=10   (and what each side allocates, top 10 sites)
 *
 * A tree loaded through `--other` runs a little slower than the one this checkout's code imports (an
 * identical copy as B: 7% longer round trips in bench/tools/latency-split.ts), so `--this` loads A the
 * same way from a copy of its own, and neither side has the advantage.
 *
 * Prints msgs/s (min / median / max), this process's CPU µs per message, the part of it spent in garbage
 * collection (and in scavenges, which cost more the more survives them), and the broker's CPU per message
 * (with the share of the run it was busy, connect and close included: near 100% the broker bounds the
 * comparison) for each. `--alloc` adds, after the timed reps, one run per side under V8's sampling heap
 * profiler: the bytes of JavaScript heap it allocated per message, and with `--alloc=N` its N largest
 * allocation sites. Bytes hardly change with the machine's speed, unlike time.
 */
import type { QoS } from '../../src/connector/types.js';
import { Args } from '../lib/args.js';
import { startBroker } from '../lib/brokers.js';
import { abSides, connectorPublishRun, startConnector } from '../lib/connector.js';
import { sampleAllocations } from '../lib/allocation.js';
import { brokerLoadText, measureCost, RunSamples } from '../lib/cost.js';
import { e2eRun, payloads } from '../lib/e2e.js';
import { connectRaw, endRaw, type RawPattern, rawPublishRun } from '../lib/raw.js';
import { fixed, int, spread, spreadText } from '../lib/stats.js';
import { rotate } from '../lib/timing.js';

async function main(): Promise<void> {
  const args = new Args();
  const sides = await abSides(args);
  const kind = args.string('broker', 'mosquitto') as 'aedes' | 'mosquitto';
  const path = args.string('path', 'publish');
  const limits = { idleMs: 1_500, capMs: 60_000 };
  const reps = args.number('reps', 7);
  const size = args.number('size', 64);
  const maxInFlight = args.has('max-in-flight') ? args.number('max-in-flight', 0) : undefined;
  // The end-to-end runs start their connectors with default options: a window there would be raw's alone.
  if (maxInFlight !== undefined && path === 'e2e') throw new Error('--max-in-flight is for --path=publish');
  // --protocol=5: every client on MQTT 5; raw's QoS 1/2 window then stays within the broker's Receive Maximum.
  const protocolVersion = args.number('protocol', 4) as 4 | 5;
  if (protocolVersion !== 4 && protocolVersion !== 5) throw new Error('--protocol must be 4 or 5');
  const options = { protocolVersion, ...(maxInFlight === undefined ? {} : { maxInFlight }) };
  const broker = await startBroker(
    { kind, noDelay: true, unbounded: path === 'e2e' && kind === 'mosquitto' },
    () => undefined,
  );
  const payload = Buffer.alloc(size, 0x78);
  // --text: the connectors publish the payload as a string (encoded per publish), as most users do.
  const text = args.has('text');
  if (text && path === 'e2e') throw new Error('--text is for --path=publish');
  const connectorPayload = text ? 'x'.repeat(size) : payload;
  // --raw=fire: raw publishes all messages in one loop, as scenario 1's QoS 1/2 reference does;
  // --raw=promised-fire also makes a promise per message and awaits them all, as awaited publish() calls do.
  const rawKind = args.string('raw', 'window');
  if (rawKind !== 'window' && rawKind !== 'fire' && rawKind !== 'promised-fire') {
    throw new Error('--raw must be window, fire or promised-fire');
  }
  if (rawKind !== 'window' && path === 'e2e') throw new Error(`--raw=${rawKind} is for --path=publish`);
  // --alloc: one sampled run per side after the timed ones; --alloc=N also lists its N largest sites.
  const allocSites = args.has('alloc') ? args.number('alloc', 0) : undefined;
  try {
    for (const qos of args.numbers('qos', [0, 1, 2]) as QoS[]) {
      const n = qos === 2 ? 20_000 : 50_000;
      const window = maxInFlight ?? (qos === 2 ? 20 : 100);
      const rawPattern: RawPattern = rawKind === 'window' ? { kind: 'window', window } : { kind: rawKind };
      const rawName =
        rawKind === 'fire'
          ? 'raw, all fired'
          : rawKind === 'promised-fire'
            ? 'raw, all fired, a promise each, all awaited'
            : `raw, window ${window}${protocolVersion === 5 && qos > 0 ? ' within the Receive Maximum' : ''}`;
      const variants: [string, (count: number) => Promise<number>][] = [
        [
          rawName,
          async (count) => {
            if (path === 'e2e') {
              const result = await e2eRun(broker, 'bench/ab/e2e', qos, payloads(count, size), limits, {
                publisher: 'raw',
                subscriber: 'raw',
                window,
                protocolVersion,
              });
              return (count / result.rate) * 1000;
            }
            const client = await connectRaw(broker.url, { noDelay: true, mqtt: { protocolVersion } });
            try {
              return await rawPublishRun(client, 'bench/ab', count, qos, payload, rawPattern, 60_000);
            } finally {
              await endRaw(client);
            }
          },
        ],
        ...sides.map(([name, Connector]): [string, (count: number) => Promise<number>] => [
          name,
          async (count) => {
            if (path === 'e2e') {
              const result = await e2eRun(broker, 'bench/ab/e2e', qos, payloads(count, size), limits, {
                publisher: 'connector',
                subscriber: 'connector',
                Connector,
                protocolVersion,
              });
              if (result.lost > 0) throw new Error(`${name} lost ${result.lost}`);
              return (count / result.rate) * 1000;
            }
            const bench = await startConnector(broker.url, options, Connector);
            try {
              return await connectorPublishRun(
                bench.connector,
                'bench/ab',
                count,
                qos,
                connectorPayload,
                60_000,
              );
            } finally {
              await bench.close();
            }
          },
        ]),
      ];
      // Per variant, one sample per rep: msgs/s, then this process's CPU, GC and scavenge µs per message.
      const samples = new Map(variants.map(([name]) => [name, new RunSamples()]));
      for (const [, run] of variants) await run(n / 5);
      for (let rep = 0; rep < reps; rep++) {
        for (const [name, run] of rotate(variants, rep)) {
          const meter = measureCost(broker.pid());
          const elapsed = await run(n);
          samples.get(name)?.add(n, elapsed, await meter.stop());
        }
      }
      for (const [name, sample] of samples) {
        const median = (values: number[]) => fixed(spread(values).median, 2);
        console.log(
          `${kind}${protocolVersion === 5 ? ' MQTT 5' : ''} QoS ${qos} ${size} B  ${name.padEnd(40)} ${spreadText(spread(sample.rates), int)} msgs/s, ` +
            `CPU ${median(sample.cpu)} µs/msg, GC ${median(sample.gc)} (scavenges ${median(sample.scavenge)}), ` +
            `broker µs/msg (busy) ${brokerLoadText(sample.brokerCpu, sample.brokerBusy)}`,
        );
      }
      if (allocSites !== undefined) {
        for (const [name, run] of variants) {
          const { allocations } = await sampleAllocations(() => run(n));
          console.log(`  ${name}: ${int(allocations.bytes / n)} B allocated per message`);
          for (const { site, bytes } of allocations.sites.slice(0, allocSites)) {
            console.log(`    ${int(bytes / n).padStart(6)} B  ${site}`);
          }
        }
      }
    }
  } finally {
    await broker.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
