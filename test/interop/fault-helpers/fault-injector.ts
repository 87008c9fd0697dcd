/**
 * Random network faults between connectors and a broker, through fault proxies (test/support/fault-proxy):
 * cuts (FIN), resets (RST), stalls long enough to make keepalives time out, and cuts followed by a spell
 * of refused connections (the broker "gone" for a while: closed at once, or ECONNREFUSED). Each fault waits until the
 * connectors it targets are connected again (their `state$`), so every fault hits a live connection; the
 * run ends after `minFaults` once `keepGoing()` turns false, or at `maxFaults`. With `minEach`, the first
 * `minFaults` faults include at least that many of every kind (in a seeded random order), so a run never
 * happens to skip stalls or refusals.
 */
import type { ConnectionState } from '../../../src/index';
import { waitForState } from '../../../src/testing/wait-for-state';
import type { Observable } from 'rxjs';
import type { FaultProxy } from '../../support/fault-proxy';
import type { Random } from './random';

/** What a fault does to the connections through a proxy. */
export type FaultKind = 'cut' | 'reset' | 'stall' | 'refuse';

/** A connector behind its own proxy. */
export interface FaultTarget {
  /** For reports ("publisher"). */
  readonly name: string;
  readonly proxy: FaultProxy;
  /** The connector (only its `state$` is used). */
  readonly connector: { readonly state$: Observable<ConnectionState> };
}

/** How the faults are chosen. */
export interface FaultPlan {
  /** Faults to apply at least. */
  readonly minFaults: number;
  /** Faults to apply at most. */
  readonly maxFaults: number;
  /** Traffic time between a reconnect and the next fault, ms: [min, max]. */
  readonly gapMs: readonly [number, number];
  /** Length of a stall, ms: [min, max]. Make min > 1.5 × keepalive to force keepalive timeouts. */
  readonly stallMs: readonly [number, number];
  /** How long new connections are refused after a 'refuse' cut, ms: [min, max]. Default [300, 1500]. */
  readonly refuseMs?: readonly [number, number];
  /** Kinds to pick from (uniformly). Default all four. */
  readonly kinds?: readonly FaultKind[];
  /** At least this many faults of each kind among the first `minFaults` (kinds × minEach ≤ minFaults). Default 0. */
  readonly minEach?: number;
  /** How long a target may take to be connected again before the run fails, ms. Default 60,000. */
  readonly reconnectTimeoutMs?: number;
  /** Checked after `minFaults`: go on while it returns true (e.g. while messages are still being published). */
  readonly keepGoing?: () => boolean;
}

/** One applied fault. */
export interface FaultRecord {
  /** ms since the run started. */
  readonly atMs: number;
  readonly kind: FaultKind;
  readonly targets: readonly string[];
  /** Connection pairs destroyed (cut / reset / refuse). */
  readonly connectionsCut: number;
  /** Stall only: how many of the targets left `connected` during it (keepalive timeout). */
  readonly droppedByStall: number;
}

/** What a run did. */
export interface FaultTally {
  readonly applied: number;
  readonly cuts: number;
  readonly resets: number;
  readonly stalls: number;
  /** Cuts followed by refused connections. */
  readonly refusals: number;
  /** Stalls after which at least one target had left `connected` (a keepalive timeout fired). */
  readonly stallsThatDropped: number;
  readonly records: readonly FaultRecord[];
}

const ALL_KINDS: readonly FaultKind[] = ['cut', 'reset', 'stall', 'refuse'];

/**
 * The kinds of the first `minFaults` faults: `minEach` of every kind, the rest picked at random, shuffled
 * (Fisher–Yates with the seeded generator, so a seed replays the same order).
 */
function firstKinds(plan: FaultPlan, random: Random): FaultKind[] {
  const kinds = plan.kinds ?? ALL_KINDS;
  const minEach = plan.minEach ?? 0;
  if (kinds.length * minEach > plan.minFaults) {
    throw new Error(`fault plan: ${kinds.length} kinds × minEach ${minEach} > minFaults ${plan.minFaults}`);
  }
  const deck = kinds.flatMap((kind) => Array.from({ length: minEach }, () => kind));
  while (deck.length < plan.minFaults) deck.push(random.pick(kinds));
  for (let i = deck.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [deck[i], deck[j]] = [deck[j] as FaultKind, deck[i] as FaultKind];
  }
  return deck;
}

