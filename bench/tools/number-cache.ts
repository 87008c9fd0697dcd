/**
 * What MQTT.js's `writeCache` buys and costs, measured in one process: mqtt-packet's number cache (65,536
 * two-byte Buffers, one per 16-bit number) against a two-byte Buffer allocated per number written.
 *
 *   node --expose-gc --import tsx bench/tools/number-cache.ts              (--expose-gc: for the heap figure)
 *   node --expose-gc --import tsx bench/tools/number-cache.ts --reps=21 --packets=200000
 *
 * Prints the heap and time of building the cache, then ns per packet for mqtt-packet writing a QoS 1
 * PUBLISH (two numbers: topic length, packet id) and a PUBACK (one) into a sink that drops the bytes,
 * with the cache on and off in alternating order per rep. The sink keeps Node's stream machinery out, so
 * the difference is the encoder's own; a client's CPU per QoS 1 message (scenario 1) is the scale to read
 * it against. The connector creates its clients with `writeCache: false` (src/connector/mqtt-options.ts).
 */
import { performance } from 'node:perf_hooks';
import { writeToStream, type Packet } from 'mqtt-packet';
import { Args } from '../lib/args.js';
import { fixed, int, spread, spreadText } from '../lib/stats.js';
import { heapAfterGc, rotate } from '../lib/timing.js';

/** Only what mqtt-packet calls on a stream: `write`, which drops the bytes. No `cork`, so nothing waits a tick. */
const sink = { write: () => true } as unknown as Parameters<typeof writeToStream>[1];

const payload = Buffer.alloc(64, 0x78);

function packetOf(kind: 'publish' | 'puback', messageId: number): Packet {
  return kind === 'publish'
    ? { cmd: 'publish', topic: 'bench/number-cache', payload, qos: 1, messageId, retain: false, dup: false }
    : { cmd: 'puback', messageId };
}

/** ns per packet over `count` writes, packet ids cycling through all 65,535 like a busy client's. */
function writeMany(kind: 'publish' | 'puback', count: number): number {
  const start = performance.now();
  for (let i = 0; i < count; i++) writeToStream(packetOf(kind, (i % 65_535) + 1), sink);
  return ((performance.now() - start) * 1e6) / count;
}

/** The cache is built lazily, at the first write after it is switched on: measure that write. */
function buildCache(): { bytes: number; ms: number } {
  writeToStream.cacheNumbers = false;
  const before = heapAfterGc();
  writeToStream.cacheNumbers = true;
  const start = performance.now();
  writeToStream(packetOf('puback', 1), sink);
  const ms = performance.now() - start;
  return { bytes: heapAfterGc() - before, ms };
}

async function main(): Promise<void> {
  const args = new Args();
  const reps = args.number('reps', 15);
  const packets = args.number('packets', 100_000);
  const built = buildCache();
  const heap = `${fixed(built.bytes / 1024 / 1024, 1)} MiB of heap`;
  console.log(`number cache built at its first write: ${heap}, ${fixed(built.ms, 1)} ms in this process`);
  for (const kind of ['publish', 'puback'] as const) {
    writeMany(kind, packets / 10); // warm-up, both ways
    const runs = { cached: [] as number[], allocated: [] as number[] };
    for (let rep = 0; rep < reps; rep++) {
      const order = rotate(['cached', 'allocated'] as const, rep);
      for (const mode of order) {
        writeToStream.cacheNumbers = mode === 'cached';
        runs[mode].push(writeMany(kind, packets));
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const cached = spread(runs.cached);
    const allocated = spread(runs.allocated);
    console.log(
      `${kind}: cached ${spreadText(cached)} ns, allocated ${spreadText(allocated)} ns ` +
        `(${reps} reps of ${int(packets)} packets; difference of medians ${int(allocated.median - cached.median)} ns)`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
