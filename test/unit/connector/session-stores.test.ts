/**
 * What the MQTT.js stores keep when the connector closes or fails: nothing for a clean session; for a
 * persistent one, the PUBRELs (QoS 2 messages the broker already has) but no PUBLISH it rejected.
 */
import mqtt, { type Packet } from 'mqtt';
import { SessionStores, removePackets } from '../../../src/connector/session-stores';

const publish = (messageId: number, qos: 1 | 2): Packet =>
  ({ cmd: 'publish', messageId, qos, topic: 't', payload: 'x', retain: false, dup: false }) as Packet;
const pubrel = (messageId: number): Packet => ({ cmd: 'pubrel', messageId }) as Packet;

/** The message ids and commands a store holds, read through its public API. */
function contents(store: mqtt.Store, ids: number[]): string[] {
  const found: string[] = [];
  for (const messageId of ids) {
    store.get({ messageId }, (error, packet) => {
      if (!error && packet) found.push(`${messageId}:${packet.cmd}`);
    });
  }
  return found;
}

function fill(stores: SessionStores): void {
  const { outgoingStore, incomingStore } = stores.current;
  for (const packet of [publish(1, 1), publish(2, 2), pubrel(3)]) outgoingStore.put(packet, () => undefined);
  incomingStore.put(publish(7, 2), () => undefined);
}

describe('SessionStores', () => {
  it('keeps the same stores across reconnects until the connector closes', () => {
    const stores = new SessionStores(true);
    const first = stores.current;
    fill(stores);
    expect(stores.current.outgoingStore).toBe(first.outgoingStore);
    expect(contents(stores.current.outgoingStore, [1, 2, 3])).toEqual(['1:publish', '2:publish', '3:pubrel']);
  });

  it('clean session: forgets everything, in and out', () => {
    const stores = new SessionStores(true);
    fill(stores);
    stores.forgetRejected();
    expect(contents(stores.current.outgoingStore, [1, 2, 3])).toEqual([]);
    expect(contents(stores.current.incomingStore, [7])).toEqual([]);
  });

  it('persistent session: drops the rejected PUBLISHes, keeps the PUBRELs and the incoming store', () => {
    const stores = new SessionStores(false);
    fill(stores);
    stores.forgetRejected();
    expect(contents(stores.current.outgoingStore, [1, 2, 3])).toEqual(['3:pubrel']);
    expect(contents(stores.current.incomingStore, [7])).toEqual(['7:publish']);
  });

  it('removePackets relies on the Store internals of MQTT.js 5.16 and reports when they are not there', () => {
    const store = new mqtt.Store({ clean: false });
    store.put(publish(1, 1), () => undefined);
    expect(removePackets(store, () => true)).toBe(true);
    expect(contents(store, [1])).toEqual([]);
    const foreign = { get: () => undefined } as unknown as mqtt.Store;
    expect(removePackets(foreign, () => true)).toBe(false);
  });
});
