/**
 * The seeded dispatch workload of research/baseline.md (scenario 5 there): topics
 * `s<0..99>/d<0..99>/<metric>` (5 metrics, 50,000 topics); N distinct filters, 70% exact, 15% `s/d/+`,
 * 10% `s/+/metric`, 5% `s/#`; messages half on topics of exact filters, half uniform.
 */

const METRICS = ['temp', 'hum', 'power', 'volt', 'state'] as const;

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Filters and message topics of one workload. */
export interface Workload {
  readonly filters: readonly string[];
  readonly topics: readonly string[];
}

/** `filterCount` distinct filters and `messageCount` topics, seeded by the filter count. */
export function workload(filterCount: number, messageCount: number): Workload {
  const next = random(filterCount);
  const pick = (n: number) => Math.floor(next() * n);
  const filters = new Set<string>();
  const exactTopics: string[] = [];
  // 100 × 100 × 5 exact + wildcard shapes: far more than the largest count asked for.
  while (filters.size < filterCount) {
    const kind = next();
    const s = `s${pick(100)}`;
    const d = `d${pick(100)}`;
    const m = METRICS[pick(METRICS.length)] as string;
    let filter: string;
    if (kind < 0.7) filter = `${s}/${d}/${m}`;
    else if (kind < 0.85) filter = `${s}/${d}/+`;
    else if (kind < 0.95) filter = `${s}/+/${m}`;
    else filter = `${s}/#`;
    if (!filters.has(filter) && kind < 0.7) exactTopics.push(filter);
    filters.add(filter);
  }
  const topics: string[] = [];
  for (let i = 0; i < messageCount; i++) {
    topics.push(
      i % 2 === 0 && exactTopics.length > 0
        ? (exactTopics[pick(exactTopics.length)] as string)
        : `s${pick(100)}/d${pick(100)}/${METRICS[pick(METRICS.length)] as string}`,
    );
  }
  return { filters: [...filters], topics };
}
