/**
 * A small seeded random generator for fault plans: a failing soak prints its seed, and `FAULT_SEED=<n>`
 * replays the same sequence of fault kinds, targets and durations (timings still vary with the machine).
 */

/** A generator of floats in [0, 1) (mulberry32), with helpers. */
export interface Random {
  /** The seed it started from (print it with the results). */
  readonly seed: number;
  /** Next float in [0, 1). */
  next(): number;
  /** Integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
}

/** The seed from `FAULT_SEED` if set (an integer), else a fresh one. */
export function soakSeed(): number {
  const fromEnv = Number(process.env.FAULT_SEED);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : Math.floor(Math.random() * 0x7fff_ffff) + 1;
}

/** A mulberry32 generator started at `seed`. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
  return {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
  };
}
