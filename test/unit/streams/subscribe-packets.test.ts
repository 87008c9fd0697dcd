/**
 * How a flush's SUBSCRIBE requests are cut into packets: `subscribeBatchSize` filters each, and with
 * MQTT 5 Subscription Identifiers only filters holding the same identifier in one packet.
 */
import { FilterEntry } from '../../../src/streams/filter-entry';
import { subscribePackets } from '../../../src/streams/subscribe-packets';
import { resolveSettings } from '../../../src/streams/subscription-settings';
import { parseFilter } from '../../../src/streams/topic-filter';

const entry = (filter: string, id: number) => {
  const made = new FilterEntry(filter, resolveSettings(parseFilter(filter), undefined, 0));
  made.id = id;
  return made;
};
const filters = (packets: FilterEntry[][]) => packets.map((packet) => packet.map((e) => e.filter));

describe('subscribePackets', () => {
  const entries = [
    entry('a', 7),
    entry('a/+', 8),
    entry('b', 7),
    entry('c', 7),
    entry('#', 9),
    entry('d', 7),
  ];

  it('without identifiers: consecutive chunks of the batch size', () => {
    expect(filters(subscribePackets(entries, 4, false))).toEqual([
      ['a', 'a/+', 'b', 'c'],
      ['#', 'd'],
    ]);
  });

  it('with identifiers: one identifier per packet, each packet in the order of the entries', () => {
    expect(filters(subscribePackets(entries, 3, true))).toEqual([['a', 'b', 'c'], ['d'], ['a/+'], ['#']]);
    expect(filters(subscribePackets(entries, 100, true))).toEqual([['a', 'b', 'c', 'd'], ['a/+'], ['#']]);
    expect(filters(subscribePackets(entries, 1, true))).toEqual([['a'], ['b'], ['c'], ['d'], ['a/+'], ['#']]);
  });

  it('nothing to send: no packets', () => {
    expect(subscribePackets([], 100, true)).toEqual([]);
    expect(subscribePackets([], 100, false)).toEqual([]);
  });
});
