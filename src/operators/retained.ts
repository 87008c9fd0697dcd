import { filter, type MonoTypeOperatorFunction } from 'rxjs';

/** Anything with a retain flag, such as an {@link MqttMessage}. */
export interface RetainFlagged {
  /** True for a retained message (stored state), false for a live one. */
  readonly retain: boolean;
}

/**
 * Lets through only retained messages (`retain: true`): the stored state a broker sends on subscribe,
 * and the states the connector replays from its retained cache to late observers.
 *
 * - Emits: each message with `retain` true, unchanged.
 * - Errors / completes: when the source does.
 *
 * @returns an operator on anything with a `retain` flag (messages).
 * @example
 * ```ts
 * import { onlyRetained } from 'mqtt-connector/operators';
 *
 * // The last known state of every lamp, once, when the view opens:
 * connector.subscribe('lamps/+id/state').pipe(onlyRetained()).subscribe((m) => render(m.params.id, m.payload));
 * ```
 */
export function onlyRetained<M extends RetainFlagged>(): MonoTypeOperatorFunction<M> {
  return filter((message) => message.retain);
}

/**
 * Lets through only live messages (`retain: false`), dropping the retained state sent (or replayed) on
 * subscribe: for event streams where an old state is not an event.
 *
 * - Emits: each message with `retain` false, unchanged.
 * - Errors / completes: when the source does.
 *
 * @returns an operator on anything with a `retain` flag (messages).
 * @example
 * ```ts
 * import { skipRetained } from 'mqtt-connector/operators';
 *
 * connector.subscribe('doors/+id/opened').pipe(skipRetained()).subscribe((m) => alarm(m.params.id));
 * ```
 */
export function skipRetained<M extends RetainFlagged>(): MonoTypeOperatorFunction<M> {
  return filter((message) => !message.retain);
}
