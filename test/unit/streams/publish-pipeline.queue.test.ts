/**
 * Offline queue and flow control in virtual time: pause/resume ordering, overflow policies (messages
 * and bytes), timeouts, the in-flight window, a large backlog released completely.
 */
import { map } from 'rxjs';
import type { PublishResult } from '../../../src/streams/publish-types.js';
import { createPipeline, marbleScheduler, outcomes, track, VirtualClock } from './support/harness.js';

describe('PublishPipeline offline queue: pause and resume', () => {
  it('queues while paused and sends in order after resume, still paced', async () => {
    const scheduler = marbleScheduler();
    const promises: Promise<PublishResult>[] = [];
    scheduler.run(({ hot, expectObservable }) => {
      const { pipeline, port } = createPipeline(scheduler, { throttleInterval: 10 });
      // paused from the start; resume at 50, pause at 65, resume at 100
      hot('(abc) 10ms d 10ms e').subscribe((v) => promises.push(pipeline.publish('t', v)));
      hot('50ms r 14ms p 34ms r').subscribe((v) => (v === 'r' ? pipeline.resume() : pipeline.pause()));
      expectObservable(port.sent$.pipe(map((s) => s.text)), '^ 300ms !').toBe(
        '50ms a 9ms b 39ms c 9ms d 9ms e',
      );
    });
    expect(await outcomes(promises)).toEqual([
      'ok:written',
      'ok:written',
      'ok:written',
      'ok:written',
      'ok:written',
    ]);
  });

  it('publishes already handed over stay pending across a pause and settle on their ack', async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler);
    port.ackMode = { kind: 'manual' };
    pipeline.resume();
    const sent = track(pipeline.publish('t', 'in-flight', { qos: 1 }));
    pipeline.pause();
    const queued = track(pipeline.publish('t', 'queued', { qos: 1 }));
    await clock.advance(1000);
    expect([sent.current.state, queued.current.state]).toEqual(['pending', 'pending']);
    expect(pipeline.inFlightCount()).toBe(1);
    expect(pipeline.queuedCount()).toBe(1);
    port.ackPending(); // MQTT.js re-sent it after the reconnect and got the PUBACK
    pipeline.resume();
    port.ackPending();
    await clock.advance(0);
    expect(sent.current).toMatchObject({ state: 'resolved', result: { status: 'acknowledged' } });
    expect(queued.current).toMatchObject({ state: 'resolved', result: { status: 'acknowledged' } });
    expect(port.texts()).toEqual(['in-flight', 'queued']);
  });

  it('releases a backlog of 10,000 queued publishes completely and in order (QoS 1, window 100)', async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler);
    port.ackMode = { kind: 'delay', ms: 1 };
    const promises = Array.from({ length: 10_000 }, (_, i) => pipeline.publish('t', String(i), { qos: 1 }));
    expect(pipeline.queuedCount()).toBe(10_000);
    pipeline.resume();
    expect(pipeline.inFlightCount()).toBe(100);
    await clock.advance(1000);
    expect(port.texts()).toEqual(Array.from({ length: 10_000 }, (_, i) => String(i)));
    const results = await outcomes(promises);
    expect(results.filter((r) => r === 'ok:acknowledged')).toHaveLength(10_000);
    expect([pipeline.queuedCount(), pipeline.inFlightCount()]).toEqual([0, 0]);
  });

  it('releases a backlog of 10,000 with synchronous acks (no recursion, nothing stops part-way)', async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler);
    const promises = Array.from({ length: 10_000 }, (_, i) =>
      pipeline.publish('t', String(i), { qos: (i % 3) as 0 | 1 | 2 }),
    );
    pipeline.resume();
    expect(port.sent).toHaveLength(10_000);
    expect((await outcomes(promises)).every((r) => r.startsWith('ok:'))).toBe(true);
  });

  it('releases a paced backlog of 10,000 (throttleInterval 1) completely', async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler, { throttleInterval: 1 });
    const promises = Array.from({ length: 10_000 }, (_, i) => pipeline.publish('t', String(i)));
    pipeline.resume();
    await clock.advance(10_000);
    expect(port.sent).toHaveLength(10_000);
    expect(port.sent[9_999]).toMatchObject({ text: '9999', time: 9_999 });
    expect((await outcomes(promises)).every((r) => r === 'ok:written')).toBe(true);
  });
});

