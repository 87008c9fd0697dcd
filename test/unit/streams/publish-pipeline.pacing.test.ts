/**
 * Pacing in virtual time (TestScheduler marbles): spacing >= T, call order, nothing dropped, every
 * promise settles; per-topic pacing; 'latest' conflation (leading + trailing, superseded settle at once).
 */
import { map } from 'rxjs';
import type { PublishResult } from '../../../src/streams/publish-types.js';
import { createPipeline, marbleScheduler, outcomes, track, VirtualClock } from './support/harness.js';

describe('PublishPipeline pacing (spaced)', () => {
  it('spaces a burst at least throttleInterval apart, in call order, dropping nothing', async () => {
    const scheduler = marbleScheduler();
    const promises: Promise<PublishResult>[] = [];
    scheduler.run(({ cold, expectObservable }) => {
      const { pipeline, port } = createPipeline(scheduler, { throttleInterval: 100 });
      pipeline.resume();
      cold('(abcd)').subscribe((v) => promises.push(pipeline.publish('t', v)));
      expectObservable(port.sent$.pipe(map((s) => s.text)), '^ 1000ms !').toBe('a 99ms b 99ms c 99ms d');
    });
    expect(await outcomes(promises)).toEqual(['ok:written', 'ok:written', 'ok:written', 'ok:written']);
  });

  it('sends at once when the previous message left at least T ago, waits otherwise', () => {
    const scheduler = marbleScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const { pipeline, port } = createPipeline(scheduler, { throttleInterval: 100 });
      pipeline.resume();
      // calls at 0, 50, 120 and 400: sends at 0, 100, 200 and 400
      hot('a 49ms b 69ms c 279ms d').subscribe((v) => void pipeline.publish('t', v));
      expectObservable(port.sent$.pipe(map((s) => s.text)), '^ 1000ms !').toBe('a 99ms b 99ms c 199ms d');
    });
  });

  it('keeps spacing with QoS 1 and settles each promise on its own PUBACK', async () => {
    const scheduler = marbleScheduler();
    const promises: Promise<PublishResult>[] = [];
    scheduler.run(({ cold, expectObservable }) => {
      const { pipeline, port } = createPipeline(scheduler, { throttleInterval: 10 });
      port.ackMode = { kind: 'delay', ms: 25 };
      pipeline.resume();
      cold('(abc)').subscribe((v) => promises.push(pipeline.publish('t', v, { qos: 1 })));
      expectObservable(port.sent$.pipe(map((s) => s.text)), '^ 100ms !').toBe('a 9ms b 9ms c');
    });
    expect(await outcomes(promises)).toEqual(['ok:acknowledged', 'ok:acknowledged', 'ok:acknowledged']);
  });

  it('at throttleInterval 0 sends everything at once in order, bounded by the in-flight window', () => {
    const scheduler = marbleScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const { pipeline, port } = createPipeline(scheduler, { throttleInterval: 0, maxInFlight: 2 });
      port.ackMode = { kind: 'delay', ms: 10 };
      pipeline.resume();
      cold('(abcde)').subscribe((v) => void pipeline.publish('t', v, { qos: 1 }));
      // two in flight; each PUBACK (10 ms later) lets the next one go
      expectObservable(port.sent$.pipe(map((s) => s.text)), '^ 100ms !').toBe('(ab) 6ms (cd) 6ms e');
    });
  });

  it('waits for window room and still keeps the spacing', () => {
    const scheduler = marbleScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const { pipeline, port } = createPipeline(scheduler, { throttleInterval: 10, maxInFlight: 1 });
      port.ackMode = { kind: 'delay', ms: 30 };
      pipeline.resume();
      cold('(abc)').subscribe((v) => void pipeline.publish('t', v, { qos: 2 }));
      expectObservable(port.sent$.pipe(map((s) => s.text)), '^ 100ms !').toBe('a 29ms b 29ms c');
    });
  });
});

