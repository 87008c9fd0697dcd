/**
 * Matching one parsed filter against one topic (MQTT §4.7), and the values of named wildcards. The
 * registry routes through the trie ({@link TopicTrie}); this module serves single filters: the
 * `matchTopic` operator, `waitForMessage`'s topic filter and the retained cache's replay.
 *
 * @internal
 */
import type { ParsedFilter } from './topic-filter.js';

/** The params of a message whose filter has no named wildcards. Shared and frozen. */
export const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * True when a topic matches filter levels (`+`, `#` and literals, as in `filterLevels`). `+` matches one
 * level, also an empty one; `#` matches the rest including the parent level; a filter starting with a
 * wildcard never matches a topic starting with `$`. Walks the topic level by level without splitting it:
 * a topic that does not match costs no array (the retained cache's replay reads every cached topic).
 */
export function matchesTopic(levels: readonly string[], topic: string): boolean {
  const first = levels[0];
  if ((first === '+' || first === '#') && topic.charCodeAt(0) === 0x24 /* $ */) return false;
  let start = 0; // where the topic's next level starts; -1 once it has none left
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] as string;
    if (level === '#') return true;
    if (start === -1) return false;
    const slash = topic.indexOf('/', start);
    const end = slash === -1 ? topic.length : slash;
    if (level !== '+' && (end - start !== level.length || !topic.startsWith(level, start))) return false;
    start = slash === -1 ? -1 : slash + 1;
  }
  return start === -1;
}

/**
 * The values of the named wildcards of `filter` in a topic it matches: `+name` gets that level, `#name`
 * gets the rest of the topic (`''` when `#` matched the parent level).
 *
 * @param filter - the parsed filter (its {@link ParsedFilter.paramNames}).
 * @param topic - the topic.
 * @param levels - the topic split at `/`.
 * @returns a new object, or {@link NO_PARAMS} when the filter has no named wildcards.
 */
export function paramsOf(
  filter: ParsedFilter,
  topic: string,
  levels: readonly string[],
): Readonly<Record<string, string>> {
  const names = filter.paramNames;
  if (names.length === 0) return NO_PARAMS;
  const params: Record<string, string> = {};
  // '#' can only be the whole last level.
  const hashAt = filter.routeFilter.endsWith('#') ? names.length - 1 : -1;
  let offset = 0;
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (name !== undefined) {
      if (i === hashAt) {
        params[name] = i < levels.length ? topic.slice(offset) : '';
      } else {
        params[name] = levels[i] as string;
      }
    }
    if (i < levels.length) offset += (levels[i] as string).length + 1;
  }
  return params;
}