describe('PublishPipeline offline queue: overflow', () => {
  async function overflow(
    policy: 'error' | 'dropOldest' | 'dropNewest',
    limits: { messages?: number; bytes?: number },
  ) {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler, { overflow: policy, maxQueued: limits });
    const tracked = ['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee'].map((v) => track(pipeline.publish('t', v)));
    await clock.advance(0);
    const beforeResume = tracked.map((t) => t.current.state);
    const queued = [pipeline.queuedCount(), pipeline.queuedBytes()];
    pipeline.resume();
    await clock.advance(0);
    const codes = tracked.map((t) =>
      t.current.state === 'rejected'
        ? t.current.error.code
        : t.current.state === 'resolved'
          ? 'ok'
          : 'pending',
    );
    return { beforeResume, queued, codes, sent: port.texts(), pipeline };
  }

  it.each([
    ['messages', { messages: 3 }],
    ['bytes', { bytes: 12 }],
  ] as const)("'error' (default) refuses new publishes once full (%s)", async (_, limits) => {
    const { beforeResume, queued, codes, sent } = await overflow('error', limits);
    expect(beforeResume).toEqual(['pending', 'pending', 'pending', 'rejected', 'rejected']);
    expect(queued).toEqual([3, 12]);
    expect(codes).toEqual(['ok', 'ok', 'ok', 'QUEUE_FULL', 'QUEUE_FULL']);
    expect(sent).toEqual(['aaaa', 'bbbb', 'cccc']);
  });

  it.each([
    ['messages', { messages: 3 }],
    ['bytes', { bytes: 12 }],
  ] as const)("'dropOldest' rejects the oldest waiting ones at once to make room (%s)", async (_, limits) => {
    const { beforeResume, codes, sent } = await overflow('dropOldest', limits);
    expect(beforeResume).toEqual(['rejected', 'rejected', 'pending', 'pending', 'pending']);
    expect(codes).toEqual(['QUEUE_FULL', 'QUEUE_FULL', 'ok', 'ok', 'ok']);
    expect(sent).toEqual(['cccc', 'dddd', 'eeee']);
  });

  it.each([
    ['messages', { messages: 3 }],
    ['bytes', { bytes: 12 }],
  ] as const)("'dropNewest' rejects the new publish (%s)", async (_, limits) => {
    const { codes, sent } = await overflow('dropNewest', limits);
    expect(codes).toEqual(['ok', 'ok', 'ok', 'QUEUE_FULL', 'QUEUE_FULL']);
    expect(sent).toEqual(['aaaa', 'bbbb', 'cccc']);
  });

  it.each(['dropNewest', 'dropOldest'] as const)(
    "'%s': a dropped publish nobody awaits raises no unhandled rejection; awaiting it still gives QUEUE_FULL",
    async (overflow) => {
      const clock = new VirtualClock();
      const { pipeline } = createPipeline(clock.scheduler, { overflow, maxQueued: { messages: 1 } });
      // Fire and forget (telemetry): no handler on any of them. Jest fails a test in which a rejection
      // goes unhandled, so this test passing is the check; under 'error' the same code would fail it.
      const promises = ['a', 'b', 'c'].map((v) => pipeline.publish('t', v));
      await clock.advance(0);
      await new Promise((resolve) => setTimeout(resolve, 10));
      pipeline.resume();
      const codes = await outcomes(promises);
      expect(codes).toEqual(
        overflow === 'dropNewest'
          ? ['ok:written', 'QUEUE_FULL', 'QUEUE_FULL']
          : ['QUEUE_FULL', 'QUEUE_FULL', 'ok:written'],
      );
    },
  );

  it.each([
    ['error', 'Offline queue full: refusing new publishes (QUEUE_FULL)', 0],
    ['dropNewest', 'Offline queue full: dropping new publishes (QUEUE_FULL)', 3],
    ['dropOldest', 'Offline queue full: dropping the oldest waiting publishes (QUEUE_FULL)', 3],
  ] as const)(
    "'%s' warns once per overflow episode, saying what it does",
    async (overflow, warning, debugs) => {
      const clock = new VirtualClock();
      const log = jest.fn();
      const { pipeline } = createPipeline(clock.scheduler, { overflow, maxQueued: { messages: 2 }, log });
      const promises = ['a', 'b', 'c', 'd', 'e'].map((v) => pipeline.publish('t', v));
      pipeline.resume(); // the queue empties: the episode is over
      const later = ['f', 'g', 'h'].map((v) => pipeline.publish('t', v)); // sent at once, no overflow
      pipeline.pause();
      const again = ['i', 'j', 'k'].map((v) => pipeline.publish('t', v)); // a second episode
      pipeline.resume();
      await outcomes([...promises, ...later, ...again]);
      const warnings = log.mock.calls.filter(([level]) => level === 'warn');
      expect(warnings.map(([, message]) => message)).toEqual([warning, warning]);
      expect(warnings[0]?.[2]).toMatchObject({ policy: overflow, queued: 2, topic: 't' });
      // drop policies also note each drop at debug level (3 in the first episode, 1 in the second)
      expect(log.mock.calls.filter(([level]) => level === 'debug')).toHaveLength(
        debugs === 0 ? 0 : debugs + 1,
      );
    },
  );

  it('refuses a single message larger than maxQueued.bytes without evicting anything', async () => {
    const clock = new VirtualClock();
    const { pipeline } = createPipeline(clock.scheduler, { overflow: 'dropOldest', maxQueued: { bytes: 8 } });
    const small = track(pipeline.publish('t', 'abcd'));
    const huge = pipeline.publish('t', 'way too large');
    await expect(huge).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    expect(small.current.state).toBe('pending');
    expect(pipeline.queuedCount()).toBe(1);
  });

  it('bounds what waits for pacing while connected too, and warns once per episode', async () => {
    const clock = new VirtualClock();
    const log = jest.fn();
    const { pipeline } = createPipeline(clock.scheduler, {
      throttleInterval: 100,
      maxQueued: { messages: 2 },
      log,
    });
    pipeline.resume();
    const results = outcomes(['a', 'b', 'c', 'd', 'e'].map((v) => pipeline.publish('t', v)));
    await clock.advance(1000);
    expect(await results).toEqual(['ok:written', 'ok:written', 'ok:written', 'QUEUE_FULL', 'QUEUE_FULL']);
    expect(log.mock.calls.filter(([level]) => level === 'warn')).toHaveLength(1);
    await expect(pipeline.publish('t', 'f')).resolves.toMatchObject({ status: 'written' });
  });

  it('maxQueued.messages 0 means no waiting at all: what can go now goes, the rest is refused', async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler, {
      throttleInterval: 100,
      maxQueued: { messages: 0 },
    });
    const offline = pipeline.publish('t', 'offline');
    await expect(offline).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    pipeline.resume();
    const results = outcomes([pipeline.publish('t', 'a'), pipeline.publish('t', 'b')]);
    await clock.advance(100);
    expect(await results).toEqual(['ok:written', 'QUEUE_FULL']);
    await expect(pipeline.publish('t', 'c')).resolves.toMatchObject({ status: 'written' });
    expect(port.texts()).toEqual(['a', 'c']);
  });

  it('dropOldest over a large backlog drops exactly the oldest and keeps memory bounded', async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler, {
      overflow: 'dropOldest',
      maxQueued: { messages: 1000 },
    });
    const promises = Array.from({ length: 20_000 }, (_, i) => pipeline.publish('t', String(i)));
    expect(pipeline.queuedCount()).toBe(1000);
    pipeline.resume();
    const results = await outcomes(promises);
    expect(results.slice(0, 19_000).every((r) => r === 'QUEUE_FULL')).toBe(true);
    expect(results.slice(19_000).every((r) => r === 'ok:written')).toBe(true);
    expect(port.texts()).toEqual(Array.from({ length: 1000 }, (_, i) => String(19_000 + i)));
  });
});

