/**
 * Request/response over MQTT 5: a request carries a Response Topic and Correlation Data; the responder
 * publishes its answer to that topic with the same correlation data. All requests of a connector share
 * one broker subscription to its response topic.
 *
 * @packageDocumentation
 */
import {
  type Observable,
  type SchedulerLike,
  asyncScheduler,
  catchError,
  filter,
  from,
  map,
  mergeMap,
  of,
  take,
  throwError,
  timeout,
} from 'rxjs';
import { InvalidArgumentError, MqttConnectorError, TimeoutError } from '../connector/errors.js';
import type { MessageProperties, MqttMessage, QoS } from '../connector/types.js';
import type { PublishOptions, PublishResult } from './publish-types.js';
import type { Decoding, SubscribeOptions } from './subscribe-types.js';

/** Options of `request()`. */
export interface RequestOptions<T = unknown> {
  /** Milliseconds to wait for the response before rejecting with `TIMEOUT`. Default 10000. */
  timeout?: number;
  /** QoS of the request and of the response subscription. Default 1. */
  qos?: QoS;
  /** How the response payload is decoded (default `'auto'`). */
  decode?: Decoding<T>;
  /** Extra MQTT 5 properties of the request (e.g. `userProperties`, `messageExpiryInterval`). */
  properties?: Omit<MessageProperties, 'responseTopic' | 'correlationData'>;
}

/** Options of `respond()`. */
export interface RespondOptions<T = unknown> {
  /** QoS of the request subscription and of the responses. Default 1. */
  qos?: QoS;
  /** How request payloads are decoded (default `'auto'`). */
  decode?: Decoding<T>;
  /** Most requests handled at the same time. Default 16. */
  concurrency?: number;
}

/** One request a responder handled: the answer's publish result, or why there was none. */
export type ServedRequest<T = unknown> = ServedRequestAnswered<T> | ServedRequestFailed<T>;

/** A request that was answered. */
export interface ServedRequestAnswered<T = unknown> {
  /** Discriminator: the answer was published. */
  readonly ok: true;
  /** The request as received. */
  readonly request: MqttMessage<T>;
  /** The publish result of the answer. */
  readonly result: PublishResult;
}

/** A request that got no answer: the handler threw or the answer could not be published. */
export interface ServedRequestFailed<T = unknown> {
  /** Discriminator: no answer was published. */
  readonly ok: false;
  /** The request as received. */
  readonly request: MqttMessage<T>;
  /** Why (the handler's error, or the publish's). */
  readonly error: unknown;
}

/** Computes the answer to a request: any message `publish()` accepts, or a promise of one. */
export type RequestHandler<T = unknown> = (request: MqttMessage<T>) => unknown;

/** What request/response needs of the connector. @internal */
export interface Messaging {
  subscribe<T>(filter: string, options?: SubscribeOptions<T>): Observable<MqttMessage<T>>;
  whenSubscribed(filter: string): Promise<QoS>;
  publish(topic: string, message: unknown, options?: PublishOptions): Promise<PublishResult>;
}

/** @internal */
export interface RequestContext {
  readonly protocolVersion: 4 | 5;
  /** The connector's own response topic. */
  readonly responseTopic: string;
  readonly scheduler?: SchedulerLike;
}

/**
 * Sends a request and resolves with the first response carrying its correlation data.
 *
 * @returns rejects with `TIMEOUT` when no response arrives in time, `INVALID_ARGUMENT` on MQTT 3.1.1, or
 *   the publish's own error.
 * @internal
 */
export function sendRequest<T>(
  messaging: Messaging,
  context: RequestContext,
  topic: string,
  payload: unknown,
  options: RequestOptions<T> = {},
): Promise<MqttMessage<T>> {
  if (context.protocolVersion !== 5) {
    return Promise.reject(
      new InvalidArgumentError(
        'request() needs protocolVersion 5: response topic and correlation data are MQTT 5',
      ),
    );
  }
  const { qos = 1, timeout: waitMs = 10_000, decode, properties } = options;
  const correlationData = randomCorrelation();
  const key = toHex(correlationData);
  const { responseTopic, scheduler = asyncScheduler } = context;
  return new Promise<MqttMessage<T>>((resolve, reject) => {
    const subscription = messaging
      .subscribe<T>(responseTopic, { qos, ...(decode ? { decode } : {}) })
      .pipe(
        filter((message) => sameCorrelation(message.properties?.correlationData, key)),
        take(1),
        timeout({
          first: waitMs,
          scheduler,
          with: () =>
            throwError(() => new TimeoutError(`No response to the request on ${topic} within ${waitMs} ms`)),
        }),
      )
      .subscribe({ next: resolve, error: reject });
    messaging
      .whenSubscribed(responseTopic)
      .then(() =>
        messaging.publish(topic, payload, {
          qos,
          properties: { ...properties, responseTopic, correlationData },
        }),
      )
      .catch((error: unknown) => {
        subscription.unsubscribe();
        reject(error);
      });
  });
}

/**
 * Answers requests arriving on `filter`: each request's handler result is published to its response
 * topic with its correlation data. Requests without a response topic are skipped. Handler failures and
 * failed answers are emitted as values (`ok: false`); the stream goes on.
 *
 * @internal
 */
export function serveRequests<T>(
  messaging: Messaging,
  requestFilter: string,
  handler: RequestHandler<T>,
  options: RespondOptions<T> = {},
): Observable<ServedRequest<T>> {
  const { qos = 1, decode, concurrency = 16 } = options;
  if (typeof handler !== 'function') throw new InvalidArgumentError('respond() needs a handler function');
  return messaging.subscribe<T>(requestFilter, { qos, ...(decode ? { decode } : {}) }).pipe(
    filter((request) => typeof request.properties?.responseTopic === 'string'),
    mergeMap(
      (request) =>
        from(Promise.resolve().then(() => handler(request))).pipe(
          mergeMap((answer) =>
            messaging.publish(request.properties?.responseTopic as string, answer, {
              qos,
              properties: correlationOf(request.properties),
            }),
          ),
          map((result): ServedRequest<T> => ({ ok: true, request, result })),
          catchError((error: unknown) => of<ServedRequest<T>>({ ok: false, request, error: asError(error) })),
        ),
      concurrency,
    ),
  );
}

function correlationOf(properties: MessageProperties | undefined): MessageProperties {
  return properties?.correlationData ? { correlationData: properties.correlationData } : {};
}

function randomCorrelation(): Uint8Array {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return bytes;
}

function sameCorrelation(data: Uint8Array | undefined, key: string): boolean {
  return data !== undefined && data.byteLength === key.length / 2 && toHex(data) === key;
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

function asError(error: unknown): unknown {
  return error instanceof MqttConnectorError || error instanceof Error ? error : new Error(String(error));
}
