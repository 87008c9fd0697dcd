/**
 * Conversions between MQTT.js packets and the connector's types: bytes as Uint8Array views
 * (never copies), MQTT 5 properties passed through.
 *
 * @internal
 */
import type { IPublishPacket } from 'mqtt';
import type { IncomingPublish } from '../streams/port.js';
import type { MessageProperties, QoS } from './types.js';

/**
 * An incoming PUBLISH as the data paths see it, on `topic`: the topic name MQTT.js resolved, which on MQTT 5
 * differs from the packet's when the broker sent the PUBLISH with a Topic Alias and an empty topic name.
 *
 * Every message gets the same fields (`properties` undefined on MQTT 3.1.1), so the dispatcher's reads see
 * one object shape.
 */
export function toIncomingPublish(topic: string, packet: IPublishPacket): IncomingPublish {
  const payload = packet.payload;
  const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : plainView(payload);
  return {
    topic,
    payload: bytes,
    qos: packet.qos as QoS,
    retain: packet.retain === true,
    dup: packet.dup === true,
    properties: packet.properties === undefined ? undefined : toMessageProperties(packet.properties),
  };
}

/**
 * The PUBLISH's MQTT 5 properties as the connector hands them out: the parser's own object (made for this
 * packet alone), or, when it carries correlation data, a copy with that as a Uint8Array view.
 *
 * Why not always a copy: on MQTT 5 every message the connector receives has properties (at least the
 * Subscription Identifier of its subscription), and copying them with a rest pattern and two spreads was most
 * of what MQTT 5 added to the connector's own work per received message (bench scenario 8, bench/ANALYSIS.md).
 */
function toMessageProperties(properties: NonNullable<IPublishPacket['properties']>): MessageProperties {
  const correlationData = properties.correlationData;
  if (correlationData === undefined) return properties as MessageProperties;
  return { ...(properties as MessageProperties), correlationData: plainView(correlationData) };
}

/** A plain Uint8Array over the same memory as `bytes` (a Buffer from MQTT.js): no copy. */
function plainView(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** MQTT 5 properties for an outgoing PUBLISH, in the form MQTT.js expects. */
export function toOutgoingProperties(
  properties: MessageProperties | undefined,
): NonNullable<IPublishPacket['properties']> | undefined {
  if (!properties) return undefined;
  // MQTT.js writes any Uint8Array as bytes; its types name Buffer.
  return properties as unknown as NonNullable<IPublishPacket['properties']>;
}