describe('PublishPipeline timeouts', () => {
  it('a queued publish that times out is removed and never sent', async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler);
    const timed = track(pipeline.publish('t', 'late', { timeout: 50 }));
    const patient = track(pipeline.publish('t', 'patient'));
    await clock.advance(49);
    expect(timed.current.state).toBe('pending');
    await clock.advance(1);
    expect(timed.current).toMatchObject({ state: 'rejected', error: { code: 'TIMEOUT' } });
    expect(pipeline.queuedCount()).toBe(1);
    pipeline.resume();
    await clock.advance(0);
    expect(port.texts()).toEqual(['patient']);
    expect(patient.current.state).toBe('resolved');
  });

  it('a sent publish that times out rejects but keeps its window slot until MQTT.js finishes it', async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler, { maxInFlight: 1 });
    port.ackMode = { kind: 'manual' };
    pipeline.resume();
    const first = track(pipeline.publish('t', 'a', { qos: 1, timeout: 100 }));
    const second = track(pipeline.publish('t', 'b', { qos: 1 }));
    await clock.advance(100);
    expect(first.current).toMatchObject({ state: 'rejected', error: { code: 'TIMEOUT' } });
    expect(first.current.state === 'rejected' && first.current.error.message).toMatch(
      /may still be delivered/,
    );
    expect([pipeline.inFlightCount(), port.sent.length]).toEqual([1, 1]);
    port.ackPending(); // the late PUBACK frees the slot; it does not settle the promise again
    await clock.advance(0);
    expect(port.texts()).toEqual(['a', 'b']);
    port.ackPending();
    await clock.advance(0);
    expect(second.current).toMatchObject({ state: 'resolved' });
  });

  it('applies publishTimeout by default; 0 and Infinity mean none', async () => {
    const clock = new VirtualClock();
    const { pipeline } = createPipeline(clock.scheduler, { publishTimeout: 10 });
    const byDefault = track(pipeline.publish('t', 'a'));
    const none = track(pipeline.publish('t', 'b', { timeout: 0 }));
    const infinite = track(pipeline.publish('t', 'c', { timeout: Number.POSITIVE_INFINITY }));
    await clock.advance(10_000);
    expect([byDefault.current.state, none.current.state, infinite.current.state]).toEqual([
      'rejected',
      'pending',
      'pending',
    ]);
  });

  it('many timed-out queued publishes do not pile up (compaction) and the queue still works', async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler);
    const timedOut = outcomes(
      Array.from({ length: 5000 }, (_, i) => pipeline.publish('t', `x${i}`, { timeout: 1 })),
    );
    await clock.advance(1);
    expect(pipeline.queuedCount()).toBe(0);
    const kept = pipeline.publish('t', 'kept');
    pipeline.resume();
    expect((await timedOut).every((r) => r === 'TIMEOUT')).toBe(true);
    await expect(kept).resolves.toMatchObject({ status: 'written' });
    expect(port.texts()).toEqual(['kept']);
  });
});

