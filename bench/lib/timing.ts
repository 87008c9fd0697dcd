/**
 * Small timing helpers shared by the scenarios.
 */

/** Lets pending I/O and promise callbacks run once. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs a full garbage collection when the process has `--expose-gc`; returns false otherwise. */
export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return false;
  gc();
  gc();
  return true;
}

/** Heap in use after a full collection (bytes). Throws without `--expose-gc`. */
export function heapAfterGc(): number {
  if (!collectGarbage()) throw new Error('run node with --expose-gc');
  return process.memoryUsage().heapUsed;
}

/**
 * Rejects with `message` after `ms` unless `promise` settles first; the timer never keeps the process
 * alive.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} (after ${ms} ms)`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The variants of one rep in a rotating order (rep 0: a b c, rep 1: b c a, ...). */
export function rotate<T>(items: readonly T[], rep: number): T[] {
  const shift = items.length === 0 ? 0 : rep % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
