/**
 * Chooses the MQTT 5 Subscription Identifier of each broker filter (at its first SUBSCRIBE on a connection
 * that uses identifiers), so that SUBSCRIBEs carry many filters (an identifier belongs to a whole packet)
 * while every copy of a message still reaches exactly the filters it was sent for.
 *
 * The dispatcher hands a copy to the live filters that hold one of its identifiers and match its topic.
 * So filters that share an identifier must never match one topic together:
 * - exact filters (no wildcard, no share group) share one identifier, the constant
 *   {@link EXACT_FILTERS_ID} (one byte on the wire): each matches only itself;
 * - a wildcard filter joins the first group of wildcard filters that it overlaps none of, else it starts a
 *   group (`a/+/x` and `b/#` can share; `a/+` and `a/b/#` cannot: both match `a/b`);
 * - a `$share/<group>/F` or `$queue/F` filter keeps one of its own: it routes like `F`.
 *
 * A wildcard group's identifier is held while a filter holding it is live, and goes back to
 * {@link SubscriptionIds} with the last one, like any filter's own.
 *
 * With one identifier per filter, 10,000 filters of the bench's workload went in 10,000 SUBSCRIBEs and
 * took 0.67-0.84 s to subscribe on Mosquitto, against about 0.2 s on MQTT 3.1.1 (100 filters per packet).
 * With the groups they go in 102 SUBSCRIBEs and take 0.23 s (bench scenario 9 has both protocols).
 *
 * @internal
 */
import type { Route } from './filter-entry.js';
import { FIRST_COUNTED_ID, type SubscriptionIds } from './subscription-ids.js';
import { filterLevels, hasWildcard, type ParsedFilter } from './topic-filter.js';
import type { TopicTrie } from './topic-trie.js';

/**
 * The identifier every exact filter holds, below the counter's range. An identifier below 128 is one byte
 * on the wire, and mqtt-packet reads a property a byte at a time, slicing a Buffer for each: a counter's
 * four-byte one cost three more slices per received message. A constant is safe where a counter's value
 * would not be: a copy carrying it reaches only the live exact filter equal to its topic, and a stored
 * session's exact subscription on that topic was replaced by that filter's own SUBSCRIBE. (A stored
 * wildcard subscription's identifier, reused, would route its copies to a live filter: hence the counter's
 * random start for the others.)
 */
export const EXACT_FILTERS_ID = FIRST_COUNTED_ID - 1;

/** Groups of wildcard filters tried, oldest first, before a new one starts its own. */
const GROUPS_TRIED = 16;

/**
 * Trie nodes read to find the filters a new wildcard filter overlaps; beyond it (a `#` over a large
 * subtree), the filter starts its own group rather than read on.
 */
const OVERLAP_BUDGET = 512;

/** See the module documentation. */
export class IdentifierGroups {
  /** Live filters per wildcard group's identifier, oldest first. */
  private readonly members = new Map<number, number>();

  /**
   * @param ids - where identifiers come from (and go back to).
   * @param trie - the routes of the live filters, by route filter.
   */
  constructor(
    private readonly ids: SubscriptionIds,
    private readonly trie: TopicTrie<Route>,
  ) {}

  /**
   * The identifier of a broker filter that has none yet (its entry's routes may be in the trie already,
   * with identifier 0, which no group has).
   */
  take(filter: ParsedFilter): number {
    if (filter.shareGroup !== undefined) return this.ids.take();
    if (!hasWildcard(filter)) return EXACT_FILTERS_ID;
    const id = this.groupFor(filter) ?? this.ids.take();
    this.members.set(id, (this.members.get(id) ?? 0) + 1);
    return id;
  }

  /** A broker filter holding `id` was removed. */
  release(id: number): void {
    if (id === EXACT_FILTERS_ID) return;
    const members = this.members.get(id) ?? 0;
    if (members > 1) return void this.members.set(id, members - 1);
    this.members.delete(id);
    this.ids.release(id);
  }

  /** The first of the oldest wildcard groups that holds no filter overlapping `filter`, if any. */
  private groupFor(filter: ParsedFilter): number | undefined {
    if (this.members.size === 0) return undefined;
    const overlapping: Route[] = [];
    if (!this.trie.overlapping(filterLevels(filter), overlapping, OVERLAP_BUDGET)) return undefined;
    const taken = new Set<number>();
    for (const route of overlapping) taken.add(route.entry.id);
    let tried = 0;
    for (const id of this.members.keys()) {
      if (!taken.has(id)) return id;
      if (++tried === GROUPS_TRIED) break;
    }
    return undefined;
  }
}
