/**
 * Checks the MQTT 5 properties a caller gives to `publish()`: known names only, each with the type and
 * range MQTT 5 §3.3.2.3 allows, so a typo or a wrong type is a clear error at the call rather than a
 * failed write or a broker disconnect later.
 *
 * @internal
 */
import { InvalidArgumentError } from '../connector/errors.js';
import type { MessageProperties } from '../connector/types.js';
import { setOwnProperty } from './own-property.js';
import { isWellFormed, MAX_UTF8_STRING_BYTES, topicNameProblem, utf8Length } from './topic-name.js';

const MAX_FOUR_BYTE_INTEGER = 4_294_967_295;

type Check = (value: unknown, into: MessageProperties) => void;

const CHECKS: Readonly<Record<string, Check>> = {
  payloadFormatIndicator(value, into) {
    if (typeof value !== 'boolean') fail('payloadFormatIndicator must be a boolean');
    into.payloadFormatIndicator = value;
  },
  messageExpiryInterval(value, into) {
    if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > MAX_FOUR_BYTE_INTEGER) {
      fail('messageExpiryInterval must be a whole number of seconds from 0 to 4,294,967,295');
    }
    into.messageExpiryInterval = value as number;
  },
  contentType(value, into) {
    into.contentType = checkString('contentType', value);
  },
  responseTopic(value, into) {
    const problem = topicNameProblem(value);
    if (problem !== undefined) fail(`responseTopic is not a valid topic name: ${problem}`);
    into.responseTopic = value as string;
  },
  correlationData(value, into) {
    if (!(value instanceof Uint8Array)) fail('correlationData must be a Uint8Array');
    if (value.byteLength > MAX_UTF8_STRING_BYTES) fail('correlationData must be at most 65,535 bytes');
    into.correlationData = value;
  },
  userProperties(value, into) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      fail('userProperties must be an object of string (or string[]) values');
    }
    const pairs: Record<string, string | string[]> = {};
    let count = 0;
    for (const [key, item] of Object.entries(value)) {
      checkString(`userProperties key ${JSON.stringify(key)}`, key);
      const items: unknown[] = Array.isArray(item) ? item : [item];
      for (const entry of items) checkString(`userProperties[${JSON.stringify(key)}]`, entry);
      if (items.length === 0) continue;
      setOwnProperty(pairs, key, item as string | string[]);
      count += items.length;
    }
    // MQTT.js's packet writer silently skips a whole PUBLISH whose userProperties hold no pair at all.
    if (count > 0) into.userProperties = pairs;
  },
  topicAlias(value, into) {
    if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 65_535) {
      fail('topicAlias must be a whole number from 1 to 65,535');
    }
    into.topicAlias = value as number;
  },
  subscriptionIdentifier() {
    fail('subscriptionIdentifier cannot be sent by a client (only brokers add it to PUBLISH packets)');
  },
};

/**
 * Validates publish properties and returns a copy without `undefined` entries.
 *
 * @throws InvalidArgumentError naming the offending property.
 */
export function validateProperties(properties: unknown): MessageProperties {
  if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) {
    fail('properties must be an object');
  }
  const checked: MessageProperties = {};
  for (const [name, value] of Object.entries(properties)) {
    if (value === undefined) continue;
    const check = Object.hasOwn(CHECKS, name) ? CHECKS[name] : undefined;
    if (check === undefined) {
      fail(`unknown publish property ${JSON.stringify(name)} (known: ${Object.keys(CHECKS).join(', ')})`);
    }
    check(value, checked);
  }
  return checked;
}

function checkString(name: string, value: unknown): string {
  if (typeof value !== 'string') fail(`${name} must be a string`);
  // UTF-8 cannot carry a lone surrogate: sent, it would silently become U+FFFD (and be measured wrong).
  if (!isWellFormed(value)) fail(`${name} must be well-formed UTF-16 (it has a lone surrogate)`);
  if (utf8Length(value) > MAX_UTF8_STRING_BYTES) fail(`${name} must be at most 65,535 bytes of UTF-8`);
  return value;
}

function fail(message: string): never {
  throw new InvalidArgumentError(`Invalid publish properties: ${message}`);
}
