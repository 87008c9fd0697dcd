/**
 * The MQTT.js message stores of a connector, and what survives a close.
 *
 * They are kept for the connector's whole life and handed to every reconnect: MQTT.js swaps in empty
 * stores otherwise, losing every QoS 1/2 message in flight across a drop. (`clean: false` on the store
 * stops Store.close() from nulling them, which would break them for the next reconnect.)
 *
 * When the connector closes (`disconnect()`) or gives up (`failed`), it rejects every publish it has not
 * seen acknowledged with CLOSED. MQTT.js would still send those messages again on the next `connect()`
 * (it re-sends its outgoing store after every CONNACK), delivering a message whose caller was told it
 * failed — and who may well have published it again. So the rejected messages are forgotten:
 * - clean session: both stores start empty (the broker keeps nothing of the session either);
 * - persistent session (`clean: false`): every PUBLISH waiting for its PUBACK / PUBREC is removed. A
 *   PUBREL (QoS 2, the broker already answered PUBREC) is kept: the broker holds that message in the
 *   session, and only the PUBREL frees its packet identifier there; without it the broker would take a
 *   later message that reuses the identifier for a duplicate and drop it. (A QoS 2 PUBLISH that the
 *   broker got but whose PUBREC was lost with the connection cannot be told apart from one that never
 *   arrived: it is removed, and that one identifier may stay in use in the broker's session. MQTT.js
 *   allocates identifiers in sequence, so it comes up again only after 65,535 more.) The incoming
 *   store is kept too, for exactly-once delivery of QoS 2 messages the broker sends us.
 *
 * @internal
 */
import mqtt from 'mqtt';

/** A stored packet, as far as this module looks at it. */
interface StoredPacket {
  readonly cmd: string;
}

/** The stores of one connector. */
export class SessionStores {
  private incomingStore = newStore();
  private outgoingStore = newStore();

  /** @param clean - the connector's `clean` option. */
  constructor(private readonly clean: boolean) {}

  /** The stores to hand to the next `client.reconnect()`. */
  get current(): { incomingStore: mqtt.Store; outgoingStore: mqtt.Store } {
    return { incomingStore: this.incomingStore, outgoingStore: this.outgoingStore };
  }

  /**
   * The connector closed or failed and rejected what it had not seen acknowledged: make sure no later
   * connection sends any of it (see the module comment for what a persistent session keeps).
   */
  forgetRejected(): void {
    if (this.clean) {
      this.incomingStore = newStore();
      this.outgoingStore = newStore();
    } else if (!removePackets(this.outgoingStore, (packet) => packet.cmd === 'publish')) {
      this.outgoingStore = newStore(); // unknown store internals: forget everything rather than re-send
    }
  }
}

function newStore(): mqtt.Store {
  return new mqtt.Store({ clean: false });
}

/**
 * Removes the packets `remove` selects, synchronously. MQTT.js's in-memory Store (5.16, pinned) keeps
 * them in a Map `_inflights`; its public API can only list them through an asynchronous stream. Returns
 * false when the store does not look like that (nothing removed).
 */
export function removePackets(store: mqtt.Store, remove: (packet: StoredPacket) => boolean): boolean {
  const inflights = (store as unknown as { _inflights?: unknown })._inflights;
  if (!(inflights instanceof Map)) return false;
  for (const [messageId, packet] of inflights as Map<unknown, StoredPacket>) {
    if (remove(packet)) inflights.delete(messageId);
  }
  return true;
}
