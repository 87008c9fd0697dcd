/**
 * `firstMessage` and `collectMessages`: promises for the messages a test expects, read from a connector
 * (subscribing for you) or from any Observable of messages (your pipeline's output, `messages$`, ...).
 */
import {
  type Observable,
  filter,
  firstValueFrom,
  isObservable,
  take,
  tap,
  throwIfEmpty,
  toArray,
} from 'rxjs';
import { ClosedError, InvalidArgumentError } from '../connector/errors.js';
import type { MqttMessage, QoS } from '../connector/types.js';
import type { Decoding, SubscribeOptions } from '../streams/subscribe-types.js';
import { filterLevels, parseFilter } from '../streams/topic-filter.js';
import { matchesTopic } from '../streams/topic-match.js';
import { type WaitOptions, deadline } from './wait-options.js';

/** Anything that can subscribe to a filter and has `messages$`: an `MqttConnector`. */
export interface MessageSource {
  /** As `MqttConnector.subscribe`. */
  subscribe<T>(filter: string, options?: SubscribeOptions<T>): Observable<MqttMessage<T>>;
  /** As `MqttConnector.messages$`. */
  readonly messages$: Observable<MqttMessage<unknown>>;
}

/** A message with at least a topic: an {@link MqttMessage}, or your own shape. */
export interface TopicBearing {
  /** The topic the message arrived on. */
  readonly topic: string;
}

/**
 * Which messages count: a topic filter (wildcards and named wildcards allowed) or a predicate.
 */
export type MessageFilter<M> = string | ((message: M) => boolean);

/** Options of {@link firstMessage} and {@link collectMessages}. */
export interface MessageWaitOptions<M> extends WaitOptions {
  /** A further condition, besides the filter (e.g. on the payload). */
  where?: (message: M) => boolean;
}

/** Options when reading from a connector with a topic filter (it subscribes for you). */
export interface ConnectorWaitOptions<T> extends MessageWaitOptions<MqttMessage<T>> {
  /** QoS of the subscription, default 0. */
  qos?: QoS;
  /** Decoding of the subscription (a built-in name, a function or a Standard Schema), default `'auto'`. */
  decode?: Decoding<T>;
}

/** Options of {@link collectMessages}. */
export interface CollectOptions<M> extends MessageWaitOptions<M> {
  /** How many messages to collect (at least 1). */
  count: number;
}

/**
 * Resolves with the first message that matches. With a connector and a topic filter it subscribes to the
 * filter at once (the broker SUBSCRIBE goes out during this call; `await connector.whenSubscribed(filter)`
 * before publishing when the publisher is another client) and unsubscribes when done; with a connector and
 * a predicate (or nothing) it reads `connector.messages$`; with an Observable it reads that Observable
 * (a string filter is then matched against `message.topic`).
 *
 * @throws TimeoutError (`TIMEOUT`) after `options.timeout` (default 5000 ms); ClosedError (`CLOSED`) when
 *   the source completes first; any error of the source (e.g. `SUBSCRIBE_REFUSED`).
 * @example
 * ```ts
 * const reply = firstMessage<{ ok: boolean }>(connector, 'replies/+id', { qos: 1, timeout: 2000 });
 * await connector.whenSubscribed('replies/+id');
 * await other.publish('replies/7', { ok: true }, { qos: 1 });
 * expect((await reply).params.id).toBe('7');
 * ```
 */
export function firstMessage<T = unknown>(
  source: MessageSource,
  filter?: MessageFilter<MqttMessage<T>>,
  options?: ConnectorWaitOptions<T>,
): Promise<MqttMessage<T>>;
export function firstMessage<M extends TopicBearing>(
  source: Observable<M>,
  filter?: MessageFilter<M>,
  options?: MessageWaitOptions<M>,
): Promise<M>;
export function firstMessage<M extends TopicBearing>(
  source: MessageSource | Observable<M>,
  messageFilter?: MessageFilter<M>,
  options: ConnectorWaitOptions<unknown> | MessageWaitOptions<M> = {},
): Promise<M> {
  const collectOptions = { ...options, count: 1 } as CollectOptions<M> & ConnectorWaitOptions<unknown>;
  return collect(source, messageFilter, collectOptions).then((messages) => messages[0] as M);
}

