/**
 * What a run cost this process: CPU time (user + system, from process.cpuUsage) and time in garbage
 * collection (from 'gc' performance entries whose start falls inside the run). Per message, these explain
 * a throughput gap better than the rate itself on a shared machine: they do not count waiting. Given the
 * broker's process id, also the broker's CPU time over the same span: a broker busy all of it is what
 * bounds both sides of a comparison, whatever the clients cost.
 */
import { readFileSync } from 'node:fs';
import { constants, PerformanceObserver, performance } from 'node:perf_hooks';
import { fixed, median } from './stats.js';
import { settle } from './timing.js';

interface GcEntry {
  readonly start: number;
  readonly duration: number;
  /** A scavenge (minor collection of the young generation) rather than a mark-compact or its steps. */
  readonly minor: boolean;
}

/** The kind a 'gc' performance entry gives in its `detail` (Node ≥ 16). */
function isMinor(entry: PerformanceEntry): boolean {
  const detail = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail;
  return detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR;
}

const entries: GcEntry[] = [];
let observer: PerformanceObserver | undefined;

function observe(): void {
  if (observer !== undefined) return;
  observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      entries.push({ start: entry.startTime, duration: entry.duration, minor: isMinor(entry) });
    }
    // Bounded: only recent entries matter.
    if (entries.length > 20_000) entries.splice(0, entries.length - 10_000);
  });
  observer.observe({ entryTypes: ['gc'] });
}

/** CPU and GC time of one run, in microseconds. */
export interface RunCost {
  readonly cpuUs: number;
  readonly gcUs: number;
  /**
   * The part of `gcUs` spent in scavenges: their cost grows with what survives them (e.g. publishes still
   * waiting to be sent), not with what a run allocates.
   */
  readonly scavengeUs: number;
  /** Wall-clock time between start and stop. */
  readonly wallUs: number;
  /** The broker's CPU time (all its threads) over the run; undefined without its pid or off Linux. */
  readonly brokerCpuUs?: number;
  /**
   * Read system calls this process made over the run (off Linux: undefined). A client reads its sockets with
   * one call per chunk of bytes waiting, so calls per message received say how many messages a read brings.
   */
  readonly readCalls?: number;
  /** Write system calls the broker made over the run (with its pid, on Linux). */
  readonly brokerWriteCalls?: number;
}

// /proc/<pid>/stat counts in USER_HZ ticks, which Linux fixes at 100 per second for user space: 10 ms, so
// about 1% of a 1-second run.
const US_PER_TICK = 10_000;

/**
 * CPU time (user + system, all threads) that process `pid` has used so far, in µs, read from
 * /proc/<pid>/stat; undefined without a pid, off Linux or once the process is gone.
 */
export function processCpuUs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, so 12th and 13th after the name.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * US_PER_TICK : undefined;
  } catch {
    return undefined;
  }
}

/** Read and write system calls a process has made so far. */
export interface IoCalls {
  readonly reads: number;
  readonly writes: number;
}

/**
 * The read and write system calls that process `pid` (this one for `'self'`) has made so far, from
 * /proc/<pid>/io (`syscr`, `syscw`); undefined without a pid, off Linux or once the process is gone.
 */
export function ioCalls(pid: number | 'self' | undefined): IoCalls | undefined {
  if (pid === undefined) return undefined;
  try {
    const text = readFileSync(`/proc/${pid}/io`, 'utf8');
    const reads = Number(/^syscr: (\d+)$/m.exec(text)?.[1]);
    const writes = Number(/^syscw: (\d+)$/m.exec(text)?.[1]);
    return Number.isFinite(reads) && Number.isFinite(writes) ? { reads, writes } : undefined;
  } catch {
    return undefined;
  }
}

/** `after - before` of one counter, when both readings exist. */
function counted(
  before: IoCalls | undefined,
  after: IoCalls | undefined,
  key: keyof IoCalls,
): number | undefined {
  return before !== undefined && after !== undefined ? after[key] - before[key] : undefined;
}

/**
 * Starts measuring (the broker's CPU too, given `brokerPid`); `stop()` (call right when the run ends)
 * resolves with the cost.
 */
