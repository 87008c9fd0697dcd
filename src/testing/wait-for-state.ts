/**
 * `waitForState`: a promise for the connection reaching a status (or any state you describe).
 */
import { type Observable, filter, firstValueFrom, isObservable, skip, tap, throwIfEmpty } from 'rxjs';
import { ClosedError } from '../connector/errors.js';
import type { ConnectionState, ConnectionStatus } from '../connector/types.js';
import { type WaitOptions, deadline } from './wait-options.js';

/** Anything with a `state$` (an `MqttConnector`), or the state stream itself. */
export type StateSource =
  | {
      /** The connection states, current one first (as `MqttConnector.state$`). */
      readonly state$: Observable<ConnectionState>;
    }
  | Observable<ConnectionState>;

/** What {@link waitForState} waits for: a status, any of several, or a predicate on the whole state. */
export type StateExpectation =
  ConnectionStatus | readonly ConnectionStatus[] | ((state: ConnectionState) => boolean);

/** Options of {@link waitForState}. */
export interface WaitForStateOptions extends WaitOptions {
  /**
   * Ignore the state current at the call (which `state$` replays) and wait for a later one. Default false.
   * Use it to wait for a *new* `connected` after forcing a reconnect, when the connector may not have
   * noticed the drop yet.
   */
  skipCurrent?: boolean;
}

/**
 * Waits until the connector's state matches `expected`. `state$` replays the current state, so this
 * resolves at once when the connector is already there (unless `skipCurrent`).
 *
 * @param source - an `MqttConnector` (anything with `state$`) or a state Observable.
 * @param expected - a {@link ConnectionStatus}, a list of them, or a predicate on {@link ConnectionState}.
 * @returns the first matching state.
 * @throws TimeoutError (`TIMEOUT`, after `options.timeout`, default 5000 ms; the message names the last state
 *   seen and its error); ClosedError (`CLOSED`) when the state stream completes first.
 * @example
 * ```ts
 * await broker.stop();
 * const lost = await waitForState(connector, 'reconnecting');
 * console.log(lost.error?.code); // 'CONNECTION_LOST'
 * await broker.start();
 * await waitForState(connector, 'connected', { timeout: 10_000 });
 * ```
 */
export function waitForState(
  source: StateSource,
  expected: StateExpectation,
  options: WaitForStateOptions = {},
): Promise<ConnectionState> {
  const state$ = isObservable(source) ? source : source.state$;
  const matches = toPredicate(expected);
  let last: ConnectionState | undefined;
  return firstValueFrom(
    state$.pipe(
      skip(options.skipCurrent ? 1 : 0),
      tap((state) => (last = state)),
      filter(matches),
      throwIfEmpty(
        () => new ClosedError(`waitForState: the state stream ended before ${describe(expected)}`),
      ),
      deadline(options, (ms) => `waitForState: no ${describe(expected)} state within ${ms} ms${seen(last)}`),
    ),
  );
}

function toPredicate(expected: StateExpectation): (state: ConnectionState) => boolean {
  if (typeof expected === 'function') return expected;
  const statuses: readonly ConnectionStatus[] = typeof expected === 'string' ? [expected] : expected;
  return (state) => statuses.includes(state.status);
}

function describe(expected: StateExpectation): string {
  if (typeof expected === 'function') return 'matching';
  return typeof expected === 'string' ? `'${expected}'` : expected.map((s) => `'${s}'`).join(' or ');
}

function seen(state: ConnectionState | undefined): string {
  if (!state) return ' (no state seen)';
  const error = state.error ? `, error ${state.error.code}: ${state.error.message}` : '';
  return ` (last: '${state.status}', attempt ${state.attempt}${error})`;
}
