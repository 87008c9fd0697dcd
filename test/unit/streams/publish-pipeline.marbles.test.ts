/**
 * Queue overflow and 'latest' conflation as marble tests (TestScheduler): what is sent when (the fake
 * port's `sent$`), and when each publish settles and how (the pipeline's `onSettled` hook, which runs at
 * the moment of settlement, so in virtual time). Pacing has its own marbles in the pacing tests.
 */
import { map, ReplaySubject } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import type { PublishPipelineOptions } from '../../../src/streams/publish-types.js';
import { createPipeline, marbleScheduler } from './support/harness.js';

/**
 * A pipeline whose settlements are a stream of `<topic>:<status or error code>`; `sent$` gives each
 * hand-over's payload. With `bySize`, a settlement also names the payload by its size, `<topic>#<bytes>`
 * (conflation is per topic: its messages are told apart by their lengths, '1', '22', '333', ...).
 */
function observed(scheduler: TestScheduler, options: PublishPipelineOptions, bySize = false) {
  const settled$ = new ReplaySubject<string>();
  const { pipeline, port } = createPipeline(scheduler, {
    ...options,
    onSettled: (topic, _qos, result, error) => {
      const what = result ? result.status : (error?.code ?? '?');
      settled$.next(`${bySize ? `${topic}#${String(result?.bytes)}` : topic}:${what}`);
    },
  });
  const sent$ = port.sent$.pipe(map((s) => s.text));
  return { pipeline, port, settled$, sent$ };
}

describe('marbles: offline queue overflow (maxQueued.messages 2, paused until frame 10)', () => {
  /** Publishes a, b, c, d at frames 0-3 (topic = payload) and resumes at frame 10. */
  function overflowRun(
    overflow: PublishPipelineOptions['overflow'],
    expected: { sent: string; settled: string },
  ) {
    const scheduler = marbleScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const { pipeline, settled$, sent$ } = observed(scheduler, { overflow, maxQueued: { messages: 2 } });
      hot('abcd').subscribe((v) => void pipeline.publish(v, v).catch(() => undefined));
      hot('10ms r').subscribe(() => pipeline.resume());
      expectObservable(sent$, '^ 50ms !').toBe(expected.sent);
      expectObservable(settled$, '^ 50ms !').toBe(expected.settled, {
        a: 'a:QUEUE_FULL',
        b: 'b:QUEUE_FULL',
        c: 'c:QUEUE_FULL',
        d: 'd:QUEUE_FULL',
        A: 'a:written',
        B: 'b:written',
        C: 'c:written',
        D: 'd:written',
      });
    });
  }

  it("'error': c and d are refused at their call; a and b go out on resume", () => {
    overflowRun('error', { sent: '10ms (ab)', settled: '--cd 6ms (AB)' });
  });

  it("'dropNewest': the same messages as 'error' — c and d dropped at their call, the queue unchanged", () => {
    overflowRun('dropNewest', { sent: '10ms (ab)', settled: '--cd 6ms (AB)' });
  });

  it("'dropOldest': c evicts a, d evicts b, each at once; c and d go out on resume", () => {
    overflowRun('dropOldest', { sent: '10ms (cd)', settled: '--ab 6ms (CD)' });
  });

  it("'dropOldest' by bytes: one large message evicts as many old ones as it needs, in one frame", () => {
    const scheduler = marbleScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const { pipeline, settled$, sent$ } = observed(scheduler, {
        overflow: 'dropOldest',
        maxQueued: { bytes: 8 },
      });
      const payloads: Record<string, string> = { a: 'aaaa', b: 'bbbb', c: 'cccccccc' };
      hot('ab-c').subscribe((v) => void pipeline.publish(v, payloads[v]).catch(() => undefined));
      hot('10ms r').subscribe(() => pipeline.resume());
      expectObservable(sent$, '^ 50ms !').toBe('10ms c', { c: 'cccccccc' });
      expectObservable(settled$, '^ 50ms !').toBe('---(ab) 3ms C', {
        a: 'a:QUEUE_FULL',
        b: 'b:QUEUE_FULL',
        C: 'c:written',
      });
    });
  });

  it.each([
    ['error', 'A-c 7ms B', 'a 9ms b'],
    ['dropNewest', 'A-c 7ms B', 'a 9ms b'],
    ['dropOldest', 'A-b 7ms C', 'a 9ms c'],
  ] as const)(
    "'%s' while connected: what waits for its pacing slot counts too (throttleInterval 10, maxQueued 1)",
    (overflow, settled, sent) => {
      const scheduler = marbleScheduler();
      scheduler.run(({ hot, expectObservable }) => {
        const { pipeline, settled$, sent$ } = observed(scheduler, {
          overflow,
          throttleInterval: 10,
          maxQueued: { messages: 1 },
        });
        pipeline.resume();
        // a leaves at once, b waits for its slot (10), c arrives while b waits: the queue is full
        hot('abc').subscribe((v) => void pipeline.publish(v, v).catch(() => undefined));
        expectObservable(sent$, '^ 50ms !').toBe(sent);
        expectObservable(settled$, '^ 50ms !').toBe(settled, {
          b: 'b:QUEUE_FULL',
          c: 'c:QUEUE_FULL',
          A: 'a:written',
          B: 'b:written',
          C: 'c:written',
        });
      });
    },
  );
});

