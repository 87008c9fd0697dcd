import { MAX_KEPT_TOPIC_LENGTH, MIN_HIT_SHARE, TopicLevels } from '../../../src/streams/topic-levels';

/** The same text as `topic` in a string object of its own, as MQTT.js hands over every received topic. */
function fresh(topic: string): string {
  return Buffer.from(topic, 'utf8').toString('utf8');
}

describe('TopicLevels', () => {
  it('splits as String.prototype.split does: empty levels, $-topics, one level, non-ASCII, empty', () => {
    const levels = new TopicLevels();
    const topics = [
      'a/b/c',
      '/a//b/',
      '$SYS/broker/uptime',
      'single',
      'sport/',
      'κουζίνα/θερμοκρασία',
      '/',
      '',
    ];
    for (let round = 0; round < 2; round++) {
      for (const topic of topics) expect(levels.of(fresh(topic))).toEqual(topic.split('/'));
    }
  });

  it('hands out the levels of a topic seen lately again, for another string with the same text', () => {
    const levels = new TopicLevels();
    const first = levels.of(fresh('sensors/kitchen/temp'));
    expect(levels.of(fresh('sensors/hall/temp'))).toEqual(['sensors', 'hall', 'temp']);
    expect(levels.of(fresh('sensors/kitchen/temp'))).toBe(first);
  });

  it('splits every topic right when many distinct topics take turns on the slots', () => {
    const levels = new TopicLevels();
    for (let round = 0; round < 3; round++) {
      for (let s = 0; s < 40; s++) {
        for (let d = 0; d < 40; d += 7) {
          const topic = `s${s}/d${d}/${round % 2 === 0 ? 'temp' : 'humidity'}`;
          expect(levels.of(fresh(topic))).toEqual(topic.split('/'));
        }
      }
    }
  });

  it('keeps no topic longer than MAX_KEPT_TOPIC_LENGTH', () => {
    const long = `a/${'x'.repeat(MAX_KEPT_TOPIC_LENGTH)}`;
    const levels = new TopicLevels();
    const first = levels.of(long);
    expect(first).toEqual(['a', 'x'.repeat(MAX_KEPT_TOPIC_LENGTH)]);
    expect(levels.of(long)).not.toBe(first);
    const atLimit = 'y'.repeat(MAX_KEPT_TOPIC_LENGTH);
    expect(levels.of(fresh(atLimit))).toBe(levels.of(fresh(atLimit)));
  });

  it('steps aside after a window with too few hits, splits right meanwhile, and comes back after', () => {
    const levels = new TopicLevels(64, 100);
    let seq = 0;
    const distinct = () => `devices/${seq++}/telemetry`;
    for (let i = 0; i < 64; i++) levels.of(distinct()); // the 64th lookup ends a window without a hit
    const aside = levels.of(fresh('devices/hot/telemetry'));
    expect(aside).toEqual(['devices', 'hot', 'telemetry']);
    expect(levels.of(fresh('devices/hot/telemetry'))).not.toBe(aside);
    for (let i = 0; i < 98; i++) {
      const topic = distinct();
      expect(levels.of(topic)).toEqual(topic.split('/'));
    }
    const back = levels.of(fresh('devices/hot/telemetry'));
    expect(levels.of(fresh('devices/hot/telemetry'))).toBe(back);
  });

  it('stays in the way while at least one lookup in MIN_HIT_SHARE hits', () => {
    const levels = new TopicLevels(64, 100);
    let seq = 0;
    for (let i = 0; i < 64 * 5; i++) {
      if (i % (MIN_HIT_SHARE / 2) !== 0) {
        levels.of(`devices/${seq++}/telemetry`);
        continue;
      }
      // Twice in a row: the second hits, unless the table stepped aside (a new array each time then).
      const first = levels.of(fresh('devices/hot/telemetry'));
      expect(levels.of(fresh('devices/hot/telemetry'))).toBe(first);
    }
  });
});
