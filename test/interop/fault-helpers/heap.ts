/**
 * Heap measurement inside Jest. Jest gives no way to pass `--expose-gc` to its workers from a test, so
 * `gc` is obtained the documented V8 way: turn the flag on at run time and read `gc` from a fresh VM
 * context (it is installed on contexts created after the flag is set). If that fails, the figures are
 * taken without a forced GC and say so.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** One heap reading. */
export interface HeapReading {
  /** `process.memoryUsage().heapUsed` in bytes. */
  readonly heapUsed: number;
  /** Whether a full GC ran just before the reading. */
  readonly collected: boolean;
}

let cached: (() => void) | null | undefined;

/** The `gc` function, or undefined when it cannot be had. */
export function gcFunction(): (() => void) | undefined {
  if (cached !== undefined) return cached ?? undefined;
  const existing = (globalThis as { gc?: unknown }).gc;
  if (typeof existing === 'function') {
    cached = existing as () => void;
    return cached;
  }
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    cached = typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    cached = null;
  }
  return cached ?? undefined;
}

/**
 * Reads heapUsed after settling: lets pending callbacks run (two macrotask turns), then runs a full GC
 * twice (the second collects what the first finalised) when `gc` is available.
 */
export async function measureHeap(): Promise<HeapReading> {
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
  const gc = gcFunction();
  gc?.();
  gc?.();
  return { heapUsed: process.memoryUsage().heapUsed, collected: gc !== undefined };
}

/** Bytes as MiB with one decimal, for reports. */
export const mib = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(1);
