import type { MqttMessage } from '../../../src/connector/types';

/** A message as the connector would emit it; `payload` defaults to the text of `raw`. */
export function message(
  topic: string,
  text: string,
  extra: Partial<MqttMessage<unknown>> = {},
): MqttMessage<unknown> {
  return {
    topic,
    payload: text,
    raw: new TextEncoder().encode(text),
    qos: 0,
    retain: false,
    dup: false,
    params: {},
    properties: undefined,
    ...extra,
  };
}
