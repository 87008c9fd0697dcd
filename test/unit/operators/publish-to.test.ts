/**
 * publishTo: eager publishing, results in source order, failure modes, completion, unsubscribe, and a
 * run over a real PublishPipeline (fake port, virtual time). Every behaviour is checked on both paths:
 * a target's `publish()` promise, and the connector's promise-free listener publish.
 */
import { from, lastValueFrom, type Observable, of, Subject, toArray } from 'rxjs';
import {
  InvalidTopicError,
  MqttConnectorError,
  PublishFailedError,
  TimeoutError,
} from '../../../src/connector/errors.js';
import { type PublishOutcome, publishTo, type PublishTarget } from '../../../src/operators/publish-to.js';
import { provideListenerPublish } from '../../../src/streams/listener-publish.js';
import type { PublishOptions, PublishResult } from '../../../src/streams/publish-types.js';
import { createPipeline, settle, VirtualClock } from '../streams/support/harness.js';

interface Call {
  topic: string;
  message: unknown;
  options: PublishOptions | undefined;
  resolve: () => void;
  reject: (error: unknown) => void;
}

type Path = 'promise' | 'listener';

function resultFor(topic: string, options: PublishOptions | undefined): PublishResult {
  return { topic, qos: options?.qos ?? 0, retain: false, bytes: 1, status: 'written', reasonCode: 0 };
}

/**
 * A target whose publishes settle when the test says so. On the listener path it also has the
 * connector's promise-free publish (which publishTo then uses; its `publish()` would throw).
 */
function manualTarget(path: Path): PublishTarget & { calls: Call[] } {
  const calls: Call[] = [];
  const target = {
    calls,
    publish(topic: string, message: unknown, options?: PublishOptions) {
      if (path === 'listener') throw new Error('publishTo must use the listener publish');
      return new Promise<PublishResult>((resolve, reject) => {
        calls.push({ topic, message, options, resolve: () => resolve(resultFor(topic, options)), reject });
      });
    },
  };
  if (path === 'listener') {
    provideListenerPublish(target, (topic, message, options, listener) => {
      calls.push({
        topic,
        message,
        options,
        resolve: () => listener.settled(resultFor(topic, options), undefined),
        reject: (error) => listener.settled(undefined, asTyped(error)),
      });
    });
  }
  return target;
}

/** The connector settles with typed errors only; a plain Error stands for a PUBLISH_FAILED here. */
function asTyped(error: unknown): MqttConnectorError {
  return error instanceof MqttConnectorError ? error : new PublishFailedError(String(error));
}

function collect<T>(source: Observable<T>): { values: T[]; error: unknown; completed: boolean } {
  const box = { values: [] as T[], error: undefined as unknown, completed: false };
  source.subscribe({
    next: (value) => box.values.push(value),
    error: (error: unknown) => (box.error = error),
    complete: () => (box.completed = true),
  });
  return box;
}

