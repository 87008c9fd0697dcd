/**
 * Public types of the subscription side: the options of `subscribe()` and how payloads are decoded.
 *
 * @packageDocumentation
 */
import type { DecodeError } from '../connector/errors.js';
import type { QoS } from '../connector/types.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/**
 * Turns the payload bytes into a value. Throw to refuse a payload: the message is skipped for that
 * subscription and reported as a `DECODE_FAILED` {@link DecodeError}; the stream goes on.
 *
 * @param raw - the payload exactly as received (do not modify it: it is shared).
 * @param topic - the topic the message arrived on.
 */
export type DecoderFunction<T> = (raw: Uint8Array, topic: string) => T;

/**
 * How a subscription decodes payloads:
 *
 * - `'auto'` (default): JSON when the payload parses as JSON, else the UTF-8 text, else (not valid
 *   UTF-8) the bytes as a `Uint8Array`. Never fails.
 * - `'json'`: `JSON.parse` of the UTF-8 text; fails on invalid UTF-8 or JSON (an empty payload is not JSON).
 * - `'string'`: the UTF-8 text; fails on invalid UTF-8 (never replaces bytes silently).
 * - `'binary'`: the bytes as received (`Uint8Array`); never fails.
 * - a {@link DecoderFunction}: your decoder; fails when it throws.
 * - a Standard Schema (zod 4, valibot, arktype, ...): the JSON value validated (and transformed) by the
 *   schema; fails on invalid JSON or when the schema reports issues. Asynchronous schemas are supported;
 *   messages still arrive in order (see {@link SubscribeOptions.decode}).
 *
 * @typeParam T - the decoded payload type.
 */
export type Decoding<T = unknown> =
  'auto' | 'json' | 'string' | 'binary' | DecoderFunction<T> | StandardSchemaV1<unknown, T>;

/** MQTT 5 Retain Handling: 0 = send retained messages at subscribe, 1 = only for a new subscription, 2 = never. */
export type RetainHandling = 0 | 1 | 2;

/**
 * Options of `subscribe(filter, options)`. All are optional.
 *
 * @typeParam T - the decoded payload type.
 */
export interface SubscribeOptions<T = unknown> {
  /**
   * Maximum QoS asked of the broker, default 0. Observers of one filter share one broker subscription at
   * the highest QoS any of them asked (raised with one more SUBSCRIBE; never lowered while the filter is live).
   */
  qos?: QoS;
  /**
   * How payloads are decoded, default `'auto'`; see {@link Decoding}. Decoded per observer: observers of
   * the same filter may each use their own decoder; observers sharing a decoder (the same built-in name,
   * function or schema object) share one decoding per message, so treat payload objects as read-only.
   * With an asynchronous schema, each observer still gets messages in arrival order: a message waits for
   * the validations of the ones before it (at most 1,000 waiting per observer; beyond that, messages are
   * skipped and reported as `DECODE_FAILED`).
   */
  decode?: Decoding<T>;
  /**
   * Called (besides `errors$` and the log) with each {@link DecodeError} of this subscription: a payload
   * that failed to decode for this observer and was skipped. The stream goes on.
   */
  onDecodeError?: (error: DecodeError) => void;
  /**
   * Milliseconds to keep the broker subscription after the last observer leaves, default the connector's
   * `unsubscribeGracePeriod` (0). The filter keeps the longest period any of its observers asked for. An observer arriving within the period reuses it: no UNSUBSCRIBE /
   * SUBSCRIBE churn, and the retained state is replayed from the cache. With 0, the UNSUBSCRIBE still
   * waits for the end of the current job, so an unsubscribe immediately followed by a subscribe to the
   * same filter (`switchMap`, `repeat`) causes no churn.
   */
  gracePeriod?: number;
  /**
   * Replay cached retained messages to this observer when it joins a filter that is already subscribed,
   * as a broker subscription of its own would deliver them (default true). Also when it raises the QoS
   * of a filter with Retain Handling 1, for which the broker sends nothing again.
   */
  replayRetained?: boolean;
  /** MQTT 5 No Local: do not receive our own publishes (not allowed on `$share` filters). Default false. */
  noLocal?: boolean;
  /**
   * MQTT 5 Retain As Published: a live message its publisher retained arrives with `retain: true`;
   * without it, with `retain: false`. Default false. (With the retained cache on, the connector subscribes
   * with Retain As Published anyway, so that the cache only takes really retained messages, and reports
   * the flag each observer asked for.)
   */
  retainAsPublished?: boolean;
  /**
   * MQTT 5 Retain Handling (see {@link RetainHandling}), default 0. With 2, nothing is replayed either.
   * With 1, an observer that raises the QoS (a new SUBSCRIBE of an existing subscription) gets the
   * retained state from the cache.
   */
  retainHandling?: RetainHandling;
}
