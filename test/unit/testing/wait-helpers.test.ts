/**
 * The wait helpers on plain Observables, in virtual time: what they resolve with, what they ignore, and
 * the typed errors (with what was seen) on timeout, completion and bad arguments.
 */
import { NEVER, Subject, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  ClosedError,
  InvalidArgumentError,
  MqttConnectorError,
  TimeoutError,
  type ConnectionState,
  type MqttMessage,
} from '../../../src/index';
import { collectMessages, firstMessage, waitForState, type MessageSource } from '../../../src/testing/index';

const msg = (topic: string, payload: unknown = topic): MqttMessage =>
  ({ topic, payload, raw: new Uint8Array(), qos: 0, retain: false, dup: false, params: {} }) as const;

const state = (status: ConnectionState['status'], attempt = 0): ConnectionState => ({
  status,
  attempt,
  broker: 'mqtt://127.0.0.1:1',
  since: 0,
});

/** Runs `start` in virtual time and returns how its promise settled. */
async function settle<T>(
  start: (scheduler: TestScheduler) => Promise<T>,
): Promise<{ value?: T; error?: unknown }> {
  const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  let promise!: Promise<T>;
  scheduler.run(() => {
    promise = start(scheduler);
  });
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

describe('firstMessage on an Observable', () => {
  const values = {
    a: msg('sensors/1/temp', 20),
    b: msg('sensors/2/humidity', 40),
    c: msg('sensors/3/temp', 21),
  };

  it('resolves with the first message whose topic matches the filter', async () => {
    const result = await settle((scheduler) =>
      firstMessage(scheduler.createColdObservable('-a-b-c', values), 'sensors/+/humidity', { scheduler }),
    );
    expect(result).toEqual({ value: values.b });
  });

  it('matches # and named wildcards, and applies the where condition', async () => {
    const result = await settle((scheduler) =>
      firstMessage(scheduler.createColdObservable('-a-b-c', values), 'sensors/+id/#rest', {
        scheduler,
        where: (m) => m.payload === 21,
      }),
    );
    expect(result).toEqual({ value: values.c });
  });

  it('takes a predicate instead of a filter', async () => {
    const result = await settle((scheduler) =>
      firstMessage(scheduler.createColdObservable('-a-b-c', values), (m) => m.payload === 40, { scheduler }),
    );
    expect(result).toEqual({ value: values.b });
  });

  it('without a filter, resolves with the first message', async () => {
    const result = await settle((scheduler) => firstMessage(scheduler.createColdObservable('--a', values)));
    expect(result).toEqual({ value: values.a });
  });

  it('rejects with TIMEOUT when nothing matches in time, and says what it waited for', async () => {
    const result = await settle((scheduler) =>
      firstMessage(scheduler.createColdObservable('-a-a-a-a', values), 'sensors/+/humidity', {
        timeout: 5,
        scheduler,
      }),
    );
    expect(result.error).toBeInstanceOf(TimeoutError);
    expect((result.error as TimeoutError).code).toBe('TIMEOUT');
    expect((result.error as Error).message).toBe('0 of 1 messages on "sensors/+/humidity" within 5 ms');
  });

  it('waits forever with timeout Infinity (a match at 1000 ms still counts)', async () => {
    const result = await settle((scheduler) =>
      firstMessage(scheduler.createColdObservable('1000ms b', values), undefined, {
        timeout: Infinity,
        scheduler,
      }),
    );
    expect(result).toEqual({ value: values.b });
  });

  it('rejects with CLOSED when the source completes first', async () => {
    const result = await settle((scheduler) =>
      firstMessage(scheduler.createColdObservable('-a|', values), 'x/#'),
    );
    expect(result.error).toBeInstanceOf(ClosedError);
    expect((result.error as Error).message).toContain('0 of 1');
  });

  it('passes the source error through', async () => {
    const boom = new MqttConnectorError('SUBSCRIBE_REFUSED', 'refused');
    const result = await settle((scheduler) =>
      firstMessage(scheduler.createColdObservable('-#', values, boom), 'x/#', { scheduler }),
    );
    expect(result).toEqual({ error: boom });
  });

  it('refuses an invalid topic filter at the call', () => {
    expect(() => firstMessage(NEVER as Observable<MqttMessage>, 'a/#/b')).toThrow(
      expect.objectContaining({ code: 'INVALID_TOPIC' }),
    );
  });
});

describe('collectMessages', () => {
  const values = { a: msg('a'), b: msg('b'), c: msg('c') };

  it('resolves with the first count matching messages, in order', async () => {
    const result = await settle((scheduler) =>
      collectMessages(scheduler.createColdObservable('-a-b-a-c-a', values), (m) => m.topic !== 'b', {
        count: 3,
        scheduler,
      }),
    );
    expect(result).toEqual({ value: [values.a, values.a, values.c] });
  });

  it('rejects with TIMEOUT saying how many arrived', async () => {
    const result = await settle((scheduler) =>
      collectMessages(scheduler.createColdObservable('-a-a 10ms a', values), 'a', {
        count: 3,
        timeout: 8,
        scheduler,
      }),
    );
    expect(result.error).toBeInstanceOf(TimeoutError);
    expect((result.error as Error).message).toBe('2 of 3 messages on "a" within 8 ms');
  });

  it('rejects with CLOSED when the source completes with too few', async () => {
    const result = await settle((scheduler) =>
      collectMessages(scheduler.createColdObservable('-a-a|', values), 'a', { count: 3, scheduler }),
    );
    expect(result.error).toBeInstanceOf(ClosedError);
    expect((result.error as Error).message).toBe('The message stream ended after 2 of 3 messages on "a"');
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects count %p with INVALID_ARGUMENT', async (count) => {
    await expect(
      collectMessages(NEVER as Observable<MqttMessage>, undefined, { count }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe('firstMessage and collectMessages on a connector', () => {
  function fakeConnector() {
    const subscriptions: { filter: string; options: unknown }[] = [];
    const streams = new Map<string, Subject<MqttMessage>>();
    const messages$ = new Subject<MqttMessage>();
    const source: MessageSource = {
      messages$,
      subscribe<T>(filter: string, options?: unknown) {
        subscriptions.push({ filter, options });
        const stream = new Subject<MqttMessage>();
        streams.set(filter, stream);
        return stream as unknown as Observable<MqttMessage<T>>;
      },
    };
    return { source, subscriptions, streams, messages$ };
  }

  it('subscribes to a string filter at the call, with qos and decode, and unsubscribes when done', async () => {
    const fake = fakeConnector();
    const decode = (raw: Uint8Array) => raw.length;
    const promise = firstMessage(fake.source, 'replies/+id', { qos: 1, decode });
    expect(fake.subscriptions).toEqual([{ filter: 'replies/+id', options: { qos: 1, decode } }]);
    const stream = fake.streams.get('replies/+id') as Subject<MqttMessage>;
    expect(stream.observed).toBe(true);
    stream.next(msg('replies/7', 3));
    await expect(promise).resolves.toEqual(msg('replies/7', 3));
    expect(stream.observed).toBe(false);
  });

  it('passes no undefined subscribe options, and rejects with CLOSED when the subscription ends', async () => {
    const fake = fakeConnector();
    const promise = firstMessage(fake.source, 'a', { timeout: Infinity });
    expect(fake.subscriptions).toEqual([{ filter: 'a', options: {} }]);
    fake.streams.get('a')?.complete();
    await expect(promise).rejects.toBeInstanceOf(ClosedError);
  });

  it('reads messages$ for a predicate or no filter', async () => {
    const fake = fakeConnector();
    const first = firstMessage(fake.source);
    const matching = collectMessages(fake.source, (m) => m.topic.startsWith('b'), { count: 2 });
    fake.messages$.next(msg('a'));
    fake.messages$.next(msg('b/1'));
    fake.messages$.next(msg('b/2'));
    await expect(first).resolves.toEqual(msg('a'));
    await expect(matching).resolves.toEqual([msg('b/1'), msg('b/2')]);
    expect(fake.subscriptions).toEqual([]);
    expect(fake.messages$.observed).toBe(false);
  });
});

describe('waitForState', () => {
  const states = {
    i: state('idle'),
    c: state('connecting', 1),
    k: state('connected'),
    r: state('reconnecting', 2),
  };

  it('resolves with the first state of that status', async () => {
    const result = await settle((scheduler) =>
      waitForState(scheduler.createColdObservable('i-c-k-r-k', states), 'connected', { scheduler }),
    );
    expect(result).toEqual({ value: states.k });
  });

  it('resolves at once with the replayed current state, unless skipCurrent', async () => {
    const now = await settle((scheduler) =>
      waitForState({ state$: scheduler.createColdObservable('k-r-k', states) }, 'connected', { scheduler }),
    );
    expect(now).toEqual({ value: states.k });
    const again = { ...states.k, since: 4 };
    const later = await settle((scheduler) =>
      waitForState(
        { state$: scheduler.createColdObservable('k-r-K', { ...states, K: again }) },
        'connected',
        {
          scheduler,
          skipCurrent: true,
        },
      ),
    );
    expect(later.value).toBe(again);
  });

  it('accepts a list of statuses and a predicate', async () => {
    const any = await settle((scheduler) =>
      waitForState(scheduler.createColdObservable('i-c-r', states), ['reconnecting', 'failed'], {
        scheduler,
      }),
    );
    expect(any).toEqual({ value: states.r });
    const predicate = await settle((scheduler) =>
      waitForState(scheduler.createColdObservable('i-c-r', states), (s) => s.attempt > 0, { scheduler }),
    );
    expect(predicate).toEqual({ value: states.c });
  });

  it('rejects with TIMEOUT naming the last state and its error', async () => {
    const lost = { ...states.r, error: new MqttConnectorError('CONNECTION_LOST', 'socket closed') };
    const result = await settle((scheduler) =>
      waitForState(scheduler.createColdObservable('k-l', { ...states, l: lost }), 'connected', {
        skipCurrent: true,
        timeout: 10,
        scheduler,
      }),
    );
    expect(result.error).toBeInstanceOf(TimeoutError);
    expect((result.error as Error).message).toBe(
      "waitForState: no 'connected' state within 10 ms (last: 'reconnecting', attempt 2, error CONNECTION_LOST: socket closed)",
    );
  });

  it('rejects with CLOSED when the state stream completes first', async () => {
    const result = await settle((scheduler) =>
      waitForState(scheduler.createColdObservable('i|', states), ['failed', 'disconnected'], { scheduler }),
    );
    expect(result.error).toBeInstanceOf(ClosedError);
    expect((result.error as Error).message).toContain("'failed' or 'disconnected'");
  });
});
