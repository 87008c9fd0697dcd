/**
 * Counts deliveries of numbered messages (0 … total-1): which arrived, how often, in what order. It
 * answers "none lost" (every number seen), "how many duplicates" (deliveries beyond the first) and lets a
 * test wait, without polling, until every number has arrived.
 */

/** A summary of what arrived. */
export interface SequenceSummary {
  readonly total: number;
  /** Distinct numbers seen. */
  readonly unique: number;
  /** Every delivery, duplicates included. */
  readonly deliveries: number;
  /** Deliveries of a number already seen. */
  readonly duplicates: number;
  /** Distinct numbers delivered more than once. */
  readonly duplicatedNumbers: number;
  /**
   * First deliveries of a number lower than the highest seen before it in its lane (`n % lanes`: the
   * soak publishes number n to topic n % lanes, so this is reordering within a topic).
   */
  readonly outOfOrder: number;
  /** Deliveries that were not a number in range (should stay 0). */
  readonly foreign: number;
  /** Up to 20 of the numbers never seen. */
  readonly missingSample: readonly number[];
}

/** See the module documentation. */
export class SequenceTracker {
  private readonly counts: Uint32Array;
  private uniqueCount = 0;
  private deliveryCount = 0;
  private foreignCount = 0;
  private outOfOrderCount = 0;
  private readonly highest: Float64Array;
  private waiters: { check: () => boolean; done: () => void }[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  /** @param lanes - how many independent orders the numbers form (`n % lanes`); default 1. */
  constructor(
    readonly total: number,
    readonly lanes = 1,
  ) {
    this.counts = new Uint32Array(total);
    this.highest = new Float64Array(lanes).fill(-1);
  }

  /** Records one delivery of `value` (a sequence number, or anything else counted as foreign). */
  record(value: unknown): void {
    this.deliveryCount++;
    const n = typeof value === 'number' ? value : Number(value);
    if (!Number.isInteger(n) || n < 0 || n >= this.total) {
      this.foreignCount++;
      return;
    }
    const seen = this.counts[n] as number;
    this.counts[n] = seen + 1;
    if (seen > 0) return;
    this.uniqueCount++;
    const lane = n % this.lanes;
    if (n < (this.highest[lane] as number)) this.outOfOrderCount++;
    else this.highest[lane] = n;
    if (this.waiters.length > 0) this.wake();
  }

  /** True once every number has been seen at least once. */
  get complete(): boolean {
    return this.uniqueCount === this.total;
  }

  /** Distinct numbers seen so far. */
  get unique(): number {
    return this.uniqueCount;
  }

  /** Resolves once complete; rejects after `timeoutMs` with how many are missing. */
  whenComplete(timeoutMs: number): Promise<void> {
    return this.waitUntil(
      () => this.complete,
      () => `${this.total - this.uniqueCount} of ${this.total} messages still missing after ${timeoutMs} ms`,
      timeoutMs,
    );
  }

  /** Resolves once every number in [from, to) has been seen; rejects after `timeoutMs`. */
  whenSeen(from: number, to: number, timeoutMs: number): Promise<void> {
    return this.whenSeenAll(
      Array.from({ length: to - from }, (_, i) => from + i),
      timeoutMs,
    );
  }

  /** Resolves once every number of `numbers` has been seen; rejects after `timeoutMs` naming how many are not. */
  whenSeenAll(numbers: readonly number[], timeoutMs: number): Promise<void> {
    let pending = numbers.filter((n) => !this.has(n));
    const check = () => {
      pending = pending.filter((n) => !this.has(n));
      return pending.length === 0;
    };
    return this.waitUntil(
      check,
      () =>
        `${pending.length} of ${numbers.length} expected messages (e.g. ${pending.slice(0, 5).join(', ')}) still missing after ${timeoutMs} ms`,
      timeoutMs,
    );
  }

  /** True if `n` has been seen. */
  has(n: number): boolean {
    return (this.counts[n] ?? 0) > 0;
  }

  /** Resolves once `check()` holds (re-checked after each new number); rejects with `why()` after `timeoutMs`. */
  private waitUntil(check: () => boolean, why: () => string, timeoutMs: number): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(why()));
      }, timeoutMs);
      this.timers.add(timer);
      const waiter = {
        check,
        done: () => {
          clearTimeout(timer);
          this.timers.delete(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Stops every pending wait's timer (its promise then never settles): call it when the run ends. */
  dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.waiters = [];
  }

  /** The counts so far. */
  summary(): SequenceSummary {
    let duplicatedNumbers = 0;
    const missingSample: number[] = [];
    for (let i = 0; i < this.total; i++) {
      const c = this.counts[i] as number;
      if (c > 1) duplicatedNumbers++;
      else if (c === 0 && missingSample.length < 20) missingSample.push(i);
    }
    const inRange = this.deliveryCount - this.foreignCount;
    return {
      total: this.total,
      unique: this.uniqueCount,
      deliveries: this.deliveryCount,
      duplicates: inRange - this.uniqueCount,
      duplicatedNumbers,
      outOfOrder: this.outOfOrderCount,
      foreign: this.foreignCount,
      missingSample,
    };
  }

  private wake(): void {
    const ready = this.waiters.filter((w) => w.check());
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const waiter of ready) waiter.done();
  }
}
