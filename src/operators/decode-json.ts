import type { OperatorFunction } from 'rxjs';
import type { MqttMessage } from '../connector/types.js';
import { decodeJsonPayload } from '../streams/decode.js';
import { decodeOperator, type DecodeOperatorOptions } from '../streams/decode-operator.js';

/**
 * Parses each message's raw bytes (`message.raw`, UTF-8) as JSON into `payload`, whatever the stream's
 * own decoding was: pipe it after `messages$`, `unmatched$` or a subscription decoded as `'string'` or
 * `'binary'`. The result is typed `T` as you assert it; use {@link decodeWith} to check it.
 *
 * - Emits: each message whose bytes are valid UTF-8 JSON, with `payload` replaced by the parsed value
 *   (a new message object; `raw`, `topic`, `params` and the rest unchanged).
 * - Skips: a message that is not JSON, handing a `DECODE_FAILED` {@link DecodeError} (topic, raw bytes)
 *   to `options.onError`. A bad payload never errors the stream.
 * - Errors / completes: when the source does.
 *
 * @typeParam T - the type you expect the JSON to have (not checked).
 * @param options - `onError` receives the decode errors of skipped messages.
 * @returns an operator from messages with any payload to messages with the parsed JSON.
 * @example
 * ```ts
 * import { decodeJson } from 'mqtt-connector/operators';
 *
 * connector.unmatched$
 *   .pipe(decodeJson<{ level: number }>({ onError: (error) => console.warn(error.message) }))
 *   .subscribe((message) => console.log(message.topic, message.payload.level));
 * ```
 */
export function decodeJson<T = unknown>(
  options?: DecodeOperatorOptions,
): OperatorFunction<MqttMessage<unknown>, MqttMessage<T>> {
  return decodeOperator<T>((message) => decodeJsonPayload(message.raw, message.topic), options);
}