describe("marbles: 'latest' conflation", () => {
  const x = { a: '1', b: '22', c: '333', d: '4444' };
  const latest100: PublishPipelineOptions = { throttleInterval: 100, throttleMode: 'latest' };

  it('each superseded publish settles at the moment a newer one replaces it; the newest leaves at the window end', () => {
    const scheduler = marbleScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const { pipeline, settled$, sent$ } = observed(scheduler, latest100, true);
      pipeline.resume();
      hot('a 9ms b 9ms c 9ms d', x).subscribe((v) => void pipeline.publish('x', v));
      expectObservable(sent$, '^ 500ms !').toBe('a 99ms d', x);
      expectObservable(settled$, '^ 500ms !').toBe('A 19ms B 9ms C 69ms D', {
        A: 'x#1:written',
        B: 'x#2:superseded',
        C: 'x#3:superseded',
        D: 'x#4:written',
      });
    });
  });

  it('while offline at most one message per topic waits; on resume the newest of each goes, in order', () => {
    const scheduler = marbleScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const { pipeline, settled$, sent$ } = observed(scheduler, latest100, true);
      // x: 1 (leading: waits for the connection), 22 (held), 333 (replaces 22); y at 30 (leading: waits).
      // At 100 the throttle lets 333 out: it replaces 1 in the queue. Resumed at 300.
      hot('a 9ms b 9ms c', x).subscribe((v) => void pipeline.publish('x', v));
      hot('30ms y', { y: 'yyyyy' }).subscribe((v) => void pipeline.publish('y', v));
      hot('300ms r').subscribe(() => pipeline.resume());
      expectObservable(sent$, '^ 500ms !').toBe('300ms (yc)', { y: 'yyyyy', c: '333' });
      expectObservable(settled$, '^ 500ms !').toBe('20ms b 79ms a 199ms (YC)', {
        a: 'x#1:superseded',
        b: 'x#2:superseded',
        Y: 'y#5:written',
        C: 'x#3:written',
      });
    });
  });

  it('at throttleInterval 0 only what waits for window room is conflated', () => {
    const scheduler = marbleScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const { pipeline, port, settled$, sent$ } = observed(
        scheduler,
        { throttleInterval: 0, throttleMode: 'latest', maxInFlight: 1 },
        true,
      );
      port.ackMode = { kind: 'delay', ms: 10 };
      pipeline.resume();
      // 1 goes at once; 22, 333 and 4444 wait for its PUBACK (at 10), each replacing the previous one
      hot('abcd', x).subscribe((v) => void pipeline.publish('x', v, { qos: 1 }));
      expectObservable(sent$, '^ 100ms !').toBe('a 9ms d', x);
      expectObservable(settled$, '^ 100ms !').toBe('--bc 6ms a 9ms d', {
        a: 'x#1:acknowledged',
        b: 'x#2:superseded',
        c: 'x#3:superseded',
        d: 'x#4:acknowledged',
      });
    });
  });
});
