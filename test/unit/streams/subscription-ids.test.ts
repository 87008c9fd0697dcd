/**
 * Subscription Identifiers: unique among live filters, across the wrap-around of the counter.
 */
import { MAX_SUBSCRIPTION_ID, SubscriptionIds } from '../../../src/streams/subscription-ids';

describe('SubscriptionIds', () => {
  it('starts at a random identifier in the lower half of the range and counts up', () => {
    const ids = new SubscriptionIds(() => []);
    const first = ids.take();
    expect(first).toBeGreaterThanOrEqual(1);
    expect(first).toBeLessThanOrEqual(Math.floor(MAX_SUBSCRIPTION_ID / 2) + 1);
    expect([ids.take(), ids.take()]).toEqual([first + 1, first + 2]);
  });

  it('wraps from the largest identifier to 1, skipping the ones live filters still hold', () => {
    const live = new Set<number>();
    const ids = new SubscriptionIds(() => live, 4, 6);
    for (let n = 0; n < 3; n++) live.add(ids.take()); // 4, 5, 6
    expect([...live]).toEqual([4, 5, 6]);
    live.delete(5);
    ids.release(5); // before the first wrap: nothing was tracked
    const afterWrap = [ids.take(), ids.take(), ids.take()];
    expect(afterWrap).toEqual([1, 2, 3]);
    // 4 and 6 are still held: next comes the freed 5, then nothing until one is released.
    expect(ids.take()).toBe(5);
    expect(() => ids.take()).toThrow(RangeError);
    ids.release(2);
    expect(ids.take()).toBe(2);
  });

  it('asks for the live identifiers once, at the first wrap, and tracks releases after it', () => {
    const liveIds = jest.fn(() => [2, 3]); // 2: an older filter's; 3: the one created below
    const ids = new SubscriptionIds(liveIds, 3, 3);
    expect(ids.take()).toBe(3);
    expect(liveIds).not.toHaveBeenCalled();
    expect(ids.take()).toBe(1); // wrapped: 2 and 3 are held
    expect(liveIds).toHaveBeenCalledTimes(1);
    ids.release(3);
    expect(ids.take()).toBe(3);
    ids.release(1);
    expect(ids.take()).toBe(1);
    expect(liveIds).toHaveBeenCalledTimes(1);
  });
});
