/**
 * What a run cost this process: CPU time (user + system, from process.cpuUsage) and time in garbage
 * collection (from 'gc' performance entries whose start falls inside the run). Per message, these explain
 * a throughput gap better than the rate itself on a shared machine: they do not count waiting.
 */
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { settle } from './timing.js';

interface GcEntry {
  readonly start: number;
  readonly duration: number;
}

const entries: GcEntry[] = [];
let observer: PerformanceObserver | undefined;

function observe(): void {
  if (observer !== undefined) return;
  observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) entries.push({ start: entry.startTime, duration: entry.duration });
    // Bounded: only recent entries matter.
    if (entries.length > 20_000) entries.splice(0, entries.length - 10_000);
  });
  observer.observe({ entryTypes: ['gc'] });
}

/** CPU and GC time of one run, in microseconds. */
export interface RunCost {
  readonly cpuUs: number;
  readonly gcUs: number;
}

/** Starts measuring; `stop()` (call right when the run ends) resolves with the cost. */
export function measureCost(): { stop(): Promise<RunCost> } {
  observe();
  const cpu = process.cpuUsage();
  const start = performance.now();
  return {
    async stop() {
      const used = process.cpuUsage(cpu);
      const end = performance.now();
      await settle(); // let the observer hear the last collections
      let gc = 0;
      for (const entry of entries) if (entry.start >= start && entry.start <= end) gc += entry.duration;
      return { cpuUs: used.user + used.system, gcUs: gc * 1000 };
    },
  };
}
