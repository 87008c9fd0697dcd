/**
 * Topic name validation and UTF-8 length.
 */
import fc from 'fast-check';
import { topicNameProblem, utf8Length, validateTopicName } from '../../../src/streams/topic-name.js';

describe('validateTopicName', () => {
  it.each(['a', 'a/b/c', '/', '//', '$SYS/x', 'sensors/temp °C', '中文/主题', '🙂/x', ' '])(
    'accepts %j',
    (topic) => {
      expect(validateTopicName(topic)).toBe(new TextEncoder().encode(topic).length);
    },
  );

  it.each([
    ['', /empty/],
    ['a/+', /wildcards/],
    ['#', /wildcards/],
    ['a+b', /wildcards/],
    ['a\u0000', /null character/],
    ['a\uDC00', /lone surrogate/],
    ['x'.repeat(65_536), /65,535 bytes/],
  ])('refuses %j', (topic, reason) => {
    expect(() => validateTopicName(topic)).toThrow(expect.objectContaining({ code: 'INVALID_TOPIC' }));
    expect(topicNameProblem(topic)).toMatch(reason);
  });

  it('accepts exactly 65,535 bytes', () => {
    expect(validateTopicName('x'.repeat(65_535))).toBe(65_535);
  });

  it('refuses non-strings', () => {
    for (const value of [undefined, null, 1, {}, []]) {
      expect(() => validateTopicName(value)).toThrow(expect.objectContaining({ code: 'INVALID_TOPIC' }));
    }
  });

  it('validates again after a different topic (the one-entry cache never lets a bad topic through)', () => {
    expect(validateTopicName('good')).toBe(4);
    expect(() => validateTopicName('bad/#')).toThrow();
    expect(validateTopicName('good')).toBe(4);
  });
});

describe('utf8Length', () => {
  it('equals TextEncoder for well-formed strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 50 }), (text) => {
        expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length);
      }),
      { numRuns: 1000 },
    );
  });
});
