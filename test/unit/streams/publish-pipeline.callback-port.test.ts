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
