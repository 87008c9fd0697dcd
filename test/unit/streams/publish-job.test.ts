/**
 * PublishJob on its own: its packed phase and flags behave like separate fields, it settles exactly
 * once, and its promise rejects through the resolve function with the very error it was failed with,
 * still as an ordinary rejected promise (handled or reported unhandled like any other).
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { ClosedError, TimeoutError } from '../../../src/connector/errors.js';
import type { PublishResult } from '../../../src/streams/publish-types.js';
import { type JobPhase, PublishJob } from '../../../src/streams/publish-job.js';

function newJob(qos: 0 | 1 | 2 = 1): PublishJob {
  return new PublishJob('a/b', new Uint8Array([1, 2, 3]), qos, false, undefined, 0, 10);
}

describe('PublishJob', () => {
  it('keeps phase, queued and settled apart in its packed state (any sequence of changes)', () => {
    const change = fc.oneof(
      fc.record({ phase: fc.constantFrom<JobPhase>('waiting', 'sent', 'gone') }),
      fc.record({ queued: fc.boolean() }),
      fc.record({ settle: fc.constantFrom('succeed', 'fail') }),
    );
    fc.assert(
      fc.property(fc.array(change, { maxLength: 30 }), (changes) => {
        const job = newJob();
        const model = { phase: 'waiting' as JobPhase, queued: false, settled: false };
        for (const step of changes) {
          if ('phase' in step) job.phase = model.phase = step.phase;
          else if ('queued' in step) job.queued = model.queued = step.queued;
          else {
            if (step.settle === 'succeed') job.succeed('written', 0);
            else job.fail(new ClosedError('closed'));
            model.settled = true;
          }
          expect({ phase: job.phase, queued: job.queued, settled: job.settled }).toEqual(model);
        }
      }),
    );
  });

  it('resolves its promise with the result, once; the observer hears first', async () => {
    const job = newJob();
    const heard: string[] = [];
    job.observer = (topic, qos, result, error) => heard.push(`${topic} ${qos} ${result?.status} ${error}`);
    const promise = job.createPromise();
    job.succeed('acknowledged', 0);
    job.fail(new ClosedError('too late'));
    job.succeed('written', 0);
    const result: PublishResult = await promise;
    expect(result).toEqual({
      topic: 'a/b',
      qos: 1,
      retain: false,
      bytes: 3,
      status: 'acknowledged',
      reasonCode: 0,
    });
    expect(Object.isFrozen(result)).toBe(true);
    expect(heard).toEqual(['a/b 1 acknowledged undefined']);
    expect(job.settled).toBe(true);
  });

  it('rejects its promise with the very error it was failed with, once, before the next macrotask', async () => {
    const job = newJob();
    const promise = job.createPromise();
    const error = new TimeoutError('no ack in time');
    let outcome: unknown = 'pending';
    promise.then(
      () => (outcome = 'resolved'),
      (reason: unknown) => (outcome = reason),
    );
    job.fail(error);
    job.succeed('acknowledged', 0);
    job.fail(new ClosedError('too late'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(outcome).toBe(error);
    await expect(promise).rejects.toBe(error);
  });

  it('stops its timer when it settles, and tells a listener (not a promise) when it has one', () => {
    const job = newJob(0);
    const unsubscribe = jest.fn();
    job.timer = { unsubscribe } as unknown as PublishJob['timer'];
    const settled = jest.fn();
    job.listenWith({ settled });
    const error = new ClosedError('closed');
    job.fail(error);
    job.succeed('written', 0);
    expect(unsubscribe).toHaveBeenCalledTimes(1);
    expect(job.timer).toBeUndefined();
    expect(settled.mock.calls).toEqual([[undefined, error]]);
  });

  it('leaves a failure nobody handles reported as an unhandled rejection, like any rejected promise', () => {
    // In a child process: Jest itself watches for unhandled rejections.
    const script = `
      const { PublishJob } = require('./src/streams/publish-job.ts');
      const { ClosedError } = require('./src/connector/errors.ts');
      process.on('unhandledRejection', (reason) => {
        console.log('unhandled', reason instanceof ClosedError, reason.message);
      });
      const job = new PublishJob('a/b', new Uint8Array(1), 1, false, undefined, 0, 10);
      job.createPromise();
      job.fail(new ClosedError('nobody listened'));
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('unhandled true nobody listened');
  });
});
