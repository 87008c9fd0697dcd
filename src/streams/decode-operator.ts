/**
 * The engine of the `decodeJson` and `decodeWith` operators: decodes each message's payload, emits the
 * decoded messages in arrival order (also when some decodes are asynchronous), and skips the ones that
 * fail, handing their {@link DecodeError} to `onError`. The stream never errors because of a payload.
 *
 * @internal
 */
import { Observable, type OperatorFunction } from 'rxjs';
import { DecodeError } from '../connector/errors.js';
import type { MqttMessage } from '../connector/types.js';
import type { DecodeOutcome } from './decode.js';
import { InOrder } from './in-order.js';

/** Options of the decoding operators. */
export interface DecodeOperatorOptions {
  /**
   * Receives each {@link DecodeError} (`DECODE_FAILED`: topic, raw bytes, schema issues) of a message
   * that was skipped. Without it, failed messages are skipped silently — pass e.g. `(e) => log(e)`.
   */
  onError?: (error: DecodeError) => void;
  /**
   * Most messages waiting behind an asynchronous validation (default 1000); beyond that, messages are
   * skipped and reported. Only asynchronous schemas ever wait.
   */
  maxPending?: number;
}

/**
 * An operator that replaces each message's payload with `decode(message)`'s value.
 *
 * @param decode - returns the value, a `DecodeFailure` or a `PendingDecode`; never throws.
 */
export function decodeOperator<T>(
  decode: (message: MqttMessage<unknown>) => DecodeOutcome,
  options: DecodeOperatorOptions = {},
): OperatorFunction<MqttMessage<unknown>, MqttMessage<T>> {
  const { onError, maxPending = 1000 } = options;
  const report = (error: DecodeError): void => {
    try {
      onError?.(error);
    } catch {
      // A throwing callback must not end the stream.
    }
  };
  return (source) =>
    new Observable<MqttMessage<T>>((subscriber) => {
      const order = new InOrder<MqttMessage<unknown>>(
        {
          value: (payload, message) => subscriber.next({ ...message, payload: payload as T }),
          failure: (failure) => report(failure.error),
          overflow: (message) =>
            report(
              new DecodeError(
                message.topic,
                message.raw,
                `skipped: ${maxPending} asynchronous validations already waiting`,
              ),
            ),
        },
        maxPending,
      );
      const subscription = source.subscribe({
        next: (message) => order.push(decode(message), message),
        error: (error: unknown) => subscriber.error(error),
        // Complete after the last pending validation was delivered.
        complete: () => order.whenIdle(() => subscriber.complete()),
      });
      return () => {
        order.close();
        subscription.unsubscribe();
      };
    });
}
