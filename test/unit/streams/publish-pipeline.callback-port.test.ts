/**
 * The same guarantees over a port with the `publishCallback` fast path, whose completions can arrive
 * synchronously, inside the hand-over (re-entrancy): order, window, backlog release, failures, close.
 */
import { ClosedError } from '../../../src/connector/errors.js';
import { createPipeline, outcomes, type PortKind, track, VirtualClock } from './support/harness.js';

describe.each<PortKind>(['promise', 'callback'])('PublishPipeline over a %s port', (kind) => {
  it('releases a backlog of 10,000 mixed-QoS publishes in order, with synchronous completions', async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler, {}, kind);
    const results = outcomes(
      Array.from({ length: 10_000 }, (_, i) =>
        pipeline.publish('t', String(i), { qos: (i % 3) as 0 | 1 | 2 }),
      ),
    );
    pipeline.resume();
    expect(port.texts()).toEqual(Array.from({ length: 10_000 }, (_, i) => String(i)));
    expect((await results).every((r) => r.startsWith('ok:'))).toBe(true);
    expect([pipeline.queuedCount(), pipeline.inFlightCount()]).toEqual([0, 0]);
  });

  it('keeps the window with delayed completions and paces with throttleInterval', async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler, { throttleInterval: 5, maxInFlight: 2 }, kind);
    port.ackMode = { kind: 'delay', ms: 12 };
    pipeline.resume();
    const results = outcomes(['a', 'b', 'c', 'd'].map((v) => pipeline.publish('t', v, { qos: 1 })));
    await clock.advance(100);
    // a 0, b 5, c waits for a's ack (12), d waits for b's ack (17) and the spacing after c
    expect(port.sent.map((s) => [s.text, s.time])).toEqual([
      ['a', 0],
      ['b', 5],
      ['c', 12],
      ['d', 17],
    ]);
    expect(await results).toEqual([
      'ok:acknowledged',
      'ok:acknowledged',
      'ok:acknowledged',
      'ok:acknowledged',
    ]);
  });

  it('maps a synchronous throw and a failed completion to PUBLISH_FAILED and goes on', async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler, {}, kind);
    pipeline.resume();
    port.throwOnPublish = new Error('write after end');
    await expect(pipeline.publish('t', 'x')).rejects.toMatchObject({ code: 'PUBLISH_FAILED' });
    port.throwOnPublish = undefined;
    port.reasonCode = 0x97;
    await expect(pipeline.publish('t', 'y', { qos: 1 })).rejects.toMatchObject({
      code: 'PUBLISH_FAILED',
      reasonCode: 0x97,
    });
    port.reasonCode = 0;
    await expect(pipeline.publish('t', 'z', { qos: 2 })).resolves.toMatchObject({ status: 'acknowledged' });
    expect(pipeline.inFlightCount()).toBe(0);
  });

  it('ignores completions that arrive after a close', async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler, {}, kind);
    port.ackMode = { kind: 'manual' };
    pipeline.resume();
    const first = track(pipeline.publish('t', 'a', { qos: 1 }));
    await pipeline.close(new ClosedError('closed'));
    port.ackPending();
    await clock.advance(0);
    expect(first.current).toMatchObject({ state: 'rejected', error: { code: 'CLOSED' } });
    pipeline.reopen();
    port.ackMode = { kind: 'immediate' };
    pipeline.resume();
    await expect(pipeline.publish('t', 'b', { qos: 0 })).resolves.toMatchObject({ status: 'written' });
  });
});

describe('PublishPipeline over a port that completes writes synchronously', () => {
  it('wakes 5,000 lanes that waited for window room one after another, not one inside another', async () => {
    const clock = new VirtualClock();
    // One lane per topic (a spacing per topic), and room for one unfinished write: every lane waits.
    const { pipeline, port } = createPipeline(
      clock.scheduler,
      { topicThrottle: () => ({ interval: 1_000 }), maxPendingWrites: 1 },
      'callback',
    );
    pipeline.resume();
    port.ackMode = { kind: 'manual' };
    const first = pipeline.publish('lanes/first', 'first', { qos: 0 });
    const count = 5_000;
    const results = outcomes(
      Array.from({ length: count }, (_, i) => pipeline.publish(`lanes/${i}`, String(i), { qos: 0 })),
    );
    expect(port.sent).toHaveLength(1);
    // From now on every write finishes inside the hand-over, as the connector's own QoS 0 writes do: each
    // woken lane's write frees the room for the next lane while the wake-up is still running.
    port.ackMode = { kind: 'immediate' };
    port.ackPending();
    await expect(first).resolves.toMatchObject({ status: 'written' });
    expect(port.sent).toHaveLength(count + 1);
    expect((await results).every((r) => r === 'ok:written')).toBe(true);
    expect([pipeline.queuedCount(), pipeline.inFlightCount()]).toEqual([0, 0]);
    pipeline.close(new ClosedError('test over'));
  });
});
