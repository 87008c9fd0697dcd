import type { OperatorFunction } from 'rxjs';
import type { MqttMessage } from '../connector/types.js';
import { validateWith } from '../streams/decode.js';
import { decodeOperator, type DecodeOperatorOptions } from '../streams/decode-operator.js';
import type { StandardSchemaV1 } from '../streams/standard-schema.js';

/**
 * Validates (and transforms) each message's `payload` with a Standard Schema — zod 4, valibot, arktype
 * or any other implementation — and types it as the schema's output. It checks the payload as it is:
 * pipe it after a JSON decoding (`'auto'`, `'json'` or {@link decodeJson}).
 *
 * - Emits: each message the schema accepts, with `payload` replaced by the schema's output (a new
 *   message object). Asynchronous schemas are awaited and messages keep their arrival order.
 * - Skips: a message the schema refuses, handing a `DECODE_FAILED` {@link DecodeError} carrying the
 *   schema's `issues` (and the topic and raw bytes) to `options.onError`. The stream goes on.
 * - Errors / completes: when the source does (completion waits for pending asynchronous validations).
 *
 * @param schema - any Standard Schema v1 object.
 * @param options - `onError` receives the errors of skipped messages; `maxPending` bounds the messages
 *   waiting behind an asynchronous validation (default 1000).
 * @returns an operator from messages with any payload to messages with the schema's output.
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { decodeWith } from 'mqtt-connector/operators';
 *
 * const Reading = z.object({ celsius: z.number() });
 * connector
 *   .subscribe('sensors/+room/temperature')
 *   .pipe(decodeWith(Reading, { onError: (error) => console.warn(error.issues) }))
 *   .subscribe((message) => console.log(message.params.room, message.payload.celsius));
 * ```
 */
export function decodeWith<S extends StandardSchemaV1>(
  schema: S,
  options?: DecodeOperatorOptions,
): OperatorFunction<MqttMessage<unknown>, MqttMessage<StandardSchemaV1.InferOutput<S>>> {
  return decodeOperator<StandardSchemaV1.InferOutput<S>>(
    (message) => validateWith(schema, message.payload, message.raw, message.topic),
    options,
  );
}
