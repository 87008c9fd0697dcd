import { TestScheduler } from 'rxjs/testing';
import type { Observable } from 'rxjs';
import { map } from 'rxjs';
import { connectionStates } from '../../../src/connector/connection-states';
import {
  ConnectionFailedError,
  ConnectionLostError,
  ConnectionRefusedError,
  type MqttConnectorError,
} from '../../../src/connector/errors';
import type { ConnAck } from '../../../src/streams/port';
import type { ConnectionState } from '../../../src/connector/types';

const reconnect = { initialDelay: 10, maxDelay: 40, multiplier: 2, jitter: 'none' as const, maxRetries: -1 };
const brokerA = { url: 'mqtt://a:1883' };
const brokerB = { url: 'mqtt://b:1883' };
const refused = new ConnectionRefusedError(4, 'bad credentials', true);
const unavailable = new ConnectionRefusedError(3, 'server unavailable', false);
const failed = new ConnectionFailedError('ECONNREFUSED');
const lost = new ConnectionLostError('socket closed');
const errors: Record<string, MqttConnectorError> = { r: refused, u: unavailable, f: failed, l: lost };

describe('connectionStates (virtual time)', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  /**
   * Runs the state machine over scripted attempts. Each script is a marble for one attempt:
   * `c` = CONNACK accepted, an error letter (r, u, f, l) = the attempt fails or drops with that error.
   * Returns the states as compact strings: status[:attempt][@delay][!errorCode][>broker].
   */
  function run(scripts: string[], options: { maxRetries?: number; brokers?: { url: string }[] } = {}) {
    const attempts: string[] = [];
    const attempt = (broker: { url: string }) => {
      attempts.push(broker.url);
      const script = scripts[Math.min(attempts.length - 1, scripts.length - 1)] as string;
      return scheduler.createColdObservable<ConnAck>(
        script.replace(/[rufl]/, '#'),
        { c: { sessionPresent: false, broker: broker.url } },
        errors[script.match(/[rufl]/)?.[0] ?? 'f'],
      );
    };
    const states$ = connectionStates(attempt, {
      brokers: options.brokers ?? [brokerA],
      reconnect: { ...reconnect, maxRetries: options.maxRetries ?? -1 },
      scheduler,
    }).pipe(map(describe));
    return { states$, attempts };
  }

  function describe(state: ConnectionState): string {
    let text = state.status;
    if (state.attempt) text += `:${state.attempt}`;
    if (state.delayMs !== undefined) text += `@${state.delayMs}`;
    if (state.error) text += `!${state.error.code}`;
    if (state.broker !== brokerA.url) text += '>b';
    return text;
  }

  /** Subscribes for `until` virtual ms (all of it when omitted) and returns "frame value" lines. */
  function timeline(states$: Observable<string>, until = Infinity): string[] {
    const lines: string[] = [];
    scheduler.run(() => {
      const subscription = states$.subscribe({
        next: (value) => lines.push(`${scheduler.now()} ${value}`),
        complete: () => lines.push(`${scheduler.now()} |`),
      });
      if (Number.isFinite(until)) scheduler.schedule(() => subscription.unsubscribe(), until);
    });
    return lines;
  }

  it('connects on the first attempt', () => {
    const { states$ } = run(['--c']);
    expect(timeline(states$)).toEqual(['0 connecting', '2 connected']);
  });

  it('retries a failing first connection with growing, capped delays', () => {
    const { states$, attempts } = run(['f', 'f', 'f', 'f', '-c']);
    expect(timeline(states$)).toEqual([
      '0 connecting',
      '0 connecting:1@10!CONNECTION_FAILED',
      '10 connecting:1!CONNECTION_FAILED',
      '10 connecting:2@20!CONNECTION_FAILED',
      '30 connecting:2!CONNECTION_FAILED',
      '30 connecting:3@40!CONNECTION_FAILED',
      '70 connecting:3!CONNECTION_FAILED',
      '70 connecting:4@40!CONNECTION_FAILED',
      '110 connecting:4!CONNECTION_FAILED',
      '111 connected',
    ]);
    expect(attempts).toHaveLength(5);
  });

  it('goes to reconnecting after a drop, and counts from 1 again', () => {
    const { states$ } = run(['c--l', 'f', 'c']);
    expect(timeline(states$)).toEqual([
      '0 connecting',
      '0 connected',
      '3 reconnecting:1@10!CONNECTION_LOST',
      '13 reconnecting:1!CONNECTION_LOST',
      '13 reconnecting:2@20!CONNECTION_FAILED',
      '33 reconnecting:2!CONNECTION_FAILED',
      '33 connected',
    ]);
  });

  it('stops at a fatal CONNACK refusal: failed, and no further attempt', () => {
    const { states$, attempts } = run(['-r', 'c']);
    expect(timeline(states$)).toEqual(['0 connecting', '1 failed:1!CONNECTION_REFUSED', '1 |']);
    expect(attempts).toHaveLength(1);
  });

  it('retries a refusal that is not fatal (server unavailable)', () => {
    const { states$ } = run(['u', 'c']);
    expect(timeline(states$)).toEqual([
      '0 connecting',
      '0 connecting:1@10!CONNECTION_REFUSED',
      '10 connecting:1!CONNECTION_REFUSED',
      '10 connected',
    ]);
  });

  it('gives up after maxReconnectAttempts retries', () => {
    const { states$, attempts } = run(['f'], { maxRetries: 2 });
    expect(timeline(states$)).toEqual([
      '0 connecting',
      '0 connecting:1@10!CONNECTION_FAILED',
      '10 connecting:1!CONNECTION_FAILED',
      '10 connecting:2@20!CONNECTION_FAILED',
      '30 connecting:2!CONNECTION_FAILED',
      '30 failed:3!CONNECTION_FAILED',
      '30 |',
    ]);
    expect(attempts).toHaveLength(3);
  });

  it('with maxReconnectAttempts 0, the first failure is final', () => {
    const { states$, attempts } = run(['f'], { maxRetries: 0 });
    expect(timeline(states$)).toEqual(['0 connecting', '0 failed:1!CONNECTION_FAILED', '0 |']);
    expect(attempts).toHaveLength(1);
  });

  it('applies maxReconnectAttempts to every drop, the count reset by each success', () => {
    // connected, drop, 1 failed retry, connected, drop, 1 failed retry, connected: 2 retries allowed per outage
    const { states$ } = run(['c-l', 'f', 'c-l', 'f', 'c'], { maxRetries: 2 });
    expect(timeline(states$)).toEqual([
      '0 connecting',
      '0 connected',
      '2 reconnecting:1@10!CONNECTION_LOST',
      '12 reconnecting:1!CONNECTION_LOST',
      '12 reconnecting:2@20!CONNECTION_FAILED',
      '32 reconnecting:2!CONNECTION_FAILED',
      '32 connected',
      '34 reconnecting:1@10!CONNECTION_LOST',
      '44 reconnecting:1!CONNECTION_LOST',
      '44 reconnecting:2@20!CONNECTION_FAILED',
      '64 reconnecting:2!CONNECTION_FAILED',
      '64 connected',
    ]);
  });

  it('fails when an outage lasts longer than maxReconnectAttempts', () => {
    const { states$ } = run(['c-l', 'f'], { maxRetries: 1 });
    expect(timeline(states$)).toEqual([
      '0 connecting',
      '0 connected',
      '2 reconnecting:1@10!CONNECTION_LOST',
      '12 reconnecting:1!CONNECTION_LOST',
      '12 failed:2!CONNECTION_FAILED',
      '12 |',
    ]);
  });

  it('moves to the next broker on every failure and says which one', () => {
    const { states$, attempts } = run(['c-l', 'c'], { brokers: [brokerA, brokerB] });
    expect(timeline(states$)).toEqual([
      '0 connecting',
      '0 connected',
      '2 reconnecting:1@10!CONNECTION_LOST>b',
      '12 reconnecting:1!CONNECTION_LOST>b',
      '12 connected>b',
    ]);
    expect(attempts).toEqual([brokerA.url, brokerB.url]);
  });

  it('cancels a pending retry when unsubscribed', () => {
    const { states$, attempts } = run(['f']);
    expect(timeline(states$, 5)).toEqual(['0 connecting', '0 connecting:1@10!CONNECTION_FAILED']);
    expect(attempts).toHaveLength(1);
  });
});