describe('PublishPipeline per-topic pacing', () => {
  it('paces each topic by its own rule; unpaced topics do not wait behind paced ones', () => {
    const scheduler = marbleScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const { pipeline, port } = createPipeline(scheduler, {
        throttleInterval: 10,
        topicThrottle: (topic) =>
          topic.startsWith('slow/') ? { interval: 50 } : topic === 'alarm' ? { interval: 0 } : undefined,
      });
      pipeline.resume();
      cold('(abc)').subscribe((v) => void pipeline.publish('slow/1', `s${v}`));
      cold('(abc)').subscribe((v) => void pipeline.publish('slow/2', `t${v}`));
      cold('(abc)').subscribe((v) => void pipeline.publish('other', `o${v}`));
      cold('(abc)').subscribe((v) => void pipeline.publish('alarm', `x${v}`));
      const sent = port.sent$.pipe(map((s) => s.text));
      expectObservable(sent, '^ 200ms !').toBe('(ABCDEF) 2ms G 9ms H 29ms (IJ) 46ms (KL)', {
        A: 'sa',
        B: 'ta',
        C: 'oa',
        D: 'xa',
        E: 'xb',
        F: 'xc',
        G: 'ob',
        H: 'oc',
        I: 'sb',
        J: 'tb',
        K: 'sc',
        L: 'tc',
      });
    });
  });

  it('a named lane shares one spacing across topics', () => {
    const scheduler = marbleScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const { pipeline, port } = createPipeline(scheduler, {
        throttleInterval: 0,
        topicThrottle: (topic) => (topic.startsWith('dev/') ? { interval: 20, lane: 'device' } : undefined),
      });
      pipeline.resume();
      cold('(ab)').subscribe((v) => void pipeline.publish('dev/x', `x${v}`));
      cold('(ab)').subscribe((v) => void pipeline.publish('dev/y', `y${v}`));
      expectObservable(port.sent$.pipe(map((s) => s.text)), '^ 100ms !').toBe('A 19ms B 19ms C 19ms D', {
        A: 'xa',
        B: 'xb',
        C: 'ya',
        D: 'yb',
      });
    });
  });

  it('drops per-topic lanes once idle: 10,000 topics leave nothing behind', async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler, { topicThrottle: () => ({ interval: 10 }) });
    pipeline.resume();
    const results = outcomes(
      Array.from({ length: 10_000 }, (_, i) => [
        pipeline.publish(`t/${i}`, 'a'),
        pipeline.publish(`t/${i}`, 'b'),
      ]).flat(),
    );
    expect(pipeline.laneCount()).toBe(10_000);
    await clock.advance(10);
    expect(port.sent).toHaveLength(20_000);
    await clock.advance(10);
    expect(pipeline.laneCount()).toBe(0);
    expect((await results).every((r) => r === 'ok:written')).toBe(true);
  });

  it('rejects the publish (INVALID_OPTIONS) when the rule returns nonsense, and keeps working', async () => {
    const scheduler = new VirtualClock().scheduler;
    const { pipeline } = createPipeline(scheduler, {
      topicThrottle: (topic) => (topic === 'bad' ? ({ interval: -1 } as never) : undefined),
    });
    pipeline.resume();
    expect(await outcomes([pipeline.publish('bad', 'x'), pipeline.publish('good', 'y')])).toEqual([
      'INVALID_OPTIONS',
      'ok:written',
    ]);
  });
});

