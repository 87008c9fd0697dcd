/**
 * A level trie of topic filters: each node has its exact children, one `+` child and the values of the
 * filters that end in `#` there. Matching a topic walks its levels once, so the cost grows with the
 * topic's depth and the number of matching filters, not with the number of filters stored.
 *
 * Memory matters as much as speed (one entry per live filter): a filter's single value is stored as is,
 * several in an exactly sized array, and a node's few exact children in a small array instead of a Map.
 *
 * @internal
 */
import { isList, slotWith, slotWithout, type Slot } from './arrays.js';

/** Up to this many exact children live in a small array; more move to a Map. */
const SMALL = 8;

class TrieNode<V> {
  /**
   * Exact children while there are at most {@link SMALL}: keys and nodes alternating, sized exactly.
   * Most nodes have one or two children, and a Map costs several hundred bytes even when nearly empty.
   */
  small: (string | TrieNode<V>)[] | undefined = undefined;
  /** Exact children by literal level, once there are more than {@link SMALL}. */
  exact: Map<string, TrieNode<V>> | undefined = undefined;
  /** The `+` child. */
  plus: TrieNode<V> | undefined = undefined;
  /** Values of filters ending with `#` below this node (`a/#` lives on node `a`). */
  hash: Slot<V> = undefined;
  /** Values of filters ending exactly at this node. */
  values: Slot<V> = undefined;

  isEmpty(): boolean {
    return (
      this.small === undefined &&
      this.exact === undefined &&
      this.plus === undefined &&
      this.hash === undefined &&
      this.values === undefined
    );
  }
}

/**
 * Topic filters (as level arrays: literals, `+`, a final `#`) mapped to lists of values.
 *
 * @typeParam V - what is stored per filter (the registry stores routes); not an array.
 */
export class TopicTrie<V> {
  private readonly root = new TrieNode<V>();
  private filters = 0;

  /** Number of distinct filters with at least one value. */
  get size(): number {
    return this.filters;
  }

  /** Adds `value` under the filter `levels` (validated by the caller: `#` only last). */
  add(levels: readonly string[], value: V): void {
    let node = this.root;
    const last = levels.length - 1;
    for (let i = 0; i < last; i++) node = child(node, levels[i] as string);
    const level = levels[last] as string;
    if (level === '#') {
      if (node.hash === undefined) this.filters++;
      node.hash = slotWith(node.hash, value);
    } else {
      node = child(node, level);
      if (node.values === undefined) this.filters++;
      node.values = slotWith(node.values, value);
    }
  }

  /** Removes `value` from the filter `levels`; prunes nodes left empty. Returns false when it was not there. */
  remove(levels: readonly string[], value: V): boolean {
    return this.removeAt(this.root, levels, 0, value);
  }

  /** Pushes onto `out` the values of every filter that matches the topic (split at `/`). */
  match(topic: readonly string[], out: V[]): void {
    // A topic starting with `$` is not matched by a filter starting with a wildcard (§4.7.2).
    const dollar = (topic[0] as string).charCodeAt(0) === 0x24;
    walk(this.root, topic, 0, !dollar, out);
  }

  /** True when at least one stored filter matches the topic. */
  matchesAny(topic: readonly string[]): boolean {
    return any(this.root, topic, 0, (topic[0] as string).charCodeAt(0) !== 0x24);
  }

  /**
   * Pushes onto `out` the values of every stored filter that some topic matches together with the filter
   * `levels` (validated by the caller: `#` only last): the filters that overlap it. Conservative with `$`
   * topics (`+/a` and `$SYS/a` count as overlapping). Visits at most `budget` nodes; returns false, with
   * `out` incomplete, when that was not enough.
   */
  overlapping(levels: readonly string[], out: V[], budget: number): boolean {
    const visits = { left: budget };
    return overlapsAt(this.root, levels, 0, out, visits);
  }

  private removeAt(node: TrieNode<V>, levels: readonly string[], i: number, value: V): boolean {
    const level = levels[i] as string;
    if (i === levels.length - 1 && level === '#') {
      const next = slotWithout(node.hash, value);
      if (next === node.hash) return false;
      node.hash = next;
      if (next === undefined) this.filters--;
      return true;
    }
    const next = level === '+' ? node.plus : exactChild(node, level);
    if (next === undefined) return false;
    let removed: boolean;
    if (i === levels.length - 1) {
      const values = slotWithout(next.values, value);
      removed = values !== next.values;
      next.values = values;
      if (removed && values === undefined) this.filters--;
    } else {
      removed = this.removeAt(next, levels, i + 1, value);
    }
    if (removed && next.isEmpty()) {
      if (level === '+') node.plus = undefined;
      else removeExactChild(node, level);
    }
    return removed;
  }
}

