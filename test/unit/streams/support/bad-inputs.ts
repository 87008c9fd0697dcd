/**
 * The bad-input table of invariant 5: each row is refused at the call with its typed error. Shared by
 * the pipeline unit tests and the public-API integration tests.
 */

const circular: Record<string, unknown> = { name: 'loop' };
circular.self = circular;

/** [description, topic, message, options, expected code] */
export const BAD_INPUTS: readonly [string, unknown, unknown, unknown, string][] = [
  ['empty topic', '', 'x', undefined, 'INVALID_TOPIC'],
  ['+ in topic', 'a/+/b', 'x', undefined, 'INVALID_TOPIC'],
  ['# in topic', 'a/#', 'x', undefined, 'INVALID_TOPIC'],
  ['NUL in topic', 'a\u0000b', 'x', undefined, 'INVALID_TOPIC'],
  ['topic over 65,535 UTF-8 bytes', 'é'.repeat(32_768), 'x', undefined, 'INVALID_TOPIC'],
  ['lone surrogate in topic', 'a\uD800b', 'x', undefined, 'INVALID_TOPIC'],
  ['topic not a string', 42, 'x', undefined, 'INVALID_TOPIC'],
  ['QoS 3', 't', 'x', { qos: 3 }, 'INVALID_QOS'],
  ['QoS -1', 't', 'x', { qos: -1 }, 'INVALID_QOS'],
  ['QoS "1"', 't', 'x', { qos: '1' }, 'INVALID_QOS'],
  ['QoS 1.5', 't', 'x', { qos: 1.5 }, 'INVALID_QOS'],
  ['retain "yes"', 't', 'x', { retain: 'yes' }, 'INVALID_ARGUMENT'],
  ['retain 1', 't', 'x', { retain: 1 }, 'INVALID_ARGUMENT'],
  ['options a string', 't', 'x', 'qos1', 'INVALID_ARGUMENT'],
  ['options null', 't', 'x', null, 'INVALID_ARGUMENT'],
  ['options an array', 't', 'x', [1], 'INVALID_ARGUMENT'],
  ['negative timeout', 't', 'x', { timeout: -5 }, 'INVALID_ARGUMENT'],
  ['unknown property', 't', 'x', { properties: { contentTyp: 'x' } }, 'INVALID_ARGUMENT'],
  [
    'subscriptionIdentifier property',
    't',
    'x',
    { properties: { subscriptionIdentifier: 1 } },
    'INVALID_ARGUMENT',
  ],
  ['responseTopic with wildcard', 't', 'x', { properties: { responseTopic: 'r/#' } }, 'INVALID_ARGUMENT'],
  ['userProperties number', 't', 'x', { properties: { userProperties: { a: 1 } } }, 'INVALID_ARGUMENT'],
  // UTF-8 cannot carry a lone surrogate: sent, it would silently become U+FFFD.
  ['lone surrogate in contentType', 't', 'x', { properties: { contentType: 'a\uD800' } }, 'INVALID_ARGUMENT'],
  [
    'lone surrogate in a user property',
    't',
    'x',
    { properties: { userProperties: { unit: ['ok', '\uDC00'] } } },
    'INVALID_ARGUMENT',
  ],
  [
    'lone surrogate in a user property key',
    't',
    'x',
    { properties: { userProperties: { '\uD800k': 'v' } } },
    'INVALID_ARGUMENT',
  ],
  ['circular message', 't', circular, undefined, 'ENCODE_FAILED'],
  ['BigInt message', 't', 10n, undefined, 'ENCODE_FAILED'],
  ['function message', 't', () => 1, undefined, 'ENCODE_FAILED'],
  ['symbol message', 't', Symbol('s'), undefined, 'ENCODE_FAILED'],
  ['undefined message', 't', undefined, undefined, 'ENCODE_FAILED'],
  ['NaN nested', 't', { a: Number.NaN }, undefined, 'ENCODE_FAILED'],
  ['Map message', 't', new Map([[1, 2]]), undefined, 'ENCODE_FAILED'],
  ['lone surrogate in string message', 't', 'x\uDC00', undefined, 'ENCODE_FAILED'],
];
