/**
 * MQTT 5 Subscription Identifiers for the connector's filters: one per live filter, never one that a
 * live filter still holds, even after the counter wrapped around.
 *
 * @internal
 */

/** Largest MQTT 5 Subscription Identifier (a Variable Byte Integer of four bytes). */
export const MAX_SUBSCRIPTION_ID = 268_435_455;

/**
 * The identifier every exact filter holds (see `IdentifierGroups`), never handed out by
 * {@link SubscriptionIds}. An identifier below 128 is one byte on the wire, and mqtt-packet reads a
 * property a byte at a time, slicing a Buffer for each: a random four-byte one cost three more slices per
 * received message. A constant is safe where a counter's value would not be: a copy carrying it reaches
 * only the live exact filter equal to its topic, and a stored session's exact subscription on that topic
 * was replaced by that filter's own SUBSCRIBE.
 */
export const EXACT_FILTERS_ID = 1;

/** The smallest identifier {@link SubscriptionIds} hands out (the ones below it are reserved). */
const FIRST_COUNTED_ID = EXACT_FILTERS_ID + 1;

/**
 * A counter starting at a random value (so that a new process resuming the session of an earlier one
 * rarely reuses an identifier that one gave another filter). Until it wraps around, every identifier it
 * hands out is new, so it tracks nothing; from the first wrap on, it keeps the set of identifiers held
 * and skips them, since a reused identifier would route a filter's messages to another filter as well.
 * It never hands out {@link EXACT_FILTERS_ID}.
 *
 * @example
 * ```ts
 * const ids = new SubscriptionIds(() => [...entries.values()].map((entry) => entry.id));
 * const id = ids.take(); // for a new filter's SUBSCRIBE
 * ids.release(id); // the filter was removed
 * ```
 */
export class SubscriptionIds {
  /** Held identifiers, from the first wrap-around on (before it, nothing needs tracking). */
  private held: Set<number> | undefined;
  /** The next identifier to hand out (or, above `max`, the wrap-around). */
  private next: number;

  /**
   * @param liveIds - the identifiers held by live filters; asked once, at the first wrap-around.
   * @param first - the first identifier to hand out (default: random in the lower half of the range; one
   *   below 2 starts at 2).
   * @param max - the largest identifier (default {@link MAX_SUBSCRIPTION_ID}; tests use a small one).
   */
  constructor(
    private readonly liveIds: () => Iterable<number>,
    first = FIRST_COUNTED_ID + Math.floor(Math.random() * (MAX_SUBSCRIPTION_ID >> 1)),
    private readonly max = MAX_SUBSCRIPTION_ID,
  ) {
    this.next = Math.max(first, FIRST_COUNTED_ID);
  }

  /**
   * An identifier no live filter holds.
   *
   * @throws RangeError when every identifier of the range is held (268,435,454 live filters).
   */
  take(): number {
    if (this.next > this.max) {
      this.next = FIRST_COUNTED_ID;
      // The exact filters' identifier is held too, but it is outside the counter's range.
      this.held ??= new Set([...this.liveIds()].filter((id) => id >= FIRST_COUNTED_ID));
    }
    const held = this.held;
    if (held === undefined) return this.next++;
    if (held.size > this.max - FIRST_COUNTED_ID)
      throw new RangeError('Every MQTT 5 Subscription Identifier is in use');
    while (held.has(this.next)) this.next = this.next >= this.max ? FIRST_COUNTED_ID : this.next + 1;
    held.add(this.next);
    return this.next++;
  }

  /** The filter holding `id` was removed: `id` may be handed out again. */
  release(id: number): void {
    this.held?.delete(id);
  }
}
