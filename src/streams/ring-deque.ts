/**
 * A growable ring buffer: O(1) `push` at the back and `shift` at the front, unlike `Array#shift`, which V8
 * makes O(length) for large arrays (baseline.md F7: ~37 µs per shift at 50,000 elements). The publish
 * pipeline keeps every backlog (offline queue, pacing lanes) in one of these.
 *
 * @internal
 */
const INITIAL_CAPACITY = 16;
/** Capacity from which an emptied deque shrinks back to {@link INITIAL_CAPACITY}. */
const SHRINK_ABOVE = 1024;

export class RingDeque<T> {
  private items: (T | undefined)[];
  private head = 0;
  private length = 0;
  private mask: number;

  constructor() {
    this.items = new Array<T | undefined>(INITIAL_CAPACITY);
    this.mask = INITIAL_CAPACITY - 1;
  }

  /** Number of items held. */
  get size(): number {
    return this.length;
  }

  /** Appends `item` at the back. */
  push(item: T): void {
    if (this.length > this.mask) this.grow();
    this.items[(this.head + this.length) & this.mask] = item;
    this.length++;
  }

  /** Removes and returns the front item, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined; // let the item be collected
    this.head = (this.head + 1) & this.mask;
    this.length--;
    if (this.length === 0 && this.mask >= SHRINK_ABOVE) this.clear(); // a drained big backlog gives its memory back
    return item;
  }

  /** The front item without removing it, or `undefined` when empty. */
  peek(): T | undefined {
    return this.length === 0 ? undefined : this.items[this.head];
  }

  /** Keeps only the items for which `keep` returns true, in order (O(size)). */
  retain(keep: (item: T) => boolean): void {
    const kept: T[] = [];
    this.forEach((item) => {
      if (keep(item)) kept.push(item);
    });
    this.clear();
    for (const item of kept) this.push(item);
  }

  /** Calls `visit` for each item, front to back. */
  forEach(visit: (item: T) => void): void {
    for (let i = 0; i < this.length; i++) visit(this.items[(this.head + i) & this.mask] as T);
  }

  /** Removes every item and returns them, front to back. */
  drain(): T[] {
    const all: T[] = [];
    this.forEach((item) => all.push(item));
    this.clear();
    return all;
  }

  /** Removes every item (and returns to the initial capacity). */
  clear(): void {
    this.items = new Array<T | undefined>(INITIAL_CAPACITY);
    this.mask = INITIAL_CAPACITY - 1;
    this.head = 0;
    this.length = 0;
  }

  private grow(): void {
    const bigger = new Array<T | undefined>(this.items.length * 2);
    for (let i = 0; i < this.length; i++) bigger[i] = this.items[(this.head + i) & this.mask];
    this.items = bigger;
    this.head = 0;
    this.mask = bigger.length - 1;
  }
}
