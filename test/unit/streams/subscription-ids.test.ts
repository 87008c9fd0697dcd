/**
 * Subscription Identifiers: unique among live filters, across the wrap-around of the counter, and never
 * one below its range (reserved: the exact filters' constant one).
 */
import {
  FIRST_COUNTED_ID,
  MAX_SUBSCRIPTION_ID,
  SubscriptionIds,
} from '../../../src/streams/subscription-ids';

/** The identifier below the counter's range (the exact filters' in IdentifierGroups). */
const RESERVED = FIRST_COUNTED_ID - 1;

describe('SubscriptionIds', () => {
  it('starts at a random identifier in the lower half of the range and counts up', () => {
    const ids = new SubscriptionIds(() => []);
    const first = ids.take();
    expect(first).toBeGreaterThanOrEqual(2);
    expect(first).toBeLessThanOrEqual(Math.floor(MAX_SUBSCRIPTION_ID / 2) + 2);
    expect([ids.take(), ids.take()]).toEqual([first + 1, first + 2]);
  });

  it('wraps from the largest identifier to 2, skipping the ones live filters still hold', () => {
    const live = new Set<number>();
    const ids = new SubscriptionIds(() => live, 4, 6);
    for (let n = 0; n < 3; n++) live.add(ids.take()); // 4, 5, 6
    expect([...live]).toEqual([4, 5, 6]);
    live.delete(5);
    ids.release(5); // before the first wrap: nothing was tracked
    const afterWrap = [ids.take(), ids.take()];
    expect(afterWrap).toEqual([2, 3]);
    // 4 and 6 are still held: next comes the freed 5, then nothing until one is released.
    expect(ids.take()).toBe(5);
    expect(() => ids.take()).toThrow(RangeError);
    ids.release(2);
    expect(ids.take()).toBe(2);
  });

  it('asks for the live identifiers once, at the first wrap, and tracks releases after it', () => {
    // 1: the exact filters'; 3: an older filter's; 4: the one created below.
    const liveIds = jest.fn(() => [RESERVED, 3, 4]);
    const ids = new SubscriptionIds(liveIds, 4, 4);
    expect(ids.take()).toBe(4);
    expect(liveIds).not.toHaveBeenCalled();
    expect(ids.take()).toBe(2); // wrapped: 3 and 4 are held
    expect(liveIds).toHaveBeenCalledTimes(1);
    ids.release(4);
    expect(ids.take()).toBe(4);
    ids.release(2);
    expect(ids.take()).toBe(2);
    expect(liveIds).toHaveBeenCalledTimes(1);
  });

  it('starts at 2 when asked to start below it', () => {
    expect(new SubscriptionIds(() => [], RESERVED).take()).toBe(2);
  });

  it('never hands out the reserved identifier, nor counts it among those held', () => {
    const ids = new SubscriptionIds(() => [RESERVED, 3], 3, 3); // 3: the one taken first
    expect([ids.take(), ids.take()]).toEqual([3, 2]);
    // 2 and 3 are every identifier the counter has: full, though 1 stays unused.
    expect(() => ids.take()).toThrow(RangeError);
  });
});
