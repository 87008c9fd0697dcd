/**
 * How new broker filters get their MQTT 5 Subscription Identifiers: exact filters one between them (1), shared
 * filters their own, wildcard filters the first group holding none they overlap — bounded in the trie
 * nodes read and the groups tried, falling back to a group of their own.
 */
import { FilterEntry, Route } from '../../../src/streams/filter-entry';
import { EXACT_FILTERS_ID, IdentifierGroups } from '../../../src/streams/identifier-groups';
import { SubscriptionIds } from '../../../src/streams/subscription-ids';
import { resolveSettings } from '../../../src/streams/subscription-settings';
import { filterLevels, parseFilter } from '../../../src/streams/topic-filter';
import { TopicTrie } from '../../../src/streams/topic-trie';

/** Identifier groups over a trie, with `add(filter)` doing what the registry does for a new filter. */
function table(first = 100, max?: number) {
  const trie = new TopicTrie<Route>();
  const routes = new Map<string, Route>();
  const liveIds = () => [...routes.values()].map((route) => route.entry.id).filter((id) => id !== 0);
  const groups = new IdentifierGroups(new SubscriptionIds(liveIds, first, max), trie);
  // As the filter table does: the entry and its route first, its identifier at its first SUBSCRIBE.
  const add = (filter: string): number => {
    const parsed = parseFilter(filter);
    const entry = new FilterEntry(parsed.brokerFilter, resolveSettings(parsed, undefined, 0));
    const route = new Route(parsed, entry);
    trie.add(filterLevels(parsed), route);
    routes.set(filter, route);
    entry.id = groups.take(parsed);
    return entry.id;
  };
  const remove = (filter: string): void => {
    const route = routes.get(filter) as Route;
    trie.remove(filterLevels(route.filter), route);
    groups.release(route.entry.id);
    routes.delete(filter);
  };
  return { add, remove };
}

describe('IdentifierGroups', () => {
  it('gives exact filters one identifier between them, 1, and shared filters their own', () => {
    const { add } = table();
    expect([add('a/b'), add('c'), add('a/b/c'), add('/')]).toEqual(Array(4).fill(EXACT_FILTERS_ID));
    const shared = [add('$share/g/a/b'), add('$share/h/a/b'), add('$queue/a/b'), add('$share/g/x/+')];
    expect(new Set([EXACT_FILTERS_ID, ...shared]).size).toBe(5);
  });

  it('keeps identifier 1 for exact filters whichever come and go, and hands it to no other filter', () => {
    const { add, remove } = table(2, 4);
    expect(add('a')).toBe(EXACT_FILTERS_ID);
    remove('a');
    expect([add('x/+'), add('x/#'), add('$share/g/x')]).toEqual([2, 3, 4]);
    remove('x/+');
    // Wrapped: 2 is free again, 3 and 4 are held, and 1 is not the counter's.
    expect(add('$share/g/y')).toBe(2);
    expect(() => add('$share/g/z')).toThrow(RangeError);
    expect(add('b')).toBe(EXACT_FILTERS_ID);
  });

  it('skips shared identifiers that live filters hold after the counter wrapped', () => {
    const { add, remove } = table(2, 4);
    expect([add('a'), add('x/+'), add('y/+')]).toEqual([EXACT_FILTERS_ID, 2, 2]);
    expect([add('$share/g/z'), add('$share/g/u')]).toEqual([3, 4]);
    remove('$share/g/z');
    expect(add('$share/g/w')).toBe(3); // wrapped: 2 and 4 are held
    expect(() => add('$share/g/v')).toThrow(RangeError);
  });

  it('puts a wildcard filter in the first group holding none it overlaps', () => {
    const { add } = table();
    const first = add('a/+');
    expect(add('b/#')).toBe(first);
    const second = add('a/b/#'); // overlaps a/+ (a/b)
    expect(second).not.toBe(first);
    expect(add('+/c')).not.toBe(first); // overlaps a/+ (a/c) and b/# (b/c)
    expect(add('c/+/d')).toBe(first);
  });

  it('frees a group’s identifier when its last filter leaves, and keeps it while one stays', () => {
    const { add, remove } = table();
    const group = add('a/+');
    add('b/+');
    remove('a/+');
    expect(add('a/b/#')).toBe(group); // b/+ still holds the group
    remove('b/+');
    remove('a/b/#');
    expect(add('a/+')).not.toBe(group);
  });

  it('starts a group of its own when the overlap search reads too many trie nodes', () => {
    const { add } = table();
    const group = add('z/+');
    for (let i = 0; i < 600; i++) add(`x/${i}/y`); // exact: one identifier between them
    expect(add('y/#')).toBe(group); // reads little
    expect(add('x/#')).not.toBe(group); // would read over 600 nodes: not searched
  });

  it('tries the 16 oldest groups only', () => {
    const { add } = table();
    // p/#, p/+/#, p/+/+/#, …: each matches the topics of at least i + 1 levels, so all overlap: 17 groups.
    const ids = Array.from({ length: 17 }, (_, i) => add(`p/${'+/'.repeat(i)}#`));
    expect(new Set(ids).size).toBe(17);
    // 16 levels: overlaps the first 16 and not the 17th (17 levels and more), whose group is not tried.
    const sixteenLevels = add(`p${'/+'.repeat(15)}`);
    expect(ids).not.toContain(sixteenLevels);
    // Removing nothing, a filter that overlaps none of them joins the oldest group.
    expect(add('u/+')).toBe(ids[0]);
  });
});
