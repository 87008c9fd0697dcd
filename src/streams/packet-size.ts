/**
 * Size of an outgoing PUBLISH packet, to refuse at the call what the broker (MQTT 5 Maximum Packet Size)
 * or the protocol (Remaining Length ≤ 268,435,455) cannot take, instead of failing later on the wire.
 *
 * @internal
 */
import type { MessageProperties, QoS } from '../connector/types.js';
import { utf8Length } from './topic-name.js';

/** Largest Remaining Length MQTT can encode (four-byte variable byte integer). */
export const MAX_REMAINING_LENGTH = 268_435_455;

/** Bytes of a variable byte integer holding `value`. */
export function varIntLength(value: number): number {
  if (value < 128) return 1;
  if (value < 16_384) return 2;
  if (value < 2_097_152) return 3;
  return 4;
}

/** Bytes the MQTT 5 properties of a PUBLISH take (without their own length prefix). */
export function propertiesLength(properties: MessageProperties): number {
  let length = 0;
  if (properties.payloadFormatIndicator !== undefined) length += 2;
  if (properties.messageExpiryInterval !== undefined) length += 5;
  if (properties.topicAlias !== undefined) length += 3;
  if (properties.contentType !== undefined) length += 3 + utf8Length(properties.contentType);
  if (properties.responseTopic !== undefined) length += 3 + utf8Length(properties.responseTopic);
  if (properties.correlationData !== undefined) length += 3 + properties.correlationData.byteLength;
  const user = properties.userProperties;
  if (user !== undefined) {
    for (const key of Object.keys(user)) {
      const value = user[key];
      const values = Array.isArray(value) ? value : [value];
      for (const item of values) length += 5 + utf8Length(key) + utf8Length(String(item));
    }
  }
  return length;
}

/**
 * Remaining Length of a PUBLISH packet (everything after the fixed header). Positional arguments: this
 * runs once per publish, so it allocates nothing.
 *
 * @param properties - MQTT 5 properties; `undefined` on MQTT 3.1.1 (no properties field at all).
 */
export function remainingLength(
  topicBytes: number,
  payloadBytes: number,
  qos: QoS,
  properties: MessageProperties | undefined,
  protocolVersion: 4 | 5,
): number {
  const propertyBytes = protocolVersion === 5 ? (properties ? propertiesLength(properties) : 0) : undefined;
  return remainingLengthWith(topicBytes, payloadBytes, qos, propertyBytes);
}

/**
 * The same, from the length of the property list's content as the caller measured it: `undefined` on
 * MQTT 3.1.1 (no properties field at all), 0 for an empty list on MQTT 5.
 */
export function remainingLengthWith(
  topicBytes: number,
  payloadBytes: number,
  qos: QoS,
  propertyBytes: number | undefined,
): number {
  const length = 2 + topicBytes + (qos > 0 ? 2 : 0) + payloadBytes;
  return propertyBytes === undefined ? length : length + varIntLength(propertyBytes) + propertyBytes;
}

/** Total packet size: fixed header byte + Remaining Length field + Remaining Length. */
export function packetSize(remaining: number): number {
  return 1 + varIntLength(remaining) + remaining;
}
