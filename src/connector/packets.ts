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
 */
export function toIncomingPublish(topic: string, packet: IPublishPacket): IncomingPublish {
  const payload = packet.payload;
  const bytes =
    typeof payload === 'string'
      ? new TextEncoder().encode(payload)
      : new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  const incoming: IncomingPublish = {
    topic,
    payload: bytes,
    qos: packet.qos as QoS,
    retain: packet.retain === true,
    dup: packet.dup === true,
  };
  return packet.properties ? { ...incoming, properties: toMessageProperties(packet.properties) } : incoming;
}

function toMessageProperties(properties: NonNullable<IPublishPacket['properties']>): MessageProperties {
  const { correlationData, ...rest } = properties;
  const result: MessageProperties = { ...(rest as Omit<MessageProperties, 'correlationData'>) };
  if (correlationData) {
    result.correlationData = new Uint8Array(
      correlationData.buffer,
      correlationData.byteOffset,
      correlationData.byteLength,
    );
  }
  return result;
}

/** MQTT 5 properties for an outgoing PUBLISH, in the form MQTT.js expects. */
export function toOutgoingProperties(
  properties: MessageProperties | undefined,
): NonNullable<IPublishPacket['properties']> | undefined {
  if (!properties) return undefined;
  // MQTT.js writes any Uint8Array as bytes; its types name Buffer.
  return properties as unknown as NonNullable<IPublishPacket['properties']>;
}