/** See the module documentation. */
export class FaultInjector {
  private stopped = false;
  private wakeUp: (() => void) | undefined;
  private readonly records: FaultRecord[] = [];
  private readonly started = Date.now();
  /** Kinds still to apply before picking freely (see {@link firstKinds}). */
  private readonly deck: FaultKind[];

  constructor(
    private readonly targets: readonly FaultTarget[],
    private readonly plan: FaultPlan,
    private readonly random: Random,
  ) {
    this.deck = firstKinds(plan, random);
  }

  /** Applies faults until the plan says stop (or {@link FaultInjector.stop}); resolves with the tally. */
  async run(): Promise<FaultTally> {
    const { minFaults, maxFaults, keepGoing } = this.plan;
    try {
      while (!this.stopped && this.records.length < maxFaults) {
        if (this.records.length >= minFaults && !(keepGoing?.() ?? false)) break;
        await this.applyOne();
      }
    } finally {
      for (const target of this.targets) target.proxy.resume();
      await Promise.all(this.targets.map((target) => target.proxy.accept()));
    }
    return this.tally();
  }

  /** Ends the run early: the current wait ends, stalls and refusals end. Idempotent. */
  stop(): void {
    this.stopped = true;
    this.wakeUp?.();
    for (const target of this.targets) {
      target.proxy.resume();
      void target.proxy.accept().catch(() => undefined);
    }
  }

  /** How many faults were applied so far. */
  get applied(): number {
    return this.records.length;
  }

  /** The faults applied so far. */
  tally(): FaultTally {
    const count = (kind: FaultKind) => this.records.filter((r) => r.kind === kind).length;
    return {
      applied: this.records.length,
      cuts: count('cut'),
      resets: count('reset'),
      stalls: count('stall'),
      refusals: count('refuse'),
      stallsThatDropped: this.records.filter((r) => r.kind === 'stall' && r.droppedByStall > 0).length,
      records: [...this.records],
    };
  }

  private async applyOne(): Promise<void> {
    const chosen = this.pickTargets();
    const timeout = this.plan.reconnectTimeoutMs ?? 60_000;
    for (const target of chosen) {
      await waitForState(target.connector, 'connected', { timeout }).catch((error: unknown) => {
        throw new Error(`${target.name} was not connected again within ${timeout} ms`, { cause: error });
      });
    }
    await this.pause(this.random.int(...this.plan.gapMs));
    if (this.stopped) return;
    const kind = this.deck.shift() ?? this.random.pick(this.plan.kinds ?? ALL_KINDS);
    const atMs = Date.now() - this.started;
    const targets = chosen.map((t) => t.name);
    if (kind === 'stall') {
      const dropped = new Set<string>();
      const watches = chosen.map((t) =>
        t.connector.state$.subscribe((state) => {
          if (state.status !== 'connected') dropped.add(t.name);
        }),
      );
      for (const target of chosen) target.proxy.stall();
      await this.pause(this.random.int(...this.plan.stallMs));
      for (const target of chosen) target.proxy.resume();
      for (const watch of watches) watch.unsubscribe();
      this.records.push({ atMs, kind, targets, connectionsCut: 0, droppedByStall: dropped.size });
      return;
    }
    let connectionsCut = 0;
    if (kind === 'refuse') {
      // Refuse first, so that the immediate reconnect is turned away too; the proxy accepts again by itself.
      const mode = this.random.pick(['close', 'unlisten'] as const);
      const ms = this.random.int(...(this.plan.refuseMs ?? [300, 1500]));
      for (const target of chosen) await target.proxy.refuse(ms, mode);
    }
    for (const target of chosen) connectionsCut += target.proxy.cutAll({ reset: kind === 'reset' });
    this.records.push({ atMs, kind, targets, connectionsCut, droppedByStall: 0 });
  }

  /** One target, or all of them together (one time in three when there are several). */
  private pickTargets(): readonly FaultTarget[] {
    if (this.targets.length > 1 && this.random.next() < 1 / 3) return this.targets;
    return [this.random.pick(this.targets)];
  }

  /** Fault timing (not a wait for a result): ends early on stop(). */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }
}
