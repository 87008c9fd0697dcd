/**
 * Validation of topic *names* (what a PUBLISH is sent to), MQTT 3.1.1 §4.7 / MQTT 5 §4.7 and §1.5.4:
 * not empty, no wildcard characters `+` or `#`, no U+0000, well-formed UTF-16 (a lone surrogate cannot
 * be encoded as UTF-8 and would silently become U+FFFD), at most 65,535 bytes of UTF-8.
 *
 * @internal
 */
import { InvalidTopicError } from '../connector/errors.js';

/** Longest UTF-8 encoded string MQTT can carry (two-byte length prefix). */
export const MAX_UTF8_STRING_BYTES = 65_535;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `text` has no lone surrogate, i.e. it encodes to UTF-8 without loss. */
export function isWellFormed(text: string): boolean {
  const native = (text as { isWellFormed?: () => boolean }).isWellFormed;
  return native ? native.call(text) : !LONE_SURROGATE.test(text);
}

/** Number of bytes `text` takes in UTF-8 (for well-formed text), without allocating. */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 2; // surrogate pair: 2 UTF-16 units, 4 bytes
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/** Why `topic` is not a valid topic name, or `undefined` when it is. */
export function topicNameProblem(topic: unknown): string | undefined {
  if (typeof topic !== 'string')
    return `a topic must be a string, not ${topic === null ? 'null' : typeof topic}`;
  if (topic.length === 0) return 'a topic must not be empty';
  if (topic.includes('+') || topic.includes('#')) {
    return 'wildcards (+ and #) are only allowed in subscription filters, not in topics you publish to';
  }
  if (topic.includes('\u0000')) return 'a topic must not contain the null character U+0000';
  if (!isWellFormed(topic)) return 'a topic must be well-formed Unicode (it contains a lone surrogate)';
  const bytes = utf8Length(topic);
  if (bytes > MAX_UTF8_STRING_BYTES)
    return `a topic must be at most 65,535 bytes of UTF-8 (this one has ${bytes})`;
  return undefined;
}

let lastValid = '';
let lastValidBytes = 0;

/**
 * Checks a topic name and returns its UTF-8 length in bytes.
 *
 * @throws InvalidTopicError when the topic is not a valid topic name (the message says why).
 */
export function validateTopicName(topic: unknown): number {
  // Publishers usually repeat a topic: skip the scan when it is the one validated last.
  if (topic === lastValid && lastValid !== '') return lastValidBytes;
  const problem = topicNameProblem(topic);
  if (problem !== undefined)
    throw new InvalidTopicError(typeof topic === 'string' ? topic : `(${typeof topic})`, problem);
  lastValid = topic as string;
  lastValidBytes = utf8Length(lastValid);
  return lastValidBytes;
}
