import { concatMap, map, type OperatorFunction } from 'rxjs';
import { MqttConnectorError, PublishFailedError } from '../connector/errors.js';
import { listenerPublishOf } from '../streams/listener-publish.js';
import { merged } from '../streams/own-property.js';
import type { PublishOptions, PublishResult } from '../streams/publish-types.js';
import { outcomesInOrder } from './outcomes-in-order.js';

/**
 * Anything with the connector's `publish` signature. Typed structurally, so this operator does not
 * import the connector (tree-shaking) and works with a test double as well.
 */
export interface PublishTarget {
  /** Publishes one message; see `MqttConnector.publish`. */
  publish(topic: string, message: unknown, options?: PublishOptions): Promise<PublishResult>;
}

/** One publish's outcome when failures are emitted as values (`errors: 'emit'`). */
export type PublishOutcome<T> = PublishSucceeded<T> | PublishFailed<T>;

/** A value that was published. */
export interface PublishSucceeded<T> {
  /** Discriminator: published. */
  readonly ok: true;
  /** The source value. */
  readonly value: T;
  /** How the publish settled. */
  readonly result: PublishResult;
}

/** A value whose publish failed. */
export interface PublishFailed<T> {
  /** Discriminator: not published. */
  readonly ok: false;
  /** The source value. */
  readonly value: T;
  /** Why, as a typed error. */
  readonly error: MqttConnectorError;
}

/** Topic of each value: a fixed topic, or computed from the value and its index. */
export type TopicSelector<T> = string | ((value: T, index: number) => string);

/** Options of {@link publishTo}: publish options for every value, plus per-value ones. */
export interface PublishToOptions<T> extends PublishOptions {
  /** Per-value publish options, merged over the fixed ones (e.g. `(v) => ({ retain: v.final })`). */
  optionsFor?: (value: T, index: number) => PublishOptions;
  /** What to publish for a value (default: the value itself, encoded like `publish()` does). */
  message?: (value: T, index: number) => unknown;
  /**
   * How a failed publish shows: `'error'` (default) errors the stream with its
   * {@link MqttConnectorError}, as RxJS streams signal failures; `'emit'` emits a
   * `{ ok: false, value, error }` {@link PublishOutcome} and goes on (successes become
   * `{ ok: true, value, result }`).
   */
  errors?: 'error' | 'emit';
}

/**
 * Publishes every value of the source to `target` and emits each {@link PublishResult}, in source
 * order.
 *
 * Each value is published as soon as it arrives (so the target's pacing and in-flight window decide the
 * throughput, not this operator); results are emitted in source order even when acknowledgements
 * arrive out of order. By default the first failed publish errors the stream; with `errors: 'emit'`
 * every outcome is a {@link PublishOutcome} value instead, and the stream never errors because of a
 * publish. Completes when the source has completed and every publish has settled. Unsubscribing stops
 * emitting but cannot recall publishes already handed to the target (they still settle; nothing is left
 * as an unhandled rejection). A topic, message or `optionsFor` function that throws errors the stream.
 *
 * With an `MqttConnector` as the target, values are published without a promise per value (the
 * connector's internal promise-free path): the cheapest way to publish a large burst, cheaper than
 * awaiting `connector.publish` for each. Any other target is called through its `publish()` promise.
 * Results are emitted asynchronously (in a microtask after they settle), as with promises.
 *
 * @param target - the connector, or anything with its `publish` signature.
 * @param topic - the topic, or a function of the value and its index.
 * @param options - publish options (`qos`, `retain`, `properties`, `timeout`), `optionsFor`, `message`,
 *   `errors`.
 * @returns an operator emitting a {@link PublishResult} per value (or a {@link PublishOutcome} with
 *   `errors: 'emit'`).
 *
 * @example
 * ```ts
 * import { interval, map } from 'rxjs';
 * import { publishTo } from 'mqtt-connector';
 *
 * readings$.pipe(publishTo(connector, 'sensors/1', { qos: 1 })).subscribe((result) => console.log(result.status));
 *
 * // topic from the value, failures as values
 * devices$
 *   .pipe(publishTo(connector, (d) => `devices/${d.id}/state`, { retain: true, errors: 'emit' }))
 *   .subscribe((outcome) => {
 *     if (!outcome.ok) console.warn(outcome.value.id, outcome.error.code);
 *   });
 * ```
 */
export function publishTo<T>(
  target: PublishTarget,
  topic: TopicSelector<T>,
  options?: PublishToOptions<T> & { errors?: 'error' },
): OperatorFunction<T, PublishResult>;
export function publishTo<T>(
  target: PublishTarget,
  topic: TopicSelector<T>,
  options: PublishToOptions<T> & { errors: 'emit' },
): OperatorFunction<T, PublishOutcome<T>>;
export function publishTo<T>(
  target: PublishTarget,
  topic: TopicSelector<T>,
  options: PublishToOptions<T> = {},
): OperatorFunction<T, PublishResult | PublishOutcome<T>> {
  const { optionsFor, message, errors = 'error', ...fixed } = options;
  const topicOf = (value: T, index: number) => (typeof topic === 'function' ? topic(value, index) : topic);
  const messageOf = (value: T, index: number) => (message ? message(value, index) : value);
  const optionsOf = (value: T, index: number) =>
    optionsFor ? merged(fixed, optionsFor(value, index)) : fixed;
  // The connector's promise-free publish when the target has one; any other target through its promise.
  const listenerPublish = listenerPublishOf(target);
  if (listenerPublish) {
    return outcomesInOrder<T>((value, index, listener) => {
      const to = topicOf(value, index);
      const payload = messageOf(value, index);
      const perValue = optionsOf(value, index);
      try {
        listenerPublish(to, payload, perValue, listener);
      } catch (error) {
        listener.settled(undefined, asConnectorError(error));
      }
    }, errors);
  }
  return (source) => {
    const outcomes = source.pipe(
      // publish eagerly, in arrival order; emit in the same order
      map((value, index) =>
        publishOne(target, value, topicOf(value, index), messageOf(value, index), optionsOf(value, index)),
      ),
      concatMap((outcome) => outcome),
    );
    if (errors === 'emit') return outcomes;
    return outcomes.pipe(
      map((outcome) => {
        if (!outcome.ok) throw outcome.error;
        return outcome.result;
      }),
    );
  };
}

/** Publishes one value through `target.publish`, settled into an outcome. */
function publishOne<T>(
  target: PublishTarget,
  value: T,
  topic: string,
  message: unknown,
  options: PublishOptions,
): Promise<PublishOutcome<T>> {
  let published: Promise<PublishResult>;
  try {
    published = target.publish(topic, message, options);
  } catch (error) {
    published = Promise.reject(error);
  }
  // Settle into a value right away: a rejection is never left unhandled, even after an error or an
  // unsubscribe has stopped the stream from waiting for it.
  return published.then(
    (result): PublishOutcome<T> => ({ ok: true, value, result }),
    (error: unknown): PublishOutcome<T> => ({ ok: false, value, error: asConnectorError(error) }),
  );
}

function asConnectorError(error: unknown): MqttConnectorError {
  if (error instanceof MqttConnectorError) return error;
  const text = error instanceof Error ? error.message : String(error);
  return new PublishFailedError(`Publish failed: ${text}`, undefined, { cause: error });
}