/**
 * Resolves with the first `options.count` messages that match, in arrival order. Reads its source like
 * {@link firstMessage}.
 *
 * @throws TimeoutError (`TIMEOUT`) when fewer than `count` arrived within `options.timeout` (default
 *   5000 ms; the message says how many did); ClosedError when the source completes first;
 *   InvalidArgumentError when `count` is not a positive integer.
 * @example
 * ```ts
 * const readings = collectMessages(connector, 'sensors/+/temperature', { count: 3, qos: 1 });
 * ```
 */
export function collectMessages<T = unknown>(
  source: MessageSource,
  filter: MessageFilter<MqttMessage<T>> | undefined,
  options: CollectOptions<MqttMessage<T>> & ConnectorWaitOptions<T>,
): Promise<MqttMessage<T>[]>;
export function collectMessages<M extends TopicBearing>(
  source: Observable<M>,
  filter: MessageFilter<M> | undefined,
  options: CollectOptions<M>,
): Promise<M[]>;
export function collectMessages<M extends TopicBearing>(
  source: MessageSource | Observable<M>,
  messageFilter: MessageFilter<M> | undefined,
  options: CollectOptions<M> & ConnectorWaitOptions<unknown>,
): Promise<M[]> {
  return collect(source, messageFilter, options);
}

function collect<M extends TopicBearing>(
  source: MessageSource | Observable<M>,
  messageFilter: MessageFilter<M> | undefined,
  options: CollectOptions<M> & ConnectorWaitOptions<unknown>,
): Promise<M[]> {
  const { count, where } = options;
  if (!Number.isInteger(count) || count < 1)
    return Promise.reject(new InvalidArgumentError(`count must be a positive integer, got ${String(count)}`));
  const what = describe(messageFilter);
  let received = 0;
  const messages$ = select(source, messageFilter, options).pipe(
    filter((message) => where === undefined || where(message)),
    take(count),
    tap(() => received++),
    toArray(),
  );
  return firstValueFrom(
    messages$.pipe(
      // toArray emits [] when the source completes without values; fewer than count is a completion too.
      filter((messages) => messages.length === count),
      throwIfEmpty(() => new ClosedError(`The message stream ended after ${received} of ${count} ${what}`)),
      deadline(options, (ms) => `${received} of ${count} ${what} within ${ms} ms`),
    ),
  );
}

/** The messages of `source` that pass `messageFilter` (a subscription when the source is a connector). */
function select<M extends TopicBearing>(
  source: MessageSource | Observable<M>,
  messageFilter: MessageFilter<M> | undefined,
  options: ConnectorWaitOptions<unknown>,
): Observable<M> {
  if (isObservable(source)) {
    if (messageFilter === undefined) return source;
    return source.pipe(
      filter(typeof messageFilter === 'string' ? topicMatcher(messageFilter) : messageFilter),
    );
  }
  if (typeof messageFilter === 'string') {
    const subscribeOptions: SubscribeOptions<unknown> = {};
    if (options.qos !== undefined) subscribeOptions.qos = options.qos;
    if (options.decode !== undefined) subscribeOptions.decode = options.decode;
    return source.subscribe(messageFilter, subscribeOptions) as unknown as Observable<M>;
  }
  const all = source.messages$ as unknown as Observable<M>;
  return messageFilter === undefined ? all : all.pipe(filter(messageFilter));
}

/** A predicate for `message.topic` matching `topicFilter` (MQTT §4.7; share prefixes and names ignored). */
function topicMatcher(topicFilter: string): (message: TopicBearing) => boolean {
  const levels = filterLevels(parseFilter(topicFilter));
  return (message) => matchesTopic(levels, message.topic);
}

function describe(messageFilter: MessageFilter<never> | undefined): string {
  if (typeof messageFilter === 'string') return `messages on ${JSON.stringify(messageFilter)}`;
  return messageFilter === undefined ? 'messages' : 'matching messages';
}
