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
/**
 * Full GCs per reading at least: V8 flushes the bytecode of functions not run during its last 5 major GCs
 * (`--bytecode-old-age`, default 5), so what test files that already finished compiled goes only after
 * that many. Measured in this suite: two GCs in a row agree, and the third still frees 12 MiB.
 */
const MIN_GC_ROUNDS = 6;
/** Full GCs per reading at most. */
const MAX_GC_ROUNDS = 12;

/**
 * Reads heapUsed after settling: lets pending callbacks run (two macrotask turns), then runs at least
 * {@link MIN_GC_ROUNDS} full GCs, and more until two readings in a row differ by less than 64 KiB (at most
 * {@link MAX_GC_ROUNDS}). Fewer would leave garbage that a shared Jest process collects later, during the
 * soak, and an inflated "before" could hide a leak.
 */
export async function measureHeap(): Promise<HeapReading> {
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
  const gc = gcFunction();
  if (gc === undefined) return { heapUsed: process.memoryUsage().heapUsed, collected: false };
  let heapUsed = Number.NaN;
  for (let round = 1; round <= MAX_GC_ROUNDS; round++) {
    await new Promise((resolve) => setImmediate(resolve)); // finalizers and weak callbacks run between GCs
    gc();
    const next = process.memoryUsage().heapUsed;
    const settled = Math.abs(next - heapUsed) < SETTLED_BYTES;
    heapUsed = next;
    if (settled && round >= MIN_GC_ROUNDS) break;
  }
  return { heapUsed, collected: true };
}

/** Bytes as MiB with one decimal, for reports. */
export const mib = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(1);
