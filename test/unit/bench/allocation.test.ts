/**
 * The bench's allocation and garbage-collection readings: bytes allocated per run from V8's sampling heap
 * profiler (bench/lib/allocation.ts), and the scavenge share of a run's GC time (bench/lib/cost.ts).
 */
import { allocationTotals, type HeapProfileNode, sampleAllocations } from '../../../bench/lib/allocation.js';
import { measureCost } from '../../../bench/lib/cost.js';

function node(
  functionName: string,
  url: string,
  lineNumber: number,
  selfSize: number,
  children: HeapProfileNode[] = [],
): HeapProfileNode {
  return { callFrame: { functionName, url, lineNumber }, selfSize, children };
}

/** Allocates `count` short-lived arrays of 32 numbers; returns the sum of their lengths. */
function allocateGarbage(count: number): number {
  let total = 0;
  for (let i = 0; i < count; i++) total += new Array<number>(32).fill(i).length;
  return total;
}

describe('allocationTotals', () => {
  it('sums the bytes of every node and groups one call site reached from different callers', () => {
    const shared = (size: number) =>
      node('write', 'file:///work/main/node_modules/mqtt-packet/writeToStream.js', 860, size);
    const head = node('(root)', '', -1, 0, [
      node('publish', 'file:///work/main/src/streams/publish-pipeline.ts', 9, 100, [shared(300)]),
      node('run', 'file:///tmp/ci/bench/lib/raw.ts', 0, 50, [shared(200), node('', '', -1, 25)]),
    ]);
    const totals = allocationTotals(head);
    expect(totals.bytes).toBe(675);
    expect(totals.sites).toEqual([
      { site: 'write mqtt-packet/writeToStream.js:861', bytes: 500 },
      { site: 'publish src/streams/publish-pipeline.ts:10', bytes: 100 },
      { site: 'run bench/lib/raw.ts:1', bytes: 50 },
      { site: '(anonymous) (native):0', bytes: 25 },
    ]);
  });

  it('is empty for a profile without samples', () => {
    expect(allocationTotals(node('(root)', '', -1, 0))).toEqual({ bytes: 0, sites: [] });
  });
});

describe('sampleAllocations', () => {
  it('counts the garbage a run allocated, which the collector has freed by the end', async () => {
    const { result, allocations } = await sampleAllocations(() => Promise.resolve(allocateGarbage(100_000)));
    expect(result).toBe(3_200_000);
    // 100,000 arrays of 32 doubles or small integers: at least 32 × 4 B each whatever V8's representation,
    // so over 12 MB (sampled, hence the wide bound on both sides).
    expect(allocations.bytes).toBeGreaterThan(8_000_000);
    expect(allocations.bytes).toBeLessThan(400_000_000);
    expect(allocations.sites[0]?.site).toMatch(/allocation\.test\.ts/);
  });

  it('passes a failure of the run on, and stops sampling so that the next run can sample', async () => {
    const failure = new Error('run failed');
    await expect(sampleAllocations(() => Promise.reject(failure))).rejects.toBe(failure);
    const { allocations } = await sampleAllocations(() => Promise.resolve(allocateGarbage(10_000)));
    expect(allocations.bytes).toBeGreaterThan(0);
  });
});

describe('measureCost', () => {
  it('counts the scavenges of short-lived garbage as part of the GC time', async () => {
    const meter = measureCost();
    // About 30 MB of garbage: more than the young generation holds, so it is scavenged at least once.
    allocateGarbage(100_000);
    const cost = await meter.stop();
    expect(cost.scavengeUs).toBeGreaterThan(0);
    expect(cost.scavengeUs).toBeLessThanOrEqual(cost.gcUs);
  });
});
