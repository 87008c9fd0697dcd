/**
 * The last retained message per topic, for topics that a live filter matches, so that an observer joining
 * an already-subscribed filter still gets the retained state a broker subscription of its own would send.
 *
 * Bounded by a number of topics and a number of bytes (payload, topic and MQTT 5 properties, see
 * {@link retainedSize}). Policy: least recently updated first — when a new message does not fit, the
 * topics updated longest ago are dropped (counted in {@link RetainedCache.dropped}); a message larger
 * than the whole byte budget is not cached at all.
 *
 * Each record also remembers when its payload last changed (a stamp from a counter of changes) and which
 * subscriptions received that payload ("seenBy"), so the dispatcher can tell which observers already have
 * it; and, for MQTT 5, which subscriptions have received a retained message on the topic since their
 * broker subscription began ("receivers").
 *
 * @internal
 */
import { slotHas, slotWith, slotWithout, slotWithoutAll, type Slot } from './arrays.js';
import { withOwnBytes } from './own-bytes.js';
import type { IncomingPublish } from './port.js';
import { retainedSize } from './retained-size.js';

/** Bounds of a {@link RetainedCache}. */
export interface RetainedCacheLimits {
  /** Most topics kept (0 disables the cache). */
  readonly maxTopics: number;
  /** Most bytes kept, all topics together (see {@link retainedSize}). */
  readonly maxBytes: number;
}

/** Called when the bound makes the cache forget a topic. */
export type RetainedDropListener = (topic: string, reason: 'maxTopics' | 'maxBytes') => void;

/** {@link RetainedRecord.seenBy} when every subscription whose filter matches the topic got the payload. */
export const SEEN_BY_ALL = true;

/** The cached state of one topic. */
export class RetainedRecord<R> {
  constructor(
    /** The message, stored with `retain: true` and `dup: false`. */
    public message: IncomingPublish,
    /** {@link RetainedCache.clock} when the payload last changed. */
    public stamp: number,
    /** Bytes counted against the bound. */
    public size: number,
    /** Subscriptions that received a retained message on this topic during their broker subscription. */
    public receivers: Slot<R>,
    /** Subscriptions that received this payload (reset when it changes), or all that match the topic. */
    public seenBy: Slot<R> | typeof SEEN_BY_ALL = undefined,
  ) {}
}

/** See the module documentation. */
export class RetainedCache<R = unknown> {
  // A Map iterates in insertion order; re-inserting on update keeps the least recently updated first.
  private readonly records = new Map<string, RetainedRecord<R>>();
  private byteCount = 0;
  private dropCount = 0;
  private changes = 0;

  constructor(
    private readonly limits: RetainedCacheLimits,
    private readonly onDrop: RetainedDropListener = () => undefined,
  ) {}

  /** False when the cache is off (`maxTopics` 0). */
  get enabled(): boolean {
    return this.limits.maxTopics > 0;
  }

  /** Topics cached. */
  get size(): number {
    return this.records.size;
  }

  /** Bytes cached (see {@link retainedSize}). */
  get bytes(): number {
    return this.byteCount;
  }

  /** Topics forgotten because of the bound, since creation. */
  get dropped(): number {
    return this.dropCount;
  }

  /** Counts payload changes: a record whose stamp is above a value read earlier changed since then. */
  get clock(): number {
    return this.changes;
  }

  /** True when the topic has a cached retained message. */
  has(topic: string): boolean {
    return this.records.has(topic);
  }

  /** The record of a topic. */
  get(topic: string): RetainedRecord<R> | undefined {
    return this.records.get(topic);
  }

