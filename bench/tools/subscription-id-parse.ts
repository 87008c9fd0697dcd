/**
 * What a received MQTT 5 PUBLISH costs mqtt-packet's parser by the Subscription Identifier it carries: none
 * (no properties, as for a subscription made without one), 1 (one byte, the identifier the connector's
 * exact filters hold) and 100,000,000 (four bytes, like a counter started at a random value).
 *
 *   npx tsx bench/tools/subscription-id-parse.ts
 *   npx tsx bench/tools/subscription-id-parse.ts --reps=21 --packets=200000 --batch=100
 *
 * The parser reads properties a byte at a time through bl's `readUInt8`, which slices a new Buffer per
 * byte, so each byte of the identifier costs a slice. Prints ns per packet for each, in rotating order per
 * rep, feeding the parser chunks of `--batch` packets (what one socket read brings
 * under load). The difference is per received message, on the receiving client's CPU.
 */
import { performance } from 'node:perf_hooks';
import { generate, parser } from 'mqtt-packet';
import { Args } from '../lib/args.js';
import { int, signed, spread, spreadText } from '../lib/stats.js';
import { rotate } from '../lib/timing.js';

/** The identifiers compared, by name: none (no properties, as raw MQTT.js subscribes), then by width. */
const WIDTHS = [
  ['none', undefined],
  ['one byte (1)', 1],
  ['four bytes (100,000,000)', 100_000_000],
] as const;

/** A chunk of `batch` PUBLISH packets of 64 B payloads, each carrying `identifier` (or no properties). */
function chunkOf(identifier: number | undefined, batch: number): Buffer {
  const packet = generate(
    {
      cmd: 'publish',
      topic: 'bench/subscription-id',
      payload: Buffer.alloc(64, 0x78),
      qos: 0,
      retain: false,
      dup: false,
      ...(identifier === undefined ? {} : { properties: { subscriptionIdentifier: identifier } }),
    },
    { protocolVersion: 5 },
  );
  return Buffer.concat(Array.from({ length: batch }, () => packet));
}

/** ns per packet parsing `packets` packets (whole chunks), checking that every one came out. */
function parseMany(chunk: Buffer, batch: number, packets: number): number {
  const reader = parser({ protocolVersion: 5 });
  let parsed = 0;
  reader.on('packet', () => parsed++);
  const chunks = Math.ceil(packets / batch);
  const start = performance.now();
  for (let i = 0; i < chunks; i++) reader.parse(chunk);
  const ns = ((performance.now() - start) * 1e6) / (chunks * batch);
  if (parsed !== chunks * batch) throw new Error(`parsed ${parsed} packets of ${chunks * batch}`);
  return ns;
}

async function main(): Promise<void> {
  const args = new Args();
  const reps = args.number('reps', 15);
  const packets = args.number('packets', 100_000);
  const batch = args.number('batch', 100);
  const sides = WIDTHS.map(([name, identifier]) => ({
    name,
    chunk: chunkOf(identifier, batch),
    ns: [] as number[],
  }));
  for (const side of sides) parseMany(side.chunk, batch, packets / 10); // warm-up
  for (let rep = 0; rep < reps; rep++) {
    for (const side of rotate(sides, rep)) {
      side.ns.push(parseMany(side.chunk, batch, packets));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const base = spread(sides[0]?.ns ?? []).median;
  for (const side of sides) {
    const result = spread(side.ns);
    const over = side === sides[0] ? '' : ` (${signed(result.median - base)} over none)`;
    console.log(`identifier ${side.name}: ${spreadText(result)} ns per packet${over}`);
  }
  console.log(`${reps} reps of ${int(packets)} packets in chunks of ${batch}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
