import { filter, map, pipe, type MonoTypeOperatorFunction } from 'rxjs';
import type { MqttMessage } from '../connector/types.js';
import { merged } from '../streams/own-property.js';
import { filterLevels, parseFilter } from '../streams/topic-filter.js';
import { matchesTopic, NO_PARAMS, paramsOf } from '../streams/topic-match.js';

/**
 * Lets through the messages whose topic matches an MQTT topic filter, exactly as a broker would (`+` one
 * level, also an empty one; `#` the rest including the parent level; wildcard-first filters never match
 * `$`-topics; `$share/<group>/<filter>` matches as `<filter>`), and fills `params` from named wildcards
 * (`+name`, `#name`), merged over the message's own params.
 *
 * - Emits: each matching message — as is when the filter has no named wildcards, else a copy with the
 *   merged `params`.
 * - Errors / completes: when the source does.
 *
 * @param topicFilter - the filter; validated at the call.
 * @throws {@link InvalidTopicError} (`INVALID_TOPIC`) at the call for an invalid filter.
 * @returns an operator on messages.
 * @example
 * ```ts
 * import { matchTopic } from 'mqtt-connector/operators';
 *
 * connector.messages$
 *   .pipe(matchTopic('devices/+id/#rest'))
 *   .subscribe((message) => console.log(message.params.id, message.params.rest));
 * ```
 */
export function matchTopic<T>(topicFilter: string): MonoTypeOperatorFunction<MqttMessage<T>> {
  const parsed = parseFilter(topicFilter);
  const levels = filterLevels(parsed);
  const named = parsed.paramNames.length > 0;
  return pipe(
    map((message: MqttMessage<T>) => {
      if (!matchesTopic(levels, message.topic)) return undefined;
      if (!named) return message;
      const params = paramsOf(parsed, message.topic, message.topic.split('/'));
      return { ...message, params: message.params === NO_PARAMS ? params : merged(message.params, params) };
    }),
    filter((message): message is MqttMessage<T> => message !== undefined),
  );
}