  /**
   * Stores `message` as the retained state of its topic (an empty payload clears it instead). The caller
   * decides that the message is the topic's retained state; it is stored with `retain: true`. The record
   * keeps its receivers, and its stamp and `seenBy` when the payload is byte for byte the same.
   *
   * @returns the record, or undefined when nothing is cached for the topic now.
   */
  set(message: IncomingPublish): RetainedRecord<R> | undefined {
    const { topic, payload } = message;
    const old = this.records.get(topic);
    if (payload.length === 0 || !this.enabled) {
      this.delete(topic);
      return undefined;
    }
    const size = retainedSize(message);
    if (size > this.limits.maxBytes) {
      this.delete(topic);
      this.drop(topic, 'maxBytes');
      return undefined;
    }
    // Kept for long: not a view into the socket read it came in (see own-bytes.ts).
    const own = withOwnBytes(message);
    const stored = own.retain && !own.dup ? own : { ...own, retain: true, dup: false };
    if (old !== undefined) {
      this.records.delete(topic);
      this.byteCount -= old.size;
    }
    while (this.records.size >= this.limits.maxTopics) this.dropOldest('maxTopics');
    while (this.byteCount + size > this.limits.maxBytes) this.dropOldest('maxBytes');
    const record = old ?? new RetainedRecord<R>(stored, 0, size, undefined);
    if (old === undefined || !sameBytes(old.message.payload, payload)) {
      record.stamp = ++this.changes;
      record.seenBy = undefined;
    }
    record.message = stored;
    record.size = size;
    this.records.set(topic, record);
    this.byteCount += size;
    return record;
  }

  /** Notes that `receiver` got the record's payload. */
  addSeen(record: RetainedRecord<R>, receiver: R): void {
    const seenBy = record.seenBy;
    if (seenBy !== SEEN_BY_ALL && !slotHas(seenBy, receiver)) record.seenBy = slotWith(seenBy, receiver);
  }

  /** Notes that `receiver` got a retained message on the record's topic. */
  addReceiver(record: RetainedRecord<R>, receiver: R): void {
    if (!slotHas(record.receivers, receiver)) record.receivers = slotWith(record.receivers, receiver);
  }

  /** Forgets `receiver` as a receiver in every record (its broker subscription starts over). */
  forgetReceiver(receiver: R): void {
    for (const record of this.records.values()) {
      if (record.receivers !== undefined) record.receivers = slotWithout(record.receivers, receiver);
    }
  }

  /**
   * Forgets subscriptions that left the registry, as receivers and as having seen payloads, and the topics
   * (as levels) for which `drop` is true. One pass over the records for the whole batch.
   */
  forgetEnded(ended: ReadonlySet<R>, drop: (topic: readonly string[]) => boolean): void {
    // A Map may lose its current entry while it is iterated.
    for (const [topic, record] of this.records) {
      if (drop(topic.split('/'))) {
        this.delete(topic);
        continue;
      }
      if (record.receivers !== undefined) record.receivers = slotWithoutAll(record.receivers, ended);
      if (record.seenBy !== undefined && record.seenBy !== SEEN_BY_ALL)
        record.seenBy = slotWithoutAll(record.seenBy, ended);
    }
  }

  /** Forgets every receiver (a new broker session: every subscription starts over). */
  forgetReceivers(): void {
    for (const record of this.records.values()) record.receivers = undefined;
  }

  /** Forgets the topic. */
  delete(topic: string): void {
    const old = this.records.get(topic);
    if (old === undefined) return;
    this.records.delete(topic);
    this.byteCount -= old.size;
  }

  /** Every cached message, least recently updated first. */
  *values(): IterableIterator<IncomingPublish> {
    for (const record of this.records.values()) yield record.message;
  }

  /** Forgets everything (not counted as drops). */
  clear(): void {
    this.records.clear();
    this.byteCount = 0;
  }

  private dropOldest(reason: 'maxTopics' | 'maxBytes'): void {
    const oldest = this.records.keys().next();
    if (oldest.done === true) return;
    this.delete(oldest.value);
    this.drop(oldest.value, reason);
  }

  private drop(topic: string, reason: 'maxTopics' | 'maxBytes'): void {
    this.dropCount++;
    this.onDrop(topic, reason);
  }
}

/** True when both byte arrays hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
