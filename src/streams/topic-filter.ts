/**
 * Topic filters: validation (MQTT 3.1.1 / 5 §4.7 and §1.5.3), shared-subscription prefixes and named
 * wildcards. A filter is parsed once, when it is subscribed; matching then works on the parsed levels
 * and never splits the filter again.
 *
 * @internal
 */
import { InvalidTopicError } from '../connector/errors.js';

/** Longest topic filter MQTT allows, in UTF-8 bytes. */
export const MAX_TOPIC_BYTES = 65_535;

/** A name of a named wildcard (`+name`, `#name`): letters, digits, `_` and `-`. */
const PARAM_NAME = /^[A-Za-z0-9_-]+$/;

/** The parameter names of a filter without named wildcards (shared). */
const NO_NAMES: readonly (string | undefined)[] = Object.freeze([]);

/** An unpaired UTF-16 surrogate: not encodable as well-formed UTF-8, so not a valid MQTT string. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A topic filter after validation. */
export interface ParsedFilter {
  /** The filter as the caller wrote it. */
  readonly source: string;
  /** What goes into SUBSCRIBE / UNSUBSCRIBE: named wildcards reduced to `+` / `#`, share prefix kept. */
  readonly brokerFilter: string;
  /** What incoming topics are matched against: {@link ParsedFilter.brokerFilter} without `$share/<group>/` or `$queue/`. */
  readonly routeFilter: string;
  /**
   * Per level, the name of a named wildcard at that level, or undefined. Empty when the filter has none.
   * (The levels themselves are not kept: {@link filterLevels} splits them when needed, which is rarely —
   * an array and its strings per live filter would cost more than the split.)
   */
  readonly paramNames: readonly (string | undefined)[];
  /** The shared-subscription group (`$share/<group>/...`), or `'$queue'` for `$queue/...`, or undefined. */
  readonly shareGroup: string | undefined;
}

/**
 * Validates and parses a topic filter.
 *
 * Accepted: MQTT filters (`+` a whole level, `#` a whole last level), `$share/<group>/<filter>` and
 * `$queue/<filter>` (routed as `<filter>`), and named wildcards `+name` / `#name` (mqtt-pattern style),
 * which are sent to the broker as `+` / `#` and fill `message.params`.
 *
 * @param filter - the filter as given by the caller.
 * @returns the parsed filter.
 * @throws {@link InvalidTopicError} (`INVALID_TOPIC`) when the filter is empty, not a string, longer than
 *   65,535 UTF-8 bytes, contains U+0000 or an unpaired surrogate, uses `+` / `#` inside a level, has `#`
 *   before the last level, repeats a parameter name, or has a malformed share prefix.
 * @example
 * ```ts
 * parseFilter('devices/+id/#rest').brokerFilter; // 'devices/+/#'
 * parseFilter('$share/g/a/+').routeFilter;      // 'a/+'
 * ```
 */
export function parseFilter(filter: string): ParsedFilter {
  if (typeof filter !== 'string')
    throw new InvalidTopicError(String(filter), 'a topic filter must be a string');
  checkMqttString(filter, 'topic filter');
  const { shareGroup, prefix, rest } = splitShare(filter);
  const levels = rest.split('/');
  let paramNames: (string | undefined)[] | undefined;
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] as string;
    const name = parseLevel(filter, level, i === levels.length - 1);
    if (name === undefined || name === '') continue;
    // Would set the prototype of message.params instead of a property.
    if (name === '__proto__') throw new InvalidTopicError(filter, 'parameter name "__proto__" is reserved');
    if (paramNames?.includes(name))
      throw new InvalidTopicError(filter, `parameter name "${name}" is used twice`);
    paramNames ??= new Array<string | undefined>(levels.length).fill(undefined);
    paramNames[i] = name;
    levels[i] = level[0] as string; // the broker sees a plain wildcard
  }
  const routeFilter = paramNames === undefined ? rest : levels.join('/');
  return {
    source: filter,
    brokerFilter: prefix + routeFilter,
    routeFilter,
    paramNames: paramNames ?? NO_NAMES,
    shareGroup,
  };
}

