import type { Jitter } from '../connector/types.js';

/** How {@link backoffDelay} grows a delay. Durations in milliseconds. */
export interface BackoffConfig {
  /** Delay before the first retry, in ms. */
  readonly initialDelay: number;
  /** Upper bound of any delay, in ms. Default: no bound. */
  readonly maxDelay?: number;
  /** Growth factor per failed attempt. Default 2. */
  readonly multiplier?: number;
  /**
   * Randomisation of the delay, so that many clients dropped together do not reconnect in lock-step:
   * `'none'` (exact), `'equal'` (half fixed, half random: `d/2 + random·d/2`), `'full'` (`random·d`). Default `'none'`.
   */
  readonly jitter?: Jitter;
  /** Source of randomness in [0, 1). Default `Math.random`; inject for deterministic tests. */
  readonly random?: () => number;
}

/**
 * The delay before retry number `attempt` (1 for the first retry): `initialDelay · multiplier^(attempt-1)`,
 * capped at `maxDelay`, then jittered. Always a finite number >= 0.
 *
 * @example
 * ```ts
 * backoffDelay(1, { initialDelay: 5000 }); // 5000
 * backoffDelay(3, { initialDelay: 5000 }); // 20000
 * backoffDelay(9, { initialDelay: 5000, maxDelay: 120000 }); // 120000
 * ```
 */
export function backoffDelay(attempt: number, config: BackoffConfig): number {
  const { initialDelay, maxDelay = Infinity, multiplier = 2, jitter = 'none', random = Math.random } = config;
  const exponent = Math.max(0, attempt - 1);
  const grown = initialDelay * Math.pow(multiplier, exponent);
  const capped = Math.min(Number.isFinite(grown) ? grown : Infinity, maxDelay);
  const delay = Number.isFinite(capped) ? capped : initialDelay;
  switch (jitter) {
    case 'full':
      return Math.floor(random() * delay);
    case 'equal':
      return Math.floor(delay / 2 + (random() * delay) / 2);
    default:
      return delay;
  }
}
