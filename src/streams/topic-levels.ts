/**
 * The levels of received topic names, split once per topic while it keeps coming.
 *
 * Every message MQTT.js hands over carries its topic as a new string, and V8 splits a string it has not
 * split before in its runtime: about 0.2 µs per message, a quarter to a half of what the subscription layer
 * spent on a message (bench/tools/dispatch-ab.ts, bench/ANALYSIS.md). Most messages come on topics seen a moment ago (a device's
 * stream, a handful of sensors), so the levels of recent topics are kept in a small direct-mapped table:
 * a topic goes to one slot, picked by a hash of its characters, and a slot holds the last topic that
 * went there. A hit costs the hash and one string comparison; a miss (a topic not seen lately, or two
 * topics taking turns on one slot) costs the split it always cost on top, and replaces the slot. Unlike
 * a Map keyed by topic, nothing is inserted, deleted or grown.
 *
 * Many distinct topics in turn (10,000 devices publishing to topics of their own) would miss every time,
 * about 45 ns per message more than splitting alone. So the table counts its hits: when fewer than one
 * lookup in {@link MIN_HIT_SHARE} hit over a window of {@link LOOKUP_WINDOW}, it steps aside for the
 * next {@link BYPASS_MESSAGES} messages (a split each, as before), then tries again.
 *
 * @internal
 */

/** Slots in the table (a power of two). */
export const TOPIC_SLOTS = 128;

/**
 * Longest topic kept, in UTF-16 units: the table then holds at most about 128 KB of strings (the topics and
 * their levels), however long the topics a broker sends (MQTT allows 65,535 bytes); longer ones are split
 * every time.
 */
export const MAX_KEPT_TOPIC_LENGTH = 256;

const MASK = TOPIC_SLOTS - 1;

/** Lookups per verdict on whether the table pays for itself. */
export const LOOKUP_WINDOW = 1024;

/** The table pays when at least one lookup in this many hits (a hit saves several misses' cost). */
export const MIN_HIT_SHARE = 8;

/** Messages split without the table after a window with too few hits. */
export const BYPASS_MESSAGES = 64 * LOOKUP_WINDOW;

/**
 * The slot of `topic`: FNV-1a over its UTF-16 units, folded to {@link TOPIC_SLOTS}. Every character
 * counts, since the topics of one family differ anywhere (`s1/d0/temp`, `s2/d0/temp`); for a topic of
 * 40 characters this costs a few tens of nanoseconds, against the split it saves.
 */
function slotOf(topic: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < topic.length; i++) hash = Math.imul(hash ^ topic.charCodeAt(i), 0x01000193);
  return (hash ^ (hash >>> 16)) & MASK;
}

/** See the module documentation. */
export class TopicLevels {
  private readonly topics: (string | undefined)[] = new Array(TOPIC_SLOTS);
  private readonly levels: (readonly string[] | undefined)[] = new Array(TOPIC_SLOTS);
  private lookups = 0;
  private hits = 0;
  /** Messages left to split without the table. */
  private bypass = 0;

  /**
   * @param window - lookups per verdict ({@link LOOKUP_WINDOW}).
   * @param bypassFor - messages split without the table after a poor window ({@link BYPASS_MESSAGES}).
   */
  constructor(
    private readonly window = LOOKUP_WINDOW,
    private readonly bypassFor = BYPASS_MESSAGES,
  ) {}

  /**
   * The levels of `topic` (`'a/b'` → `['a', 'b']`). The array may be handed out again for the same topic:
   * callers must not change it.
   */
  of(topic: string): readonly string[] {
    if (this.bypass > 0 || topic.length > MAX_KEPT_TOPIC_LENGTH) {
      if (this.bypass > 0) this.bypass--;
      return topic.split('/');
    }
    if (++this.lookups === this.window) this.judge();
    const slot = slotOf(topic);
    if (this.topics[slot] === topic) {
      this.hits++;
      return this.levels[slot] as readonly string[];
    }
    const levels = topic.split('/');
    this.topics[slot] = topic;
    this.levels[slot] = levels;
    return levels;
  }

  /** Ends a window: steps aside when too few lookups hit, letting the slots' topics go. */
  private judge(): void {
    if (this.hits * MIN_HIT_SHARE < this.lookups) {
      this.bypass = this.bypassFor;
      this.topics.fill(undefined);
      this.levels.fill(undefined);
    }
    this.lookups = 0;
    this.hits = 0;
  }
}
