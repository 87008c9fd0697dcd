/**
 * Heap measurement inside Jest. Jest gives no way to pass `--expose-gc` to its workers from a test, so
 * `gc` is obtained the documented V8 way: turn the flag on at run time and read `gc` from a fresh VM
 * context (it is installed on contexts created after the flag is set). If that fails, the reading says
 * so (`collected: false`) and the soak tests fail on it: a heap figure without a full GC means little.
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

/** Two readings closer than this count as settled. */
const SETTLED_BYTES = 64 * 1024;
/** Most full GCs per reading. */
const MAX_GC_ROUNDS = 10;

/**
 * Reads heapUsed after settling: lets pending callbacks run (two macrotask turns), then runs full GCs until
 * two readings in a row differ by less than 64 KiB (at most 10). One GC is not always enough in a shared
 * Jest process: what a finished test file left behind can take several rounds to go (weak references,
 * code that V8 discards only after it has aged over a few GCs), and would otherwise inflate a "before".
 */
export async function measureHeap(): Promise<HeapReading> {
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
  const gc = gcFunction();
  if (gc === undefined) return { heapUsed: process.memoryUsage().heapUsed, collected: false };
  gc();
  let heapUsed = process.memoryUsage().heapUsed;
  for (let round = 1; round < MAX_GC_ROUNDS; round++) {
    await new Promise((resolve) => setImmediate(resolve)); // finalizers and weak callbacks run between GCs
    gc();
    const next = process.memoryUsage().heapUsed;
    const settled = Math.abs(next - heapUsed) < SETTLED_BYTES;
    heapUsed = next;
    if (settled) break;
  }
  return { heapUsed, collected: true };
}

/** Bytes as MiB with one decimal, for reports. */
export const mib = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(1);