export function measureCost(brokerPid?: number): { stop(): Promise<RunCost> } {
  observe();
  const brokerBefore = processCpuUs(brokerPid);
  const brokerIoBefore = ioCalls(brokerPid);
  const ioBefore = ioCalls('self');
  const cpu = process.cpuUsage();
  const start = performance.now();
  return {
    async stop() {
      const used = process.cpuUsage(cpu);
      const end = performance.now();
      const brokerAfter = processCpuUs(brokerPid);
      const ioAfter = ioCalls('self');
      const brokerIoAfter = ioCalls(brokerPid);
      // Let the observer hear the last collections: Node reports a collection from an immediate it queues
      // after it, and hands the entry to observers from another one.
      await settle();
      await settle();
      let gc = 0;
      let scavenge = 0;
      for (const entry of entries) {
        if (entry.start < start || entry.start > end) continue;
        gc += entry.duration;
        if (entry.minor) scavenge += entry.duration;
      }
      return {
        cpuUs: used.user + used.system,
        gcUs: gc * 1000,
        scavengeUs: scavenge * 1000,
        wallUs: (end - start) * 1000,
        ...optional(
          'brokerCpuUs',
          brokerBefore !== undefined && brokerAfter !== undefined ? brokerAfter - brokerBefore : undefined,
        ),
        ...optional('readCalls', counted(ioBefore, ioAfter, 'reads')),
        ...optional('brokerWriteCalls', counted(brokerIoBefore, brokerIoAfter, 'writes')),
      };
    },
  };
}

/** `{ [key]: value }`, or nothing when the value is undefined (for spreading into a record). */
function optional<K extends string>(key: K, value: number | undefined): { [P in K]?: number } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: number };
}

/** A timed run: its elapsed milliseconds (as the run itself counts them) and what it cost. */
export interface TimedRun {
  readonly elapsedMs: number;
  readonly cost: RunCost;
}

/**
 * Runs `body`, which resolves with the elapsed milliseconds of the part it times, under
 * {@link measureCost} (the broker's CPU too, given `brokerPid`).
 */
export async function timedRun(body: () => Promise<number>, brokerPid?: number): Promise<TimedRun> {
  const meter = measureCost(brokerPid);
  const elapsedMs = await body();
  return { elapsedMs, cost: await meter.stop() };
}

/**
 * The broker's CPU per message (µs) and the share of the run it was busy (0–1, above 1 if it used more
 * than one core), or undefined when the run did not measure the broker.
 */
export function brokerLoad(
  cost: RunCost,
  messages: number,
): { perMessage: number; busy: number } | undefined {
  if (cost.brokerCpuUs === undefined || messages <= 0 || cost.wallUs <= 0) return undefined;
  return { perMessage: cost.brokerCpuUs / messages, busy: cost.brokerCpuUs / cost.wallUs };
}

/** A variant's readings over its runs, one entry per run (per message where it says µs). */
export class RunSamples {
  /** Messages per second. */
  readonly rates: number[] = [];
  /** This process's CPU, its GC time and the scavenges' part of that, µs per message. */
  readonly cpu: number[] = [];
  readonly gc: number[] = [];
  readonly scavenge: number[] = [];
  /** The broker's CPU per message (µs) and busy share (0–1), for the runs that measured it. */
  readonly brokerCpu: number[] = [];
  readonly brokerBusy: number[] = [];

  /** Adds a run of `messages` that took `elapsedMs` and cost `cost`. */
  add(messages: number, elapsedMs: number, cost: RunCost): void {
    this.rates.push((messages / elapsedMs) * 1000);
    this.cpu.push(cost.cpuUs / messages);
    this.gc.push(cost.gcUs / messages);
    this.scavenge.push(cost.scavengeUs / messages);
    const load = brokerLoad(cost, messages);
    if (load === undefined) return;
    this.brokerCpu.push(load.perMessage);
    this.brokerBusy.push(load.busy);
  }
}

/** A table cell for the broker's load over a row's runs: "11.2 (98%)", or "–" when none measured it. */
export function brokerLoadText(perMessage: readonly number[], busy: readonly number[]): string {
  if (perMessage.length === 0) return '–';
  return `${fixed(median(perMessage), 1)} (${busyPercent(busy)})`;
}

/** The median busy share of runs as a whole percentage: "98%". */
function busyPercent(busy: readonly number[]): string {
  return `${Math.round(median(busy) * 100)}%`;
}

/**
 * What a target line adds about the broker: "; broker busy 95% / 99%" (the measured side's median share, then
 * the reference's), or nothing when either side's runs did not measure it.
 */
export function brokerBusyNote(ours: readonly number[], reference: readonly number[]): string {
  if (ours.length === 0 || reference.length === 0) return '';
  return `; broker busy ${busyPercent(ours)} / ${busyPercent(reference)}`;
}