/**
 * True when a parsed filter's route filter has a wildcard level (`+` or `#`). Parsing made sure wildcards
 * fill whole levels, so looking for the characters is enough. Without one, a filter matches one topic:
 * its route filter.
 */
export function hasWildcard(filter: ParsedFilter): boolean {
  return filter.routeFilter.includes('+') || filter.routeFilter.includes('#');
}

/** {@link ParsedFilter.routeFilter} split at `/`: literal levels, `+` and a final `#`. */
export function filterLevels(filter: ParsedFilter): string[] {
  return filter.routeFilter.split('/');
}

/**
 * Checks one level; returns undefined for a literal level, `''` for a plain wildcard and the name for a
 * named wildcard.
 */
function parseLevel(filter: string, level: string, last: boolean): string | undefined {
  const first = level.charCodeAt(0);
  if (first === 0x2b /* + */ || first === 0x23 /* # */) {
    const name = level.slice(1);
    if (name !== '' && !PARAM_NAME.test(name)) {
      throw new InvalidTopicError(
        filter,
        `"${level}": a wildcard fills a whole level (a named wildcard is ${level[0]}name with letters, digits, _ or -)`,
      );
    }
    if (first === 0x23 && !last) throw new InvalidTopicError(filter, '"#" must be the last level');
    return name;
  }
  if (level.includes('+') || level.includes('#')) {
    throw new InvalidTopicError(filter, `"${level}": wildcards "+" and "#" must fill a whole level`);
  }
  return undefined;
}

function splitShare(filter: string): { shareGroup: string | undefined; prefix: string; rest: string } {
  if (filter.startsWith('$share/')) {
    const slash = filter.indexOf('/', 7);
    const group = slash === -1 ? filter.slice(7) : filter.slice(7, slash);
    if (group === '')
      throw new InvalidTopicError(filter, '$share needs a group name: $share/<group>/<filter>');
    if (group.includes('+') || group.includes('#')) {
      throw new InvalidTopicError(filter, 'a $share group name cannot contain "+" or "#"');
    }
    const rest = slash === -1 ? '' : filter.slice(slash + 1);
    if (rest === '')
      throw new InvalidTopicError(filter, '$share needs a filter after the group: $share/<group>/<filter>');
    return { shareGroup: group, prefix: filter.slice(0, slash + 1), rest };
  }
  if (filter.startsWith('$queue/')) {
    const rest = filter.slice(7);
    if (rest === '') throw new InvalidTopicError(filter, '$queue needs a filter: $queue/<filter>');
    return { shareGroup: '$queue', prefix: '$queue/', rest };
  }
  return { shareGroup: undefined, prefix: '', rest: filter };
}

/**
 * Checks what MQTT requires of every UTF-8 string used as a topic or filter: non-empty, no U+0000, well
 * formed, at most 65,535 bytes.
 *
 * @throws {@link InvalidTopicError} otherwise.
 */
export function checkMqttString(value: string, what: string): void {
  if (value.length === 0) throw new InvalidTopicError(value, `a ${what} cannot be empty`);
  if (value.includes('\u0000')) throw new InvalidTopicError(value, `a ${what} cannot contain U+0000 (NUL)`);
  if (LONE_SURROGATE.test(value))
    throw new InvalidTopicError(value, `a ${what} must be well-formed UTF-16 (lone surrogate)`);
  // Every UTF-16 code unit is at most 3 UTF-8 bytes: only long strings need counting.
  if (value.length * 3 > MAX_TOPIC_BYTES) {
    const bytes = utf8Length(value);
    if (bytes > MAX_TOPIC_BYTES) {
      throw new InvalidTopicError(
        value,
        `a ${what} is at most ${MAX_TOPIC_BYTES} UTF-8 bytes (this one: ${bytes})`,
      );
    }
  }
}

/** UTF-8 length of a well-formed string, without encoding it. */
export function utf8Length(value: string): number {
  let bytes = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4; // a surrogate pair: one 4-byte sequence
      i++;
    } else bytes += 3;
  }
  return bytes;
}