function exactChild<V>(node: TrieNode<V>, level: string): TrieNode<V> | undefined {
  const small = node.small;
  if (small !== undefined) {
    for (let i = 0; i < small.length; i += 2) if (small[i] === level) return small[i + 1] as TrieNode<V>;
    return undefined;
  }
  return node.exact?.get(level);
}

function child<V>(node: TrieNode<V>, level: string): TrieNode<V> {
  if (level === '+') return (node.plus ??= new TrieNode<V>());
  let next = exactChild(node, level);
  if (next !== undefined) return next;
  next = new TrieNode<V>();
  if (node.exact !== undefined) node.exact.set(level, next);
  else if (node.small === undefined) node.small = [level, next];
  else if (node.small.length < SMALL * 2) node.small = node.small.concat([level, next]);
  else {
    const map = new Map<string, TrieNode<V>>();
    for (let i = 0; i < node.small.length; i += 2)
      map.set(node.small[i] as string, node.small[i + 1] as TrieNode<V>);
    map.set(level, next);
    node.exact = map;
    node.small = undefined;
  }
  return next;
}

function removeExactChild<V>(node: TrieNode<V>, level: string): void {
  if (node.exact !== undefined) {
    node.exact.delete(level);
    if (node.exact.size === 0) node.exact = undefined;
    return;
  }
  const small = node.small;
  if (small === undefined) return;
  const index = small.indexOf(level);
  if (index === -1) return;
  node.small = small.length === 2 ? undefined : small.slice(0, index).concat(small.slice(index + 2));
}

function walk<V>(node: TrieNode<V>, topic: readonly string[], i: number, wild: boolean, out: V[]): void {
  if (wild && node.hash !== undefined) pushSlot(out, node.hash);
  if (i === topic.length) {
    if (node.values !== undefined) pushSlot(out, node.values);
    return;
  }
  const next = exactChild(node, topic[i] as string);
  if (next !== undefined) walk(next, topic, i + 1, true, out);
  if (wild && node.plus !== undefined) walk(node.plus, topic, i + 1, true, out);
}

function any<V>(node: TrieNode<V>, topic: readonly string[], i: number, wild: boolean): boolean {
  if (wild && node.hash !== undefined) return true;
  if (i === topic.length) return node.values !== undefined;
  const next = exactChild(node, topic[i] as string);
  if (next !== undefined && any(next, topic, i + 1, true)) return true;
  return wild && node.plus !== undefined && any(node.plus, topic, i + 1, true);
}

/** See {@link TopicTrie.overlapping}; `visits.left` counts down the nodes it may still visit. */
function overlapsAt<V>(
  node: TrieNode<V>,
  levels: readonly string[],
  i: number,
  out: V[],
  visits: { left: number },
): boolean {
  if (--visits.left < 0) return false;
  // A stored `…/#` ending here matches this node's topic and everything below it.
  if (node.hash !== undefined) pushSlot(out, node.hash);
  if (i === levels.length) {
    if (node.values !== undefined) pushSlot(out, node.values);
    return true;
  }
  const level = levels[i] as string;
  if (level === '#') {
    // Matches this node's own topic (`a/#` matches `a`) and every filter below.
    if (node.values !== undefined) pushSlot(out, node.values);
    return forEachChild(node, (next) => everything(next, out, visits));
  }
  if (level === '+') return forEachChild(node, (next) => overlapsAt(next, levels, i + 1, out, visits));
  const next = exactChild(node, level);
  if (next !== undefined && !overlapsAt(next, levels, i + 1, out, visits)) return false;
  return node.plus === undefined || overlapsAt(node.plus, levels, i + 1, out, visits);
}

/** Pushes every value stored at `node` and below it. */
function everything<V>(node: TrieNode<V>, out: V[], visits: { left: number }): boolean {
  if (--visits.left < 0) return false;
  if (node.hash !== undefined) pushSlot(out, node.hash);
  if (node.values !== undefined) pushSlot(out, node.values);
  return forEachChild(node, (next) => everything(next, out, visits));
}

/** Runs `visit` on every child of `node` (exact and `+`) until one returns false. */
function forEachChild<V>(node: TrieNode<V>, visit: (next: TrieNode<V>) => boolean): boolean {
  const small = node.small;
  if (small !== undefined) {
    for (let i = 1; i < small.length; i += 2) if (!visit(small[i] as TrieNode<V>)) return false;
  } else if (node.exact !== undefined) {
    for (const next of node.exact.values()) if (!visit(next)) return false;
  }
  return node.plus === undefined || visit(node.plus);
}

function pushSlot<V>(out: V[], slot: V | readonly V[]): void {
  if (isList(slot)) for (const value of slot) out.push(value);
  else out.push(slot);
}
