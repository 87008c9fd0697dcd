/**
 * MQTT 5 Subscription Identifiers for the connector's filters: one per live filter, never one that a
 * live filter still holds, even after the counter wrapped around.
 *
 * @internal
 */

/** Largest MQTT 5 Subscription Identifier (a Variable Byte Integer of four bytes). */
export const MAX_SUBSCRIPTION_ID = 268_435_455;

/**
 * The smallest identifier {@link SubscriptionIds} hands out. The ones below it are its callers' to hold
 * as constants (`IdentifierGroups` gives 1 to every exact filter), and it never counts them as held.
 */
export const FIRST_COUNTED_ID = 2;

/**
 * A counter starting at a random value (so that a new process resuming the session of an earlier one
 * rarely reuses an identifier that one gave another filter). Until it wraps around, every identifier it
 * hands out is new, so it tracks nothing; from the first wrap on, it keeps the set of identifiers held
 * and skips them, since a reused identifier would route a filter's messages to another filter as well.
 * It never hands out an identifier below {@link FIRST_COUNTED_ID}.
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
      // The reserved identifiers below the counter's range are held too, but not the counter's to skip.
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
