import fc from 'fast-check';
import { filterLevels, parseFilter } from '../../../src/streams/topic-filter';
import { matchesTopic, paramsOf } from '../../../src/streams/topic-match';
import { TopicTrie } from '../../../src/streams/topic-trie';

/**
 * The reference: MQTT §4.7 written as a regular expression, independently of the trie and of
 * `matchesTopic`. `+` = one level (possibly empty), a final `#` = the rest including the parent level,
 * and a filter starting with a wildcard never matches a topic starting with `$`. `$share/<group>/` and
 * `$queue/` prefixes are dropped; named wildcards (`+name`, `#name`) match as `+` / `#` and capture.
 *
 * @returns the named wildcards' values when the filter matches, else undefined.
 */
function referenceParams(source: string, topic: string): Record<string, string> | undefined {
  const filter =
    /^\$share\/[^/]+\/(.*)$/s.exec(source)?.[1] ?? /^\$queue\/(.*)$/s.exec(source)?.[1] ?? source;
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return undefined;
  const names: string[] = [];
  let pattern = '';
  filter.split('/').forEach((level, i) => {
    const name = level.length > 1 && (level[0] === '+' || level[0] === '#') ? level.slice(1) : undefined;
    if (name !== undefined) names.push(name);
    const open = name === undefined ? '(?:' : '(';
    if (level[0] === '#') {
      pattern += i === 0 ? `${open}.*)` : `(?:/${open}.*))?`;
      return;
    }
    if (i > 0) pattern += '/';
    pattern += level[0] === '+' ? `${open}[^/]*)` : level.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  const match = new RegExp(`^${pattern}$`, 's').exec(topic);
  if (match === null) return undefined;
  return Object.fromEntries(names.map((name, i) => [name, match[i + 1] ?? '']));
}

function referenceMatch(filter: string, topic: string): boolean {
  return referenceParams(filter, topic) !== undefined;
}

/** The filters stored in `trie` that match `topic`, sorted. */
function trieMatches(trie: TopicTrie<string>, topic: string): string[] {
  const out: string[] = [];
  trie.match(topic.split('/'), out);
  return out.sort();
}

function routeLevels(filter: string): readonly string[] {
  return filterLevels(parseFilter(filter));
}

// [filter, topic, matches]: the spec's own examples (§4.7.1, §4.7.2), then the failure cases of the
// anchors (ngx-mqtt #219 and its $-topic and $share holes, rxjs-mqtt's first-'+'-only and 'a/#' vs 'a').
const TABLE: [string, string, boolean][] = [
  // §4.7.1.2 multi-level wildcard
  ['sport/tennis/player1/#', 'sport/tennis/player1', true],
  ['sport/tennis/player1/#', 'sport/tennis/player1/ranking', true],
  ['sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon', true],
  ['sport/#', 'sport', true],
  ['#', 'sport/tennis/player1', true],
  ['#', '/', true],
  ['#', 'a', true],
  // §4.7.1.3 single-level wildcard
  ['sport/tennis/+', 'sport/tennis/player1', true],
  ['sport/tennis/+', 'sport/tennis/player2', true],
  ['sport/tennis/+', 'sport/tennis/player1/ranking', false],
  ['sport/+', 'sport', false],
  ['sport/+', 'sport/', true],
  ['+', 'sport', true],
  ['+/+', '/finance', true],
  ['/+', '/finance', true],
  ['+', '/finance', false],
  ['+/tennis/#', 'sport/tennis/player1', true],
  ['+/tennis/#', 'sport/tennis', true],
  ['sport/+/player1', 'sport/tennis/player1', true],
  // §4.7.2 topics beginning with $
  ['#', '$SYS/broker/uptime', false],
  ['+/monitor/Clients', '$SYS/monitor/Clients', false],
  ['$SYS/#', '$SYS/monitor/Clients', true],
  ['$SYS/monitor/+', '$SYS/monitor/Clients', true],
  ['$SYS/#', '$SYS', true],
  ['+', '$SYS', false],
  ['+/#', '$SYS/x', false],
  ['+/x', '$SYS/x', false],
  ['#', '$share/g/a', false],
  // literal and case rules
  ['ACCOUNTS', 'Accounts', false],
  ['a/b', 'a/b', true],
  ['a/b', 'a/b/', false],
  ['a/b', 'a/b/c', false],
  ['a//b', 'a//b', true],
  ['a/+/b', 'a//b', true],
  ['+/+/+', '//', true],
  ['/#', '/', true],
  ['/#', 'a', false],
  // anchors: ngx-mqtt #219, tao-cumplido/rxjs-mqtt
  ['sport/+', 'sport/', true],
  ['a/+/+', 'a/b/c', true],
  ['a/+/+', 'a/b', false],
  ['a/#', 'a', true],
  ['a/#', 'ab', false],
  ['a/b/#', 'a/b', true],
  ['a/b/#', 'a/bc', false],
];

describe('topic matching against MQTT §4.7', () => {
  it.each(TABLE)('%s vs %s → %s (reference matcher)', (filter, topic, expected) => {
    expect(referenceMatch(filter, topic)).toBe(expected);
  });

  it.each(TABLE)('%s vs %s → %s (matchesTopic)', (filter, topic, expected) => {
    expect(matchesTopic(routeLevels(filter), topic)).toBe(expected);
  });

  it.each(TABLE)('%s vs %s → %s (trie)', (filter, topic, expected) => {
    const trie = new TopicTrie<string>();
    trie.add(routeLevels(filter), filter);
    expect(trieMatches(trie, topic)).toEqual(expected ? [filter] : []);
    expect(trie.matchesAny(topic.split('/'))).toBe(expected);
  });

  it('routes $share/<group>/<filter> as <filter>', () => {
    const trie = new TopicTrie<string>();
    for (const filter of ['$share/g/a/b', '$share/g2/a/+', '$queue/a/#', '$share/g/#'])
      trie.add(routeLevels(filter), filter);
    expect(trieMatches(trie, 'a/b')).toEqual(['$queue/a/#', '$share/g/#', '$share/g/a/b', '$share/g2/a/+']);
    expect(trieMatches(trie, 'a')).toEqual(['$queue/a/#', '$share/g/#']);
    expect(trieMatches(trie, '$SYS/a')).toEqual([]);
  });

  it('returns every matching filter once, all in one trie', () => {
    const trie = new TopicTrie<string>();
    const filters = [...new Set(TABLE.map(([filter]) => filter))];
    for (const filter of filters) trie.add(routeLevels(filter), filter);
    for (const [, topic] of TABLE) {
      expect(trieMatches(trie, topic)).toEqual(
        filters.filter((filter) => referenceMatch(filter, topic)).sort(),
      );
    }
  });
});

describe('TopicTrie bookkeeping', () => {
  it('keeps several values per filter and removes them one by one, pruning empty nodes', () => {
    const trie = new TopicTrie<string>();
    trie.add(['a', '+'], 'x');
    trie.add(['a', '+'], 'y');
    trie.add(['a', '#'], 'z');
    expect(trie.size).toBe(2);
    expect(trieMatches(trie, 'a/b')).toEqual(['x', 'y', 'z']);
    expect(trie.remove(['a', '+'], 'x')).toBe(true);
    expect(trie.remove(['a', '+'], 'x')).toBe(false);
    expect(trieMatches(trie, 'a/b')).toEqual(['y', 'z']);
    expect(trie.remove(['a', '+'], 'y')).toBe(true);
    expect(trie.size).toBe(1);
    expect(trie.remove(['a', '#'], 'z')).toBe(true);
    expect(trie.size).toBe(0);
    expect(trie.remove(['b'], 'z')).toBe(false);
    expect(trieMatches(trie, 'a/b')).toEqual([]);
    // Everything was pruned: the root has no children left.
    expect(JSON.stringify(trie)).toBe(JSON.stringify(new TopicTrie<string>()));
  });

  it('moves a node with many exact children from its small list to a map and back, matching the same', () => {
    const trie = new TopicTrie<string>();
    const names = Array.from({ length: 20 }, (_, i) => `k${i}`);
    for (const name of names) trie.add(['x', name], name);
    trie.add(['x', '+'], 'plus');
    for (const name of names) expect(trieMatches(trie, `x/${name}`)).toEqual([name, 'plus'].sort());
    expect(trieMatches(trie, 'x/other')).toEqual(['plus']);
    for (const name of names.slice(0, 15)) expect(trie.remove(['x', name], name)).toBe(true);
    for (const name of names)
      expect(trieMatches(trie, `x/${name}`)).toEqual(
        names.slice(15).includes(name) ? [name, 'plus'].sort() : ['plus'],
      );
    for (const name of names.slice(15)) trie.remove(['x', name], name);
    trie.remove(['x', '+'], 'plus');
    expect(trie.size).toBe(0);
    expect(JSON.stringify(trie)).toBe(JSON.stringify(new TopicTrie<string>()));
  });

  it('copies the matching values out, so later changes do not alter a result', () => {
    const trie = new TopicTrie<string>();
    trie.add(['a'], 'x');
    trie.add(['a'], 'y');
    const out: string[] = [];
    trie.match(['a'], out);
    trie.add(['a'], 'z');
    trie.remove(['a'], 'x');
    expect(out).toEqual(['x', 'y']);
    expect(trieMatches(trie, 'a')).toEqual(['y', 'z']);
  });
});

// Levels drawn from a small alphabet so that random filters and topics overlap often; a few more than
// the trie keeps in a node's small child list, so that its map form is exercised too. Filters also get
// named wildcards (`+p<i>`, `#rest`) and `$share/<group>/` or `$queue/` prefixes, routed as the filter.
const literal = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', '', '$SYS', '$x', 'a$');
const filterLevel = fc.oneof(
  { weight: 3, arbitrary: literal },
  { weight: 1, arbitrary: fc.constant('+') },
  { weight: 1, arbitrary: fc.constant('+named') },
);
const prefix = fc.constantFrom('', '', '', '$share/g/', '$share/h/', '$queue/');
const filterArb = fc
  .tuple(prefix, fc.array(filterLevel, { minLength: 1, maxLength: 5 }), fc.constantFrom('none', '#', '#rest'))
  .map(([share, drawn, hash]) => {
    const levels = drawn.map((level, i) => (level === '+named' ? `+p${i}` : level));
    return share + (hash === 'none' ? levels : [...levels.slice(0, -1), hash]).join('/');
  })
  .filter((filter) => !/^(\$share\/[gh]\/|\$queue\/)?$/.test(filter)); // nothing to match: invalid
const topicArb = fc
  .array(literal, { minLength: 1, maxLength: 6 })
  .map((levels) => levels.join('/'))
  .filter((topic) => topic !== '');

describe('property: the trie agrees with the reference matcher', () => {
  it('on random filter sets and topics, also after random removals', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(filterArb, { maxLength: 60 }),
        fc.array(topicArb, { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (filters, topics, removals) => {
          const trie = new TopicTrie<string>();
          for (const filter of filters) trie.add(routeLevels(filter), filter);
          const live = new Set(filters);
          const check = () => {
            for (const topic of topics) {
              const expected = [...live].filter((filter) => referenceMatch(filter, topic)).sort();
              expect(trieMatches(trie, topic)).toEqual(expected);
              expect(trie.matchesAny(topic.split('/'))).toBe(expected.length > 0);
              for (const filter of live) {
                const params = referenceParams(filter, topic);
                expect(matchesTopic(routeLevels(filter), topic)).toBe(params !== undefined);
                if (params !== undefined)
                  expect(paramsOf(parseFilter(filter), topic, topic.split('/'))).toEqual(params);
              }
            }
          };
          check();
          for (const index of removals) {
            if (filters.length === 0) break;
            const filter = filters[index % filters.length] as string;
            expect(trie.remove(routeLevels(filter), filter)).toBe(live.delete(filter));
          }
          // Filters that route alike ($share/g/a, a, +x/... and +/...) share one place in the trie.
          expect(trie.size).toBe(new Set([...live].map((filter) => routeLevels(filter).join('/'))).size);
          check();
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('TopicTrie.overlapping: the stored filters some topic matches together with a filter', () => {
  const stored = ['a', 'a/b', 'a/+', 'a/#', '+/b', 'b/c', 'b/+/d', '#', 'a/b/c', '$SYS/a'];
  const overlaps = (filter: string, within = stored, budget = 1_000) => {
    const trie = new TopicTrie<string>();
    for (const f of within) trie.add(f.split('/'), f);
    const out: string[] = [];
    const complete = trie.overlapping(filter.split('/'), out, budget);
    return { complete, found: out.sort() };
  };

  it.each([
    ['a', ['#', 'a', 'a/#']],
    ['a/b', ['#', '+/b', 'a/#', 'a/+', 'a/b']],
    ['b/+', ['#', '+/b', 'b/c']],
    ['b/+/d', ['#', 'b/+/d']],
    ['c/d', ['#']],
    ['a/b/c/d', ['#', 'a/#']],
    ['+/+', ['#', '$SYS/a', '+/b', 'a/+', 'a/#', 'a/b', 'b/c']],
    ['a/#', ['#', '+/b', 'a', 'a/#', 'a/+', 'a/b', 'a/b/c']],
    ['#', [...stored].sort()],
  ])('%s overlaps %j', (filter, expected) => {
    expect(overlaps(filter)).toEqual({ complete: true, found: [...expected].sort() });
  });

  it('counts a wildcard first level and a $ topic as overlapping (conservative)', () => {
    expect(overlaps('+/a', ['$SYS/a']).found).toEqual(['$SYS/a']);
  });

  it('reports an incomplete answer when the node budget runs out', () => {
    const many = Array.from({ length: 50 }, (_, i) => `x/${i}`);
    expect(overlaps('x/+', many, 10).complete).toBe(false);
    expect(overlaps('x/+', many, 52)).toEqual({ complete: true, found: [...many].sort() });
    expect(overlaps('y/+', many, 10)).toEqual({ complete: true, found: [] });
  });

  // Without `$` levels the answer is exact: a filter overlaps another when one of the topics built from
  // their literals (and one literal neither uses) matches both.
  const plain = fc.constantFrom('a', 'b', '');
  const plainFilter = fc
    .tuple(
      fc.array(fc.oneof({ weight: 3, arbitrary: plain }, { weight: 1, arbitrary: fc.constant('+') }), {
        minLength: 1,
        maxLength: 4,
      }),
      fc.boolean(),
    )
    .map(([levels, hash]) => (hash ? [...levels.slice(0, -1), '#'] : levels).join('/'));
  const topics: string[] = [];
  const grow = (prefix: string[]) => {
    if (prefix.length > 0) topics.push(prefix.join('/'));
    if (prefix.length < 5) for (const level of ['a', 'b', '', 'z']) grow([...prefix, level]);
  };
  grow([]);
  const overlapByTopics = (f: string, g: string) =>
    topics.some((topic) => referenceMatch(f, topic) && referenceMatch(g, topic));

  it('property: agrees with the topics both filters match', () => {
    fc.assert(
      fc.property(fc.uniqueArray(plainFilter, { maxLength: 12 }), plainFilter, (within, filter) => {
        const expected = within.filter((g) => overlapByTopics(filter, g)).sort();
        expect(overlaps(filter, within, 10_000)).toEqual({ complete: true, found: expected });
      }),
      { numRuns: 300 },
    );
  });
});
