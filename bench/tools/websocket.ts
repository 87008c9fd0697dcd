/**
 * The WebSocket path in Node: raw MQTT.js against the connector over Mosquitto's `ws://` listener,
 * interleaved, publish (raw's window of 100 against the connector firing all, every promise awaited) and end
 * to end (both clients in this process), QoS 0 and 1, 64 B:
 *
 *   npx tsx bench/tools/websocket.ts --n=20000 --reps=5
 *
 * Not a scenario of `npm run bench` (the targets are for TCP); it shows what the connector's one
 * WebSocket frame per write batch (src/connector/packet-frames.ts) is worth against MQTT.js's frame per chunk.
 */
import type { QoS } from '../../src/connector/types.js';
import { MOSQUITTO_NO_QUEUE_LIMITS, startMosquitto } from '../../test/support/mosquitto.js';
import { Args } from '../lib/args.js';
import type { BenchBroker } from '../lib/brokers.js';
import { e2eRun } from '../lib/e2e.js';
import { payloads } from '../lib/e2e-receiver.js';
import { publishOnce, type PublishRate } from '../lib/publish-once.js';
import { fixed, spread, spreadText, times } from '../lib/stats.js';
import { rotate } from '../lib/timing.js';

async function main(): Promise<void> {
  const args = new Args();
  const reps = args.number('reps', 5);
  const n = args.number('n', 20_000);
  const mosquitto = await startMosquitto({
    websockets: true,
    config: [...MOSQUITTO_NO_QUEUE_LIMITS, 'max_inflight_messages 0'],
  });
  const url = mosquitto.urls.websockets as string;
  // The end-to-end driver reads only the broker's URL.
  const broker = { url } as BenchBroker;
  const payload = Buffer.alloc(64, 0x78);
  const limits = { idleMs: 1_500, capMs: 30_000 };
  try {
    for (const path of ['publish', 'e2e'] as const) {
      for (const qos of [0, 1] as QoS[]) {
        const messages = payloads(n, 64);
        const once = async (raw: boolean): Promise<PublishRate> => {
          const side = raw ? 'raw' : 'connector';
          if (path === 'publish') {
            return publishOnce(side, {
              url,
              topic: 'bench/ws',
              qos,
              n,
              payload,
              window: 100,
              timeoutMs: 60_000,
            });
          }
          const sides = { publisher: side, subscriber: side } as const;
          const result = await e2eRun(broker, 'bench/ws/e2e', qos, messages, limits, sides);
          return { rate: result.rate, cpu: result.cpuPerMessage ?? Number.NaN };
        };
        const variants = [true, false];
        const runs = new Map<boolean, PublishRate[]>(variants.map((raw) => [raw, []]));
        for (const raw of variants) await once(raw);
        for (let rep = 0; rep < reps; rep++) {
          for (const raw of rotate(variants, rep)) runs.get(raw)?.push(await once(raw));
        }
        const median = (raw: boolean) => spread((runs.get(raw) ?? []).map((r) => r.rate)).median;
        for (const raw of variants) {
          const list = runs.get(raw) ?? [];
          console.log(
            `ws ${path.padEnd(7)} QoS ${qos} ${(raw ? 'raw MQTT.js' : 'connector').padEnd(11)} ` +
              `${spreadText(spread(list.map((r) => r.rate)))} msgs/s, CPU ${fixed(spread(list.map((r) => r.cpu)).median, 1)} µs/msg` +
              (raw ? '' : `, ${times(median(false) / median(true))} raw`),
          );
        }
      }
    }
  } finally {
    await mosquitto.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
