/**
 * Small collections of the subscription side, shaped for memory (there is one per live filter or
 * observer). A {@link Slot} holds one item as is and several in an array; arrays are copied on change
 * and sized exactly: an array grown with `push()` (or built by spreading) reserves 16 more slots, which
 * costs about 130 bytes each.
 *
 * Copy-on-write also keeps iteration safe: a dispatch in progress goes on with the array it started with
 * while observers join or leave.
 *
 * @internal
 */

/** None, one item (stored as is; items are never arrays), or several in an array. */
export type Slot<T> = T | readonly T[] | undefined;

/** A new array: `list` followed by `item`. */
export function withItem<T>(list: readonly T[] | undefined, item: T): T[] {
  return list === undefined || list.length === 0 ? [item] : list.concat([item]);
}

/** A new array without the first `item`; `list` itself when `item` is absent. */
export function withoutItem<T>(list: readonly T[], item: T): readonly T[] {
  const index = list.indexOf(item);
  if (index === -1) return list;
  return list.slice(0, index).concat(list.slice(index + 1));
}

/** True when the slot holds several items. */
export function isList<T>(slot: T | readonly T[]): slot is readonly T[] {
  return Array.isArray(slot);
}

/** The slot with `item` added. */
export function slotWith<T>(slot: Slot<T>, item: T): Slot<T> {
  if (slot === undefined) return item;
  return isList(slot) ? withItem(slot, item) : [slot, item];
}

/** The slot without `item` (undefined when it becomes empty); the same slot when `item` is absent. */
export function slotWithout<T>(slot: Slot<T>, item: T): Slot<T> {
  if (slot === undefined) return undefined;
  if (!isList(slot)) return slot === item ? undefined : slot;
  const next = withoutItem(slot, item);
  if (next === slot) return slot;
  return next.length === 1 ? next[0] : next;
}

/** The slot without every item in `items` (undefined when it becomes empty); the same slot when none is in it. */
export function slotWithoutAll<T>(slot: Slot<T>, items: ReadonlySet<T>): Slot<T> {
  if (slot === undefined) return undefined;
  if (!isList(slot)) return items.has(slot) ? undefined : slot;
  if (!slot.some((item) => items.has(item))) return slot;
  const kept = slot.filter((item) => !items.has(item));
  // `filter` grows its result as `push()` does: a copy is sized exactly.
  return kept.length === 0 ? undefined : kept.length === 1 ? kept[0] : kept.slice();
}

/** True when the slot holds `item`. */
export function slotHas<T>(slot: Slot<T>, item: T): boolean {
  if (slot === undefined) return false;
  return isList(slot) ? slot.includes(item) : slot === item;
}

/** The items of a slot as an array (allocates for a single item: not for hot paths). */
export function slotItems<T>(slot: Slot<T>): readonly T[] {
  if (slot === undefined) return [];
  return isList(slot) ? slot : [slot];
}

/** `items` cut into consecutive arrays of at most `size` (the packets of a SUBSCRIBE or UNSUBSCRIBE). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}
