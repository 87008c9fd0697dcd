/**
 * A level trie of topic filters: each node has a map of exact children, one `+` child and the values of
 * the filters that end in `#` there. Matching a topic walks its levels once, so the cost grows with the
 * topic's depth and the number of matching filters, not with the number of filters stored.
 *
 * Value lists are copy-on-write: {@link TopicTrie.match} hands out the stored arrays themselves (no copy
 * per message) and an insert or removal during a dispatch replaces them instead of changing them.
 *
 * @internal
 */

class TrieNode<V> {
  /** Children by literal level; created with the first one. */
  exact: Map<string, TrieNode<V>> | undefined = undefined;
  /** The `+` child. */
  plus: TrieNode<V> | undefined = undefined;
  /** Values of filters ending with `#` below this node (`a/#` lives on node `a`). */
  hash: readonly V[] | undefined = undefined;
  /** Values of filters ending exactly at this node. */
  values: readonly V[] | undefined = undefined;

  isEmpty(): boolean {
    return (
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
 * @typeParam V - what is stored per filter (the registry stores routes).
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
      node.hash = appended(node.hash, value);
    } else {
      node = child(node, level);
      if (node.values === undefined) this.filters++;
      node.values = appended(node.values, value);
    }
  }

  /** Removes `value` from the filter `levels`; prunes nodes left empty. Returns false when it was not there. */
  remove(levels: readonly string[], value: V): boolean {
    return this.removeAt(this.root, levels, 0, value);
  }

  /**
   * Pushes onto `out` every value list whose filter matches the topic (split at `/`). The lists are the
   * stored arrays: read them, do not change them.
   */
  match(topic: readonly string[], out: (readonly V[])[]): void {
    // A topic starting with `$` is not matched by a filter starting with a wildcard (§4.7.2).
    const dollar = (topic[0] as string).charCodeAt(0) === 0x24;
    walk(this.root, topic, 0, !dollar, out);
  }

  /** True when at least one stored filter matches the topic. */
  matchesAny(topic: readonly string[]): boolean {
    return any(this.root, topic, 0, (topic[0] as string).charCodeAt(0) !== 0x24);
  }

  private removeAt(node: TrieNode<V>, levels: readonly string[], i: number, value: V): boolean {
    const level = levels[i] as string;
    if (i === levels.length - 1 && level === '#') {
      const next = without(node.hash, value);
      if (next === node.hash) return false;
      node.hash = next;
      if (next === undefined) this.filters--;
      return true;
    }
    const next = level === '+' ? node.plus : node.exact?.get(level);
    if (next === undefined) return false;
    let removed: boolean;
    if (i === levels.length - 1) {
      const values = without(next.values, value);
      removed = values !== next.values;
      next.values = values;
      if (removed && values === undefined) this.filters--;
    } else {
      removed = this.removeAt(next, levels, i + 1, value);
    }
    if (removed && next.isEmpty()) {
      if (level === '+') node.plus = undefined;
      else if (node.exact !== undefined) {
        node.exact.delete(level);
        if (node.exact.size === 0) node.exact = undefined;
      }
    }
    return removed;
  }
}

function child<V>(node: TrieNode<V>, level: string): TrieNode<V> {
  if (level === '+') return (node.plus ??= new TrieNode<V>());
  node.exact ??= new Map();
  let next = node.exact.get(level);
  if (next === undefined) {
    next = new TrieNode<V>();
    node.exact.set(level, next);
  }
  return next;
}

function walk<V>(
  node: TrieNode<V>,
  topic: readonly string[],
  i: number,
  wild: boolean,
  out: (readonly V[])[],
): void {
  if (wild && node.hash !== undefined) out.push(node.hash);
  if (i === topic.length) {
    if (node.values !== undefined) out.push(node.values);
    return;
  }
  if (node.exact !== undefined) {
    const next = node.exact.get(topic[i] as string);
    if (next !== undefined) walk(next, topic, i + 1, true, out);
  }
  if (wild && node.plus !== undefined) walk(node.plus, topic, i + 1, true, out);
}

function any<V>(node: TrieNode<V>, topic: readonly string[], i: number, wild: boolean): boolean {
  if (wild && node.hash !== undefined) return true;
  if (i === topic.length) return node.values !== undefined;
  const next = node.exact?.get(topic[i] as string);
  if (next !== undefined && any(next, topic, i + 1, true)) return true;
  return wild && node.plus !== undefined && any(node.plus, topic, i + 1, true);
}

function appended<V>(list: readonly V[] | undefined, value: V): readonly V[] {
  return list === undefined ? [value] : [...list, value];
}

/** The list without `value` (undefined when it becomes empty); the same list when `value` is absent. */
function without<V>(list: readonly V[] | undefined, value: V): readonly V[] | undefined {
  if (list === undefined) return undefined;
  const index = list.indexOf(value);
  if (index === -1) return list;
  if (list.length === 1) return undefined;
  return list.filter((_, i) => i !== index);
}
