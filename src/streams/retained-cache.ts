/**
 * The last retained message per topic, for topics that a live filter matches, so that an observer joining
 * an already-subscribed filter still gets the retained state a broker subscription of its own would send.
 *
 * Bounded by a number of topics and a number of payload bytes. Policy: least recently updated first —
 * when a new topic does not fit, the topics updated longest ago are dropped (counted in
 * {@link RetainedCache.dropped}); a payload larger than the whole byte budget is not cached at all.
 *
 * @internal
 */
import type { IncomingPublish } from './port.js';

/** Bounds of a {@link RetainedCache}. */
export interface RetainedCacheLimits {
  /** Most topics kept (0 disables the cache). */
  readonly maxTopics: number;
  /** Most payload bytes kept, all topics together. */
  readonly maxBytes: number;
}

/** Called when the bound makes the cache forget a topic. */
export type RetainedDropListener = (topic: string, reason: 'maxTopics' | 'maxBytes') => void;

/** See the module documentation. */
export class RetainedCache {
  // A Map iterates in insertion order; re-inserting on update keeps the least recently updated first.
  private readonly entries = new Map<string, IncomingPublish>();
  private byteCount = 0;
  private dropCount = 0;

  constructor(
    private readonly limits: RetainedCacheLimits,
    private readonly onDrop: RetainedDropListener = () => undefined,
  ) {}

  /** Topics cached. */
  get size(): number {
    return this.entries.size;
  }

  /** Payload bytes cached. */
  get bytes(): number {
    return this.byteCount;
  }

  /** Topics forgotten because of the bound, since creation. */
  get dropped(): number {
    return this.dropCount;
  }

  /** True when the topic has a cached retained message. */
  has(topic: string): boolean {
    return this.entries.has(topic);
  }

  /**
   * Stores `message` as the retained state of its topic (an empty payload clears it instead). The caller
   * decides that the message is the topic's retained state; it is stored with `retain: true`.
   */
  set(message: IncomingPublish): void {
    const { topic, payload } = message;
    this.delete(topic);
    if (payload.length === 0 || this.limits.maxTopics <= 0) return;
    if (payload.length > this.limits.maxBytes) {
      this.drop(topic, 'maxBytes');
      return;
    }
    while (this.entries.size >= this.limits.maxTopics) this.dropOldest('maxTopics');
    while (this.byteCount + payload.length > this.limits.maxBytes) this.dropOldest('maxBytes');
    this.entries.set(
      topic,
      message.retain && !message.dup ? message : { ...message, retain: true, dup: false },
    );
    this.byteCount += payload.length;
  }

  /** Forgets the topic. */
  delete(topic: string): void {
    const old = this.entries.get(topic);
    if (old === undefined) return;
    this.entries.delete(topic);
    this.byteCount -= old.payload.length;
  }

  /** Every cached message, least recently updated first. */
  values(): IterableIterator<IncomingPublish> {
    return this.entries.values();
  }

  /** Forgets every topic for which `keep` returns false. */
  retainOnly(keep: (topic: string) => boolean): void {
    for (const topic of [...this.entries.keys()]) if (!keep(topic)) this.delete(topic);
  }

  /** Forgets everything (not counted as drops). */
  clear(): void {
    this.entries.clear();
    this.byteCount = 0;
  }

  private dropOldest(reason: 'maxTopics' | 'maxBytes'): void {
    const oldest = this.entries.keys().next();
    if (oldest.done === true) return;
    this.delete(oldest.value);
    this.drop(oldest.value, reason);
  }

  private drop(topic: string, reason: 'maxTopics' | 'maxBytes'): void {
    this.dropCount++;
    this.onDrop(topic, reason);
  }
}
