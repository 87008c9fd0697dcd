/**
 * How many bytes of JavaScript heap a run allocates, garbage included, and where: V8's sampling heap
 * profiler, told to keep the samples of objects the garbage collector has since freed. Unlike time, the
 * bytes a message costs hardly change with the machine's speed, so they compare two sides measured in
 * different spells. The sampler slows the run a little, so tools take it in a run of its own, not timed.
 */
import { Session } from 'node:inspector/promises';

/** A node of V8's sampling heap profile (the Chrome DevTools protocol's SamplingHeapProfileNode). */
export interface HeapProfileNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  /** Bytes the samples of this call site stand for. */
  readonly selfSize: number;
  readonly children: readonly HeapProfileNode[];
}

/** One call site that allocated, with its share of the run's bytes. */
export interface AllocationSite {
  /** "function file:line", the file shortened to its package or repository path. */
  readonly site: string;
  readonly bytes: number;
}

/** The bytes a run allocated in all, and the sites that allocated most, largest first. */
export interface Allocations {
  readonly bytes: number;
  readonly sites: readonly AllocationSite[];
}

/** Average bytes between two samples: small enough for a few hundred thousand samples in a typical run. */
const SAMPLING_INTERVAL_BYTES = 256;

function siteOf(node: HeapProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^.*node_modules\//, '').replace(/^.*?\/(bench|src|test)\//, '$1/');
  return `${functionName || '(anonymous)'} ${file || '(native)'}:${lineNumber + 1}`;
}

/** Sums a sampling heap profile by call site (the same function at the same line, wherever called from). */
export function allocationTotals(head: HeapProfileNode): Allocations {
  const bySite = new Map<string, number>();
  let bytes = 0;
  const pending: HeapProfileNode[] = [head];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (node.selfSize > 0) {
      bytes += node.selfSize;
      const site = siteOf(node);
      bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    }
    pending.push(...node.children);
  }
  const sites = [...bySite].map(([site, siteBytes]) => ({ site, bytes: siteBytes }));
  return { bytes, sites: sites.sort((a, b) => b.bytes - a.bytes) };
}

/**
 * Runs `run` with the sampling heap profiler on and resolves with what it resolved and what this process
 * allocated meanwhile (every thread of JavaScript in it: the run's and anything else that ran then).
 */
export async function sampleAllocations<T>(
  run: () => Promise<T>,
): Promise<{ result: T; allocations: Allocations }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: SAMPLING_INTERVAL_BYTES,
      // Without these, V8 drops the samples of objects collected before the profile is taken: the
      // profile would show what is still alive, not what was allocated.
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    const outcome = await run().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as {
      profile: { head: HeapProfileNode };
    };
    if ('error' in outcome) throw outcome.error;
    const result = outcome.value;
    return { result, allocations: allocationTotals(profile.head) };
  } finally {
    session.disconnect();
  }
}