describe.each<Path>(['promise', 'listener'])('publishTo (%s path)', (path) => {
  it('publishes each value at once and emits the results in source order, whatever the ack order', async () => {
    const target = manualTarget(path);
    const source = new Subject<number>();
    const seen = collect(source.pipe(publishTo(target, 'sensors/1', { qos: 1 })));
    source.next(1);
    source.next(2);
    source.next(3);
    expect(target.calls.map((c) => [c.topic, c.message, c.options?.qos])).toEqual([
      ['sensors/1', 1, 1],
      ['sensors/1', 2, 1],
      ['sensors/1', 3, 1],
    ]);
    target.calls[2]?.resolve();
    target.calls[1]?.resolve();
    await settle();
    expect(seen.values).toEqual([]); // the first one is still pending
    target.calls[0]?.resolve();
    await settle();
    expect(seen.values.map((r) => r.topic)).toEqual(['sensors/1', 'sensors/1', 'sensors/1']);
    source.complete();
    await settle();
    expect(seen.completed).toBe(true);
  });

  it('computes topic, message and per-value options from the value and its index', async () => {
    const target = manualTarget(path);
    const source = of({ id: 'a', on: true }, { id: 'b', on: false });
    const done = lastValueFrom(
      source.pipe(
        publishTo(target, (d, i) => `devices/${d.id}/${i}`, {
          qos: 1,
          retain: true,
          message: (d) => ({ on: d.on }),
          optionsFor: (d) => (d.on ? { qos: 2 } : {}),
        }),
        toArray(),
      ),
    );
    await settle();
    target.calls.forEach((c) => c.resolve());
    await done;
    expect(target.calls.map((c) => [c.topic, c.message, c.options])).toEqual([
      ['devices/a/0', { on: true }, { qos: 2, retain: true }],
      ['devices/b/1', { on: false }, { qos: 1, retain: true }],
    ]);
  });

  it('by default errors the stream with the first failure (in order), leaving no unhandled rejection', async () => {
    const target = manualTarget(path);
    const source = new Subject<string>();
    const seen = collect(source.pipe(publishTo(target, 't')));
    ['a', 'b', 'c'].forEach((v) => source.next(v));
    const failure = new TimeoutError('too slow');
    target.calls[0]?.resolve();
    target.calls[1]?.reject(failure);
    target.calls[2]?.reject(new TimeoutError('also too slow')); // nobody waits for it any more
    await settle();
    expect(seen.values).toHaveLength(1);
    expect(seen.error).toBe(failure);
  });

  it("with errors: 'emit' emits outcomes and goes on to completion", async () => {
    const target = manualTarget(path);
    const outcomes = lastValueFrom(
      from(['a', 'b', 'c']).pipe(publishTo(target, 't', { errors: 'emit' }), toArray()),
    );
    await settle();
    target.calls[0]?.resolve();
    target.calls[1]?.reject(new InvalidTopicError('t', 'nope'));
    target.calls[2]?.reject(new Error('plain'));
    const result = await outcomes;
    expect(result.map((o) => (o.ok ? `ok:${o.value}` : `${o.error.code}:${o.value}`))).toEqual([
      'ok:a',
      'INVALID_TOPIC:b',
      'PUBLISH_FAILED:c',
    ]);
  });

  it('turns a synchronous throw of the target into a failure, and a throwing topic function into a stream error', async () => {
    const fail = () => {
      throw new Error('not connected yet');
    };
    const throwing: PublishTarget = { publish: fail };
    if (path === 'listener') provideListenerPublish(throwing, fail);
    const outcomes = await lastValueFrom(of(1).pipe(publishTo(throwing, 't', { errors: 'emit' }), toArray()));
    expect(outcomes[0]).toMatchObject({ ok: false, error: { code: 'PUBLISH_FAILED' } });
    const badTopic = collect(
      of(1).pipe(
        publishTo(manualTarget(path), () => {
          throw new Error('no topic for you');
        }),
      ),
    );
    expect(badTopic.error).toEqual(new Error('no topic for you'));
  });

  it('unsubscribing stops emitting; publishes already made still settle without unhandled rejections', async () => {
    const target = manualTarget(path);
    const source = new Subject<number>();
    const seen: PublishResult[] = [];
    const subscription = source.pipe(publishTo(target, 't')).subscribe((r) => seen.push(r));
    source.next(1);
    source.next(2);
    subscription.unsubscribe();
    target.calls[0]?.resolve();
    target.calls[1]?.reject(new TimeoutError('late'));
    await settle();
    expect(seen).toEqual([]);
    expect(target.calls).toHaveLength(2);
  });

  it('emits asynchronously after settlement, a burst of settlements together, as promises would', async () => {
    const target = manualTarget(path);
    const seen = collect(from([1, 2, 3]).pipe(publishTo(target, 't')));
    target.calls.forEach((c) => c.resolve());
    expect(seen.values).toEqual([]); // never from inside the publisher's own settlement code
    await settle();
    expect(seen.values).toHaveLength(3);
    expect(seen.completed).toBe(true);
  });

  it('lets a subscriber feed the source again from inside an emission, order kept', async () => {
    const target = manualTarget(path);
    const source = new Subject<number>();
    const topics: string[] = [];
    source.pipe(publishTo(target, (n) => `t/${n}`)).subscribe((result) => {
      topics.push(result.topic);
      if (result.topic === 't/1') source.next(3);
    });
    source.next(1);
    source.next(2);
    target.calls.forEach((c) => c.resolve());
    await settle();
    expect(target.calls.map((c) => c.topic)).toEqual(['t/1', 't/2', 't/3']);
    target.calls[2]?.resolve();
    await settle();
    expect(topics).toEqual(['t/1', 't/2', 't/3']);
  });

  it('completes at once for an empty source, and passes a source error on', async () => {
    const target = manualTarget(path);
    const empty = collect(from([] as number[]).pipe(publishTo(target, 't')));
    await settle();
    expect(empty.completed).toBe(true);
    const source = new Subject<number>();
    const failing = collect(source.pipe(publishTo(target, 't')));
    source.next(1);
    source.error(new Error('sensor gone'));
    expect(failing.error).toEqual(new Error('sensor gone'));
  });

  it('publishes nothing more once a throwing topic function has errored a synchronous source', () => {
    const target = manualTarget(path);
    const seen = collect(
      of(1, 2, 3).pipe(
        publishTo(target, (n) => {
          if (n === 2) throw new Error('no topic for 2');
          return `t/${n}`;
        }),
      ),
    );
    expect(seen.error).toEqual(new Error('no topic for 2'));
    expect(target.calls.map((c) => c.topic)).toEqual(['t/1']);
  });

  it('types: PublishResult by default, PublishOutcome<T> with errors: emit', () => {
    const target = manualTarget(path);
    const results: Observable<PublishResult> = of(1).pipe(publishTo(target, 't'));
    const outcomes: Observable<PublishOutcome<number>> = of(1).pipe(
      publishTo(target, 't', { errors: 'emit' }),
    );
    expect([results, outcomes]).toHaveLength(2);
  });

  it('works over a real PublishPipeline: paced, in order, every result emitted', async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler, { throttleInterval: 10 });
    pipeline.resume();
    const target: PublishTarget = { publish: (t, m, o) => pipeline.publish(t, m, o) };
    if (path === 'listener')
      provideListenerPublish(target, (t, m, o, l) => pipeline.publishWithListener(t, m, o, l));
    const seen = collect(from([1, 2, 3]).pipe(publishTo(target, (n) => `n/${n}`, { qos: 1 })));
    await clock.advance(100);
    expect(port.sent.map((s) => [s.topic, s.time])).toEqual([
      ['n/1', 0],
      ['n/2', 10],
      ['n/3', 20],
    ]);
    expect(seen.values.map((r) => [r.topic, r.status])).toEqual([
      ['n/1', 'acknowledged'],
      ['n/2', 'acknowledged'],
      ['n/3', 'acknowledged'],
    ]);
    expect(seen.completed).toBe(true);
  });
});
