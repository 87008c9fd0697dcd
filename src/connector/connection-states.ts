/**
 * The connection as an Observable of states: one attempt is an Observable (CONNACK, then an error when
 * the connection fails or drops), repeated by {@link retryBackoff}. Pure RxJS: the attempt function and
 * the scheduler are injected, so the whole state machine runs in virtual time in tests.
 *
 * @internal
 */
import {
  type Observable,
  type SchedulerLike,
  Subject,
  catchError,
  defer,
  finalize,
  map,
  merge,
  of,
  startWith,
  takeUntil,
} from 'rxjs';
import { retryBackoff } from '../operators/retry-backoff.js';
import type { ConnAck } from '../streams/port.js';
import type { BrokerEndpoint } from './broker-url.js';
import { ConnectionFailedError, MqttConnectorError } from './errors.js';
import { isFatalFailure } from './failures.js';
import type { ResolvedOptions } from './options.js';
import type { ConnectionState } from './types.js';

/** What the state machine needs. */
export interface ConnectionStatesConfig {
  /** Brokers, tried in turn: each failure or drop moves on to the next one. */
  readonly brokers: readonly Pick<BrokerEndpoint, 'url'>[];
  readonly reconnect: ResolvedOptions['reconnect'];
  /** Scheduler of the backoff waits and of `since` timestamps. */
  readonly scheduler: SchedulerLike;
  /** Randomness for jitter (default Math.random). */
  readonly random?: () => number;
}

/**
 * Emits the connection's states from the first attempt on: `connecting` (first attempt), `connected`
 * (each accepted CONNACK), `connecting`/`reconnecting` with `attempt`, `delayMs` and `error` while
 * waiting to retry (`connecting` until the first success, `reconnecting` after it), the same without
 * `delayMs` when that retry starts, and finally `failed` (fatal refusal or retries exhausted), after
 * which it completes. Unsubscribing cancels a pending wait and closes the current attempt.
 */
export function connectionStates<B extends Pick<BrokerEndpoint, 'url'>>(
  attempt: (broker: B) => Observable<ConnAck>,
  config: ConnectionStatesConfig & { readonly brokers: readonly B[] },
): Observable<ConnectionState> {
  return defer(() => {
    const { brokers, scheduler } = config;
    const now = () => scheduler.now();
    let index = 0;
    let everConnected = false;
    let failures = 0;
    let lastError: MqttConnectorError | undefined;
    let started = false;
    const waiting$ = new Subject<ConnectionState>();
    const ended$ = new Subject<void>();
    const brokerAt = (i: number): B => brokers[i % brokers.length] as B;

    const session$ = defer(() => {
      // The first attempt's state is `first` below; each retry says when it starts (`attempt` events).
      if (started)
        waiting$.next(retryStarting(everConnected, failures, lastError, brokerAt(index).url, now()));
      started = true;
      return attempt(brokerAt(index));
    }).pipe(
      map((ack): ConnectionState => {
        everConnected = true;
        failures = 0;
        lastError = undefined;
        return {
          status: 'connected',
          attempt: 0,
          sessionPresent: ack.sessionPresent,
          broker: ack.broker,
          since: now(),
        };
      }),
      retryBackoff<ConnectionState>({
        ...config.reconnect,
        maxRetries: config.reconnect.maxRetries,
        random: config.random,
        scheduler,
        shouldRetry: (error) => !isFatalFailure(error),
        onRetry: ({ attempt: failure, delayMs, error }) => {
          failures = failure;
          lastError = asConnectorError(error);
          index = (index + 1) % brokers.length;
          waiting$.next({
            status: everConnected ? 'reconnecting' : 'connecting',
            attempt: failure,
            delayMs,
            error: lastError,
            broker: brokerAt(index).url,
            since: now(),
          });
        },
      }),
      catchError((error: unknown) =>
        of<ConnectionState>({
          status: 'failed',
          attempt: failures + 1,
          error: asConnectorError(error),
          broker: brokerAt(index).url,
          since: now(),
        }),
      ),
      finalize(() => ended$.next()),
    );

    const first: ConnectionState = {
      status: 'connecting',
      attempt: 0,
      broker: brokerAt(0).url,
      since: now(),
    };
    return merge(waiting$.pipe(takeUntil(ended$)), session$).pipe(startWith(first));
  });
}

/** The state of a retry that starts now: like the wait before it, without `delayMs`. */
function retryStarting(
  everConnected: boolean,
  attempt: number,
  error: MqttConnectorError | undefined,
  broker: string,
  since: number,
): ConnectionState {
  return {
    status: everConnected ? 'reconnecting' : 'connecting',
    attempt,
    ...(error ? { error } : {}),
    broker,
    since,
  };
}

function asConnectorError(error: unknown): MqttConnectorError {
  return error instanceof MqttConnectorError
    ? error
    : new ConnectionFailedError(error instanceof Error ? error.message : String(error), { cause: error });
}