describe('PublishPipeline in-flight window', () => {
  it("uses the broker's Receive Maximum", async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler);
    port.connack = { sessionPresent: false, broker: 'mqtt://fake', receiveMaximum: 3 };
    port.ackMode = { kind: 'manual' };
    pipeline.resume();
    Array.from({ length: 10 }, (_, i) => void pipeline.publish('t', String(i), { qos: 1 }));
    expect([port.sent.length, pipeline.inFlightCount(), pipeline.queuedCount()]).toEqual([3, 3, 7]);
    port.ackPending(2);
    expect(port.sent).toHaveLength(5);
  });

  it('caps QoS 2 at 19 and QoS 1 + 2 at 100 when the broker states no Receive Maximum', () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler);
    port.ackMode = { kind: 'manual' };
    pipeline.resume();
    Array.from({ length: 30 }, () => void pipeline.publish('t', 'q2', { qos: 2 }));
    expect(port.sent).toHaveLength(19);
    port.ackPending();
    Array.from({ length: 200 }, () => void pipeline.publish('t', 'q1', { qos: 1 }));
    expect(port.sent).toHaveLength(30 + 89); // 11 QoS 2 still in flight + 89 QoS 1
  });

  it('bounds unfinished QoS 0 writes by maxPendingWrites', () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler, { maxPendingWrites: 4 });
    port.ackMode = { kind: 'manual' };
    pipeline.resume();
    Array.from({ length: 10 }, () => void pipeline.publish('t', 'x'));
    expect(port.sent).toHaveLength(4);
    port.ackPending(1);
    expect(port.sent).toHaveLength(5);
  });

  it('maps port failures to typed errors and keeps going', async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler);
    pipeline.resume();
    port.reasonCode = 0x87;
    await expect(pipeline.publish('t', 'refused', { qos: 1 })).rejects.toMatchObject({
      code: 'PUBLISH_FAILED',
      reasonCode: 0x87,
    });
    port.reasonCode = 0x10;
    await expect(pipeline.publish('t', 'nobody', { qos: 1 })).resolves.toMatchObject({ reasonCode: 0x10 });
    port.throwOnPublish = new Error('boom');
    await expect(pipeline.publish('t', 'x')).rejects.toMatchObject({ code: 'PUBLISH_FAILED' });
    port.throwOnPublish = undefined;
    port.ackMode = { kind: 'manual' };
    const rejected = pipeline.publish('t', 'y', { qos: 1 });
    port.sent.at(-1)?.ack.reject(new Error('socket says no'));
    await expect(rejected).rejects.toMatchObject({
      code: 'PUBLISH_FAILED',
      message: expect.stringContaining('socket says no'),
    });
    expect(pipeline.inFlightCount()).toBe(0);
  });
});
