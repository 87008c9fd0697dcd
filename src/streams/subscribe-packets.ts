/**
 * How a flush's SUBSCRIBE requests are cut into packets.
 *
 * @internal
 */
import { chunks } from './arrays.js';
import type { FilterEntry } from './filter-entry.js';

/**
 * The SUBSCRIBE packets for `entries`, at most `size` filters each, each in the order of the entries. With
 * Subscription Identifiers a packet carries one identifier for all of its filters, so a packet holds only
 * entries with the same identifier: the exact filters' shared one, or a group's of wildcard filters
 * (`IdentifierGroups`); a shared filter goes alone.
 *
 * @example
 * ```ts
 * subscribePackets(entries, 100, false); // [[e1 … e100], [e101 …]]
 * subscribePackets([exact1, wildcard, exact2], 100, true); // [[exact1, exact2], [wildcard]]
 * ```
 */
export function subscribePackets(
  entries: readonly FilterEntry[],
  size: number,
  identifiers: boolean,
): FilterEntry[][] {
  if (!identifiers) return chunks(entries, size);
  const byId = new Map<number, FilterEntry[]>();
  for (const entry of entries) {
    const group = byId.get(entry.id);
    if (group === undefined) byId.set(entry.id, [entry]);
    else group.push(entry);
  }
  const packets: FilterEntry[][] = [];
  for (const group of byId.values()) packets.push(...chunks(group, size));
  return packets;
}
