/**
 * close() with and without flush, reopen(), and late completions after a close.
 */
import { ClosedError } from '../../../src/connector/errors.js';
import { createPipeline, outcomes, track, VirtualClock } from './support/harness.js';

const closed = () => new ClosedError('The connector was disconnected');

describe('PublishPipeline close', () => {
  it('without flush: rejects queued and in-flight publishes with the close error, and new ones too', async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler, { throttleInterval: 10 });
    port.ackMode = { kind: 'manual' };
    pipeline.resume();
    const promises = ['a', 'b', 'c'].map((v) => pipeline.publish('t', v, { qos: 1 }));
    const error = closed();
    await pipeline.close(error);
    const after = pipeline.publish('t', 'd');
    const results = await Promise.allSettled([...promises, after]);
    expect(results.map((r) => r.status === 'rejected' && r.reason)).toEqual([error, error, error, error]);
    expect([pipeline.queuedCount(), pipeline.inFlightCount()]).toEqual([0, 0]);
    port.ackPending(); // the late PUBACK of 'a' is ignored (already rejected, window reset)
    await clock.advance(1000);
    expect(port.texts()).toEqual(['a']);
  });

  it('with flush: waits until everything queued was sent and acknowledged, refusing new publishes', async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler, { throttleInterval: 10 });
    port.ackMode = { kind: 'delay', ms: 5 };
    pipeline.resume();
    const results = outcomes(['a', 'b', 'c'].map((v) => pipeline.publish('t', v, { qos: 1 })));
    let done = false;
    void pipeline.close(closed(), { flush: true }).then(() => (done = true));
    await expect(pipeline.publish('t', 'late')).rejects.toMatchObject({ code: 'CLOSED' });
    await clock.advance(20);
    expect(done).toBe(false); // 'c' leaves at 20, acknowledged at 25
    await clock.advance(5);
    expect(done).toBe(true);
    expect(await results).toEqual(['ok:acknowledged', 'ok:acknowledged', 'ok:acknowledged']);
    expect(port.texts()).toEqual(['a', 'b', 'c']);
  });

  it('with flush while paused (connected, restoring subscriptions): waits for resume, then drains', async () => {
    const clock = new VirtualClock();
    const { pipeline } = createPipeline(clock.scheduler);
    const queued = track(pipeline.publish('t', 'a'));
    let done = false;
    void pipeline.close(closed(), { flush: true }).then(() => (done = true));
    await clock.advance(10);
    expect([done, queued.current.state]).toEqual([false, 'pending']);
    pipeline.resume();
    await clock.advance(0);
    expect(done).toBe(true);
    expect(queued.current).toMatchObject({ state: 'resolved', result: { status: 'written' } });
  });

  it('with flush while paused: a pause() (connection lost) ends the wait and rejects', async () => {
    const clock = new VirtualClock();
    const { pipeline } = createPipeline(clock.scheduler);
    const queued = pipeline.publish('t', 'a');
    const closing = pipeline.close(closed(), { flush: true });
    pipeline.pause();
    await closing;
    await expect(queued).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('a pause during the flush ends it: what is left rejects', async () => {
    const clock = new VirtualClock();
    const { pipeline } = createPipeline(clock.scheduler, { throttleInterval: 100 });
    pipeline.resume();
    const results = outcomes(['a', 'b', 'c'].map((v) => pipeline.publish('t', v)));
    const closing = pipeline.close(closed(), { flush: true });
    await clock.advance(150);
    pipeline.pause();
    await closing;
    expect(await results).toEqual(['ok:written', 'ok:written', 'CLOSED']);
  });

  it('a close without flush interrupts a running flush', async () => {
    const clock = new VirtualClock();
    const { pipeline } = createPipeline(clock.scheduler, { throttleInterval: 100 });
    pipeline.resume();
    const results = outcomes(['a', 'b', 'c'].map((v) => pipeline.publish('t', v)));
    const flushing = pipeline.close(closed(), { flush: true });
    const failed = new ClosedError('The connector failed');
    await pipeline.close(failed);
    await flushing;
    expect(await results).toEqual(['ok:written', 'CLOSED', 'CLOSED']);
  });

  it('reopen: accepts publishes again, queued until resume, with a fresh window', async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler, { maxInFlight: 2 });
    port.ackMode = { kind: 'manual' };
    pipeline.resume();
    const stale = outcomes(['a', 'b'].map((v) => pipeline.publish('t', v, { qos: 1 })));
    await pipeline.close(closed());
    expect(await stale).toEqual(['CLOSED', 'CLOSED']);
    pipeline.reopen();
    const fresh = track(pipeline.publish('t', 'c', { qos: 1 }));
    await clock.advance(0);
    expect(fresh.current.state).toBe('pending');
    expect(port.sent).toHaveLength(2);
    pipeline.resume(); // the old publishes' slots do not count any more
    pipeline.publish('t', 'd', { qos: 1 }).catch(() => undefined);
    expect(port.texts()).toEqual(['a', 'b', 'c', 'd']);
    port.ackPending();
    await clock.advance(0);
    expect(fresh.current).toMatchObject({ state: 'resolved', result: { status: 'acknowledged' } });
  });

  it('rejects timed and conflated publishes too, and cancels their timers', async () => {
    const clock = new VirtualClock();
    const { pipeline } = createPipeline(clock.scheduler, { throttleInterval: 100, throttleMode: 'latest' });
    pipeline.resume();
    const results = outcomes([
      pipeline.publish('x', 1, { timeout: 50 }),
      pipeline.publish('x', 2, { timeout: 50 }), // held in the throttle window
      pipeline.publish('y', 1),
    ]);
    await pipeline.close(closed());
    await clock.advance(1000);
    expect(await results).toEqual(['ok:written', 'CLOSED', 'ok:written']);
  });
});
