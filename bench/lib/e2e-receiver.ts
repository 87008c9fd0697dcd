/**
 * The counting end of an end-to-end run: n messages carry a sequence number in their first 4 bytes, and the
 * receiver counts unique, duplicate and out-of-order arrivals, then makes the run's record.
 */
import { brokerLoad, type RunCost } from './cost.js';
import { errorText } from './output.js';
import { sleep } from './timing.js';

/** What one run measured. */
export interface E2eResult {
  /** Unique messages received per second (first publish → last receive). */
  readonly rate: number;
  readonly unique: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly outOfOrder: number;
  /** "complete", "idle" (publisher done, nothing arrived for a while) or "cap" (time cap). */
  readonly outcome: 'complete' | 'idle' | 'cap';
  /** Publisher error (e.g. disconnected by the broker), if any. */
  readonly error?: string;
  /** This process's CPU and GC time per unique message received (µs): both clients run here. */
  readonly cpuPerMessage?: number;
  readonly gcPerMessage?: number;
  /** The broker's CPU per unique message received (µs) and its busy share of the run (0–1), if measured. */
  readonly brokerCpuPerMessage?: number;
  readonly brokerBusy?: number;
  /**
   * Read system calls of this process per unique message received: both clients run here, and at QoS 0 the
   * publisher reads almost nothing, so its inverse is about how many messages a subscriber's read brought.
   */
  readonly readCallsPerMessage?: number;
  /** The broker's write system calls per unique message received, if measured. */
  readonly brokerWritesPerMessage?: number;
}

/** Counts arrivals by sequence number. */
export class Receiver {
  private readonly seen: Uint8Array;
  unique = 0;
  duplicates = 0;
  outOfOrder = 0;
  last = -1;
  lastAt = 0;
  private wake: (() => void) | undefined;

  constructor(readonly n: number) {
    this.seen = new Uint8Array(n);
  }

  receive(payload: Uint8Array): void {
    const seq =
      ((payload[0] ?? 0) << 24) | ((payload[1] ?? 0) << 16) | ((payload[2] ?? 0) << 8) | (payload[3] ?? 0);
    if (seq < 0 || seq >= this.n) return;
    this.lastAt = performance.now();
    if (this.seen[seq] === 1) {
      this.duplicates++;
      return;
    }
    this.seen[seq] = 1;
    this.unique++;
    if (seq < this.last) this.outOfOrder++;
    this.last = Math.max(this.last, seq);
    if (this.unique === this.n) this.wake?.();
  }

  /** Resolves when all arrived, or `idleMs` after `published` with nothing new, or at `capMs`. */
  async done(
    published: Promise<unknown>,
    idleMs: number,
    capMs: number,
    start: number,
  ): Promise<E2eResult['outcome']> {
    if (this.unique === this.n) return 'complete';
    const all = new Promise<void>((resolve) => (this.wake = resolve));
    let publisherDone = false;
    void published.then(
      () => (publisherDone = true),
      () => (publisherDone = true),
    );
    for (;;) {
      const winner = await Promise.race([
        all.then(() => 'all' as const),
        sleep(50).then(() => 'tick' as const),
      ]);
      if (winner === 'all' || this.unique === this.n) return 'complete';
      const now = performance.now();
      if (now - start > capMs) return 'cap';
      if (publisherDone && now - Math.max(this.lastAt, start) > idleMs) return 'idle';
    }
  }
}

/** A payload of `size` bytes whose first 4 bytes are `seq` (big-endian). */
export function sequenced(seq: number, size: number, template: Buffer): Buffer {
  const payload = Buffer.from(template);
  payload.writeUInt32BE(seq, 0);
  return payload;
}

/** Pre-built payloads (building them is not part of what is timed). */
export function payloads(n: number, size: number): Buffer[] {
  const template = Buffer.alloc(Math.max(4, size), 0x78);
  return Array.from({ length: n }, (_, i) => sequenced(i, size, template));
}

/** The record of a run that threw (a broker that refused, a client that could not connect): all `n` lost. */
export function failedE2e(n: number, error: unknown): E2eResult {
  return {
    rate: 0,
    unique: 0,
    lost: n,
    duplicates: 0,
    outOfOrder: 0,
    outcome: 'cap',
    error: errorText(error),
  };
}

/** The record of a finished run: rates and counts from `rx`, costs per unique message received. */
export function finishedE2e(
  rx: Receiver,
  start: number,
  outcome: E2eResult['outcome'],
  cost: RunCost,
  error?: string,
): E2eResult {
  const elapsed = (rx.lastAt > 0 ? rx.lastAt : performance.now()) - start;
  const load = brokerLoad(cost, rx.unique);
  const received = Math.max(1, rx.unique);
  return {
    cpuPerMessage: cost.cpuUs / received,
    gcPerMessage: cost.gcUs / received,
    ...(load !== undefined ? { brokerCpuPerMessage: load.perMessage, brokerBusy: load.busy } : {}),
    ...(cost.readCalls !== undefined ? { readCallsPerMessage: cost.readCalls / received } : {}),
    ...(cost.brokerWriteCalls !== undefined
      ? { brokerWritesPerMessage: cost.brokerWriteCalls / received }
      : {}),
    rate: rx.unique > 0 ? (rx.unique / elapsed) * 1000 : 0,
    unique: rx.unique,
    lost: rx.n - rx.unique,
    duplicates: rx.duplicates,
    outOfOrder: rx.outOfOrder,
    outcome,
    ...(error !== undefined ? { error } : {}),
  };
}
