import { InvalidTopicError } from '../../../src/connector/errors';
import {
  filterLevels,
  hasWildcard,
  MAX_TOPIC_BYTES,
  parseFilter,
  utf8Length,
} from '../../../src/streams/topic-filter';
import { paramsOf } from '../../../src/streams/topic-match';

describe('parseFilter: valid filters', () => {
  it.each([
    // filter, brokerFilter, routeFilter, levels, shareGroup
    [
      'sport/tennis/player1',
      'sport/tennis/player1',
      'sport/tennis/player1',
      ['sport', 'tennis', 'player1'],
      undefined,
    ],
    ['sport/+', 'sport/+', 'sport/+', ['sport', '+'], undefined],
    ['sport/#', 'sport/#', 'sport/#', ['sport', '#'], undefined],
    ['#', '#', '#', ['#'], undefined],
    ['+', '+', '+', ['+'], undefined],
    ['+/+', '+/+', '+/+', ['+', '+'], undefined],
    ['/finance', '/finance', '/finance', ['', 'finance'], undefined],
    ['a//b', 'a//b', 'a//b', ['a', '', 'b'], undefined],
    ['$SYS/#', '$SYS/#', '$SYS/#', ['$SYS', '#'], undefined],
    ['$share', '$share', '$share', ['$share'], undefined],
    ['$share/g/a/b', '$share/g/a/b', 'a/b', ['a', 'b'], 'g'],
    ['$share/g/#', '$share/g/#', '#', ['#'], 'g'],
    ['$share/g//', '$share/g//', '/', ['', ''], 'g'],
    ['$queue/jobs/+', '$queue/jobs/+', 'jobs/+', ['jobs', '+'], '$queue'],
    ['devices/+id/#rest', 'devices/+/#', 'devices/+/#', ['devices', '+', '#'], undefined],
    ['$share/g/devices/+id', '$share/g/devices/+', 'devices/+', ['devices', '+'], 'g'],
    ['ünïcødé/😀/+', 'ünïcødé/😀/+', 'ünïcødé/😀/+', ['ünïcødé', '😀', '+'], undefined],
  ])('%s', (filter, brokerFilter, routeFilter, levels, shareGroup) => {
    const parsed = parseFilter(filter);
    expect(parsed.source).toBe(filter);
    expect(parsed.brokerFilter).toBe(brokerFilter);
    expect(parsed.routeFilter).toBe(routeFilter);
    expect(filterLevels(parsed)).toEqual(levels);
    expect(hasWildcard(parsed)).toBe(levels.some((level) => level === '+' || level === '#'));
    expect(parsed.shareGroup).toBe(shareGroup);
  });

  it('records parameter names per level', () => {
    expect(parseFilter('devices/+id/x/#rest').paramNames).toEqual([undefined, 'id', undefined, 'rest']);
    expect(parseFilter('devices/+/x/#').paramNames).toEqual([]);
    expect(parseFilter('a/+b_c-9/+').paramNames).toEqual([undefined, 'b_c-9', undefined]);
  });

  it('accepts exactly 65,535 UTF-8 bytes', () => {
    expect(parseFilter('a'.repeat(MAX_TOPIC_BYTES)).brokerFilter).toHaveLength(MAX_TOPIC_BYTES);
    // 3-byte characters: 21,845 × 3 = 65,535
    expect(() => parseFilter('€'.repeat(21_845))).not.toThrow();
  });
});

describe('parseFilter: invalid filters are refused with INVALID_TOPIC', () => {
  it.each([
    ['', 'empty'],
    ['a/#/b', '# not last'],
    ['#/a', '# not last'],
    ['a+', '+ inside a level'],
    ['a/b+/c', '+ inside a level'],
    ['#a/b', '# name not last'],
    ['a#', '# inside a level'],
    ['sport/ten#nis', '# inside a level'],
    ['a/++', 'bad parameter name'],
    ['a/+x+y', 'bad parameter name'],
    ['a/+x/+x', 'repeated parameter name'],
    ['a/+__proto__', 'reserved name'],
    ['a/\u0000', 'NUL'],
    ['a/\uD800', 'lone surrogate'],
    ['a/\uDC00b', 'lone surrogate'],
    ['$share/', '$share without group'],
    ['$share//a', '$share with empty group'],
    ['$share/g', '$share without filter'],
    ['$share/g/', '$share with empty filter'],
    ['$share/g+/a', 'group with +'],
    ['$share/g#/a', 'group with #'],
    ['$share/g/a/#/b', 'invalid filter inside $share'],
    ['$queue/', '$queue without filter'],
  ])('%s (%s)', (filter) => {
    let thrown: unknown;
    try {
      parseFilter(filter);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidTopicError);
    expect((thrown as InvalidTopicError).code).toBe('INVALID_TOPIC');
    expect((thrown as InvalidTopicError).topic).toBe(filter);
  });

  it('refuses filters over 65,535 UTF-8 bytes', () => {
    expect(() => parseFilter('a'.repeat(MAX_TOPIC_BYTES + 1))).toThrow(
      /at most 65535 UTF-8 bytes \(this one: 65536\)/,
    );
    // 21,846 three-byte characters: 65,538 bytes in fewer than 65,535 UTF-16 code units
    expect(() => parseFilter('€'.repeat(21_846))).toThrow(InvalidTopicError);
    expect(() => parseFilter(`$share/g/${'a'.repeat(MAX_TOPIC_BYTES)}`)).toThrow(InvalidTopicError);
  });

  it('refuses non-strings', () => {
    expect(() => parseFilter(42 as unknown as string)).toThrow(InvalidTopicError);
    expect(() => parseFilter(undefined as unknown as string)).toThrow(InvalidTopicError);
  });

  it('says why', () => {
    expect(() => parseFilter('a/#/b')).toThrow(/"#" must be the last level/);
    expect(() => parseFilter('a+')).toThrow(/must fill a whole level/);
    expect(() => parseFilter('$share//a')).toThrow(/group name/);
  });
});

describe('utf8Length', () => {
  it.each(['', 'abc', 'é', '€', '😀', 'a😀b€'])('%j matches TextEncoder', (text) => {
    expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length);
  });
});

describe('paramsOf (named wildcards)', () => {
  const params = (filter: string, topic: string) => paramsOf(parseFilter(filter), topic, topic.split('/'));

  it('fills +name with its level and #name with the rest', () => {
    expect(params('devices/+id/#rest', 'devices/abc/telemetry/power')).toEqual({
      id: 'abc',
      rest: 'telemetry/power',
    });
  });
  it('gives #name the empty string when # matched the parent level', () => {
    expect(params('devices/+id/#rest', 'devices/abc')).toEqual({ id: 'abc', rest: '' });
  });
  it('handles empty levels', () => {
    expect(params('a/+x/+y', 'a//')).toEqual({ x: '', y: '' });
    expect(params('#all', '/a//b')).toEqual({ all: '/a//b' });
  });
  it('works behind $share', () => {
    expect(params('$share/g/s/+room/temp', 's/kitchen/temp')).toEqual({ room: 'kitchen' });
  });
  it('is {} (shared, frozen) for filters without names', () => {
    const empty = params('a/+/#', 'a/b/c');
    expect(empty).toEqual({});
    expect(Object.isFrozen(empty)).toBe(true);
    expect(params('x', 'x')).toBe(empty);
  });
  it('keeps names that are Object.prototype members as own properties', () => {
    const p = params('+constructor/+toString', 'a/b');
    expect(Object.keys(p)).toEqual(['constructor', 'toString']);
    expect(p['constructor']).toBe('a');
  });
});
