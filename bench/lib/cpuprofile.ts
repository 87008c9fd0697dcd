/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and sums self time per function, to find out where a
 * variant spends its time.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly hitCount?: number;
  readonly children?: number[];
}

interface Profile {
  readonly nodes: ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: number[];
  readonly timeDeltas?: number[];
}

/** Self time of one function. */
export interface HotFunction {
  readonly name: string;
  /** file:line, shortened to the package or repository path. */
  readonly where: string;
  readonly selfMs: number;
  readonly percent: number;
}

function shorten(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const repo = url.indexOf('/work/main/');
  if (repo >= 0) return url.slice(repo + '/work/main/'.length);
  return url.replace(/^file:\/\//, '') || '(native)';
}

/** The functions with the most self time, aggregated by name and location. */
export function hotFunctions(file: string, top = 25): { totalMs: number; functions: HotFunction[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0));
  }
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const grouped = new Map<string, { name: string; where: string; us: number }>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    const where = url ? `${shorten(url)}:${lineNumber + 1}` : '(native)';
    const key = `${name} ${where}`;
    const entry = grouped.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    grouped.set(key, entry);
  }
  const functions = [...grouped.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((f) => ({ name: f.name, where: f.where, selfMs: f.us / 1000, percent: (100 * f.us) / totalUs }));
  return { totalMs: totalUs / 1000, functions };
}
