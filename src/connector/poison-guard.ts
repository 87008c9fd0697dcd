/**
 * Some brokers answer a PUBLISH they cannot take by closing the connection, without a reason on MQTT
 * 3.1.1: nats-server for any QoS 2 PUBLISH, mosquitto for a packet over its `max_packet_size`. MQTT.js
 * keeps QoS 1/2 messages in its store and re-sends them first after every CONNACK, so one such message
 * would close every new connection for good and block everything behind it. This guard gives a message up
 * (its publish rejects with `PUBLISH_FAILED`) once the connection closed right after it was (re)sent,
 * with nothing received from the broker in between, on `limit` connections.
 *
 * @internal
 */
import type { MqttClient, Packet } from 'mqtt';

/** How the guard decides. */
export interface PoisonGuardOptions {
  /** Connections closed right after the message before it is given up. */
  readonly limit: number;
  /** How soon after the send a close counts, in ms. */
  readonly windowMs: number;
  /** Clock in ms. */
  readonly now: () => number;
}

const ACKS = new Set(['puback', 'pubrec', 'pubcomp']);

export function guardAgainstPoisonMessages(client: MqttClient, options: PoisonGuardOptions): void {
  const { limit, windowMs, now } = options;
  /** QoS 1/2 messages sent since the broker last said anything, with when. */
  let unanswered: { readonly id: number; readonly at: number }[] = [];
  const strikes = new Map<number, number>();

  client.on('packetsend', (packet: Packet) => {
    if (packet.cmd === 'publish' && packet.qos > 0 && packet.messageId !== undefined) {
      unanswered.push({ id: packet.messageId, at: now() });
    }
  });
  // Runs for every packet received: allocates nothing unless something was sent or struck meanwhile.
  client.on('packetreceive', (packet: Packet) => {
    if (unanswered.length > 0) unanswered = [];
    if (strikes.size === 0) return;
    const id = (packet as { messageId?: number }).messageId;
    if (ACKS.has(packet.cmd) && id !== undefined) strikes.delete(id);
  });
  client.on('close', () => {
    const closedAt = now();
    for (const { id, at } of unanswered) {
      if (closedAt - at > windowMs) continue;
      const count = (strikes.get(id) ?? 0) + 1;
      if (count < limit) {
        strikes.set(id, count);
        continue;
      }
      strikes.delete(id);
      client.removeOutgoingMessage(id); // its callback fails with 'Message removed' (see failures.ts)
    }
    unanswered = [];
  });
}
