/**
 * The pairs that the split tools (tools/latency-split.ts, tools/e2e-split.ts) run in turn: each end raw
 * MQTT.js or the connector, so that the mixed pairs show what each end adds, and with `--other` another
 * tree's connector pair. `--this` loads the connector ends from a copy too (a tree loaded through a flag
 * runs a little slower than the one this checkout imports, so compare two trees with both loaded).
 */
import type { Args } from './args.js';
import { type ConnectorClass, loadConnector } from './connector.js';

/** raw MQTT.js, this checkout's connector (or the `--this` tree's), or B: the `--other` tree's. */
export type EndKind = 'raw' | 'connector' | 'B';

/** The first end (pinger, publisher) and the second (echo, subscriber). */
export type EndPair = readonly [first: EndKind, second: EndKind];

const MIXED: readonly EndPair[] = [
  ['raw', 'raw'],
  ['connector', 'connector'],
  ['raw', 'connector'],
  ['connector', 'raw'],
];

/** The pairs of a run and what each kind of end is made of. */
export interface EndPairs {
  /** The four mixed pairs, then B → B when `--other` was given. */
  readonly pairs: readonly EndPair[];
  /** The connector class of a kind; undefined for raw, and for this checkout's own connector. */
  classOf(kind: EndKind): ConnectorClass | undefined;
  /** How a process of its own loads a kind: 'raw', 'this' (this checkout's connector) or a tree's path. */
  sideOf(kind: EndKind): string;
}

/** Reads `--this` and `--other` and loads their connectors. */
export async function endPairs(args: Args): Promise<EndPairs> {
  const thisDir = args.optionalString('this');
  const otherDir = args.optionalString('other');
  const self = thisDir === undefined ? undefined : await loadConnector(thisDir);
  const other = otherDir === undefined ? undefined : await loadConnector(otherDir);
  return {
    pairs: otherDir === undefined ? MIXED : [...MIXED, ['B', 'B']],
    classOf: (kind) => (kind === 'raw' ? undefined : kind === 'B' ? other : self),
    sideOf: (kind) => (kind === 'raw' ? 'raw' : kind === 'B' ? (otherDir ?? 'this') : (thisDir ?? 'this')),
  };
}
