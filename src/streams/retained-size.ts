/**
 * What a cached retained message counts against `maxRetainedBytes`: its payload, its topic and its MQTT 5
 * properties, each at about its encoded MQTT size. An approximation of the memory it holds (JavaScript
 * adds object overhead on top), cheap enough to compute on every store.
 *
 * @internal
 */
import type { MessageProperties } from '../connector/types.js';
import type { IncomingPublish } from './port.js';
import { utf8Length } from './topic-filter.js';

/** Bytes of a property holding a number or a flag (identifier byte and value). */
const SCALAR_PROPERTY = 5;
/** Bytes around a string or binary property (identifier byte and 2-byte length). */
const FRAMED_PROPERTY = 3;

/** Payload bytes + topic UTF-8 bytes + the properties' approximate encoded size. */
export function retainedSize(message: IncomingPublish): number {
  const properties = message.properties;
  return (
    message.payload.length +
    utf8Length(message.topic) +
    (properties === undefined ? 0 : propertiesSize(properties))
  );
}

function propertiesSize(properties: MessageProperties): number {
  let size = 0;
  for (const value of Object.values(properties) as unknown[]) {
    if (value === undefined) continue;
    if (typeof value === 'string') size += FRAMED_PROPERTY + utf8Length(value);
    else if (value instanceof Uint8Array) size += FRAMED_PROPERTY + value.length;
    else if (Array.isArray(value)) size += SCALAR_PROPERTY * value.length;
    else if (typeof value === 'object') size += userPropertiesSize(value as Record<string, unknown>);
    else size += SCALAR_PROPERTY;
  }
  return size;
}

/** Each pair: identifier byte, two framed strings. */
function userPropertiesSize(pairs: Record<string, unknown>): number {
  let size = 0;
  for (const [key, value] of Object.entries(pairs)) {
    for (const item of Array.isArray(value) ? (value as unknown[]) : [value]) {
      size += 1 + 2 * (FRAMED_PROPERTY - 1) + utf8Length(key) + utf8Length(String(item));
    }
  }
  return size;
}