describe("PublishPipeline 'latest' conflation", () => {
  it('sends the first of a quiet topic at once and the newest at the end of the window (per topic)', async () => {
    const scheduler = marbleScheduler();
    const promises: Promise<PublishResult>[] = [];
    scheduler.run(({ hot, expectObservable }) => {
      const { pipeline, port } = createPipeline(scheduler, { throttleInterval: 100, throttleMode: 'latest' });
      pipeline.resume();
      // x at 0, 10, 20, 30; y at 15; x again at 300 (quiet by then: leading)
      hot('a 9ms b 9ms c 9ms d 269ms e').subscribe((v) => promises.push(pipeline.publish('x', v)));
      hot('15ms y').subscribe((v) => promises.push(pipeline.publish('y', v)));
      expectObservable(port.sent$.pipe(map((s) => `${s.topic}=${s.text}`)), '^ 1000ms !').toBe(
        'A 14ms B 84ms C 199ms E',
        { A: 'x=a', B: 'y=y', C: 'x=d', E: 'x=e' },
      );
    });
    // promises in call order: a (0), b (10), y (15), c (20), d (30), e (300)
    expect(await outcomes(promises)).toEqual([
      'ok:written',
      'ok:superseded',
      'ok:written',
      'ok:superseded',
      'ok:written',
      'ok:written',
    ]);
  });

  it('settles a superseded publish at once, long before the window ends', async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler, {
      throttleInterval: 1000,
      throttleMode: 'latest',
    });
    pipeline.resume();
    const first = track(pipeline.publish('x', 1));
    const second = track(pipeline.publish('x', 2));
    const third = track(pipeline.publish('x', 3));
    await clock.advance(0);
    expect(first.current).toMatchObject({ state: 'resolved', result: { status: 'written' } });
    expect(second.current).toMatchObject({
      state: 'resolved',
      result: { status: 'superseded', reasonCode: 0 },
    });
    expect(third.current.state).toBe('pending');
    expect(pipeline.queuedCount()).toBe(1);
    await clock.advance(1000);
    expect(third.current).toMatchObject({ state: 'resolved', result: { status: 'written' } });
    expect(port.texts()).toEqual(['1', '3']);
  });

  it('keeps at most one message per topic while offline, and sends the newest after resume', async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler, {
      throttleInterval: 100,
      throttleMode: 'latest',
    });
    const promises = [1, 2, 3, 4, 5].map((v) => pipeline.publish('x', v));
    promises.push(pipeline.publish('y', 'only'));
    await clock.advance(500);
    expect(pipeline.queuedCount()).toBe(2);
    expect(port.sent).toHaveLength(0);
    pipeline.resume();
    await clock.advance(0);
    // the newest x took the place at the end of the queue
    expect(port.texts()).toEqual(['only', '5']);
    expect(await outcomes(promises)).toEqual([
      'ok:superseded',
      'ok:superseded',
      'ok:superseded',
      'ok:superseded',
      'ok:written',
      'ok:written',
    ]);
  });

  it('with throttleInterval 0 sends everything while it can and conflates only what waits', async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler, {
      throttleInterval: 0,
      throttleMode: 'latest',
    });
    pipeline.resume();
    const live = [1, 2].map((v) => pipeline.publish('x', v));
    pipeline.pause();
    const offline = [3, 4].map((v) => pipeline.publish('x', v));
    pipeline.resume();
    expect(await outcomes([...live, ...offline])).toEqual([
      'ok:written',
      'ok:written',
      'ok:superseded',
      'ok:written',
    ]);
    expect(port.texts()).toEqual(['1', '2', '4']);
  });

  it("per-topic 'latest' next to a spaced default", () => {
    const scheduler = marbleScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const { pipeline, port } = createPipeline(scheduler, {
        throttleInterval: 30,
        topicThrottle: (topic) => (topic.startsWith('tele/') ? { interval: 50, mode: 'latest' } : undefined),
      });
      pipeline.resume();
      cold('(abc)').subscribe((v) => void pipeline.publish('tele/t', `t${v}`));
      cold('(abc)').subscribe((v) => void pipeline.publish('cmd', `c${v}`));
      expectObservable(port.sent$.pipe(map((s) => s.text)), '^ 200ms !').toBe('(AB) 26ms C 19ms D 9ms E', {
        A: 'ta',
        B: 'ca',
        C: 'cb',
        D: 'tc',
        E: 'cc',
      });
    });
  });
});
