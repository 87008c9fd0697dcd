/**
 * Property: whatever the arrival times, spacing, QoS mix, ack delays and window, a spaced pipeline sends
 * every message once, in call order, never before it was published, consecutive sends at least T
 * apart, and every promise resolves.
 */
import fc from 'fast-check';
import type { QoS } from '../../../src/connector/types.js';
import type { PublishResult } from '../../../src/streams/publish-types.js';
import { createPipeline, outcomes, VirtualClock } from './support/harness.js';

const scenario = fc.record({
  interval: fc.integer({ min: 0, max: 50 }),
  maxInFlight: fc.integer({ min: 1, max: 5 }),
  ackDelay: fc.integer({ min: 0, max: 40 }),
  calls: fc.array(fc.record({ gap: fc.integer({ min: 0, max: 60 }), qos: fc.constantFrom<QoS>(0, 1, 2) }), {
    minLength: 1,
    maxLength: 40,
  }),
  pauseAt: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
  pauseFor: fc.integer({ min: 1, max: 300 }),
});

describe('PublishPipeline pacing property', () => {
  it('sends everything once, in order, spaced >= T, and settles every promise', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ interval, maxInFlight, ackDelay, calls, pauseAt, pauseFor }) => {
        const clock = new VirtualClock();
        const { pipeline, port } = createPipeline(clock.scheduler, {
          throttleInterval: interval,
          maxInFlight,
        });
        port.ackMode = { kind: 'delay', ms: ackDelay };
        pipeline.resume();
        if (pauseAt !== undefined) {
          clock.scheduler.schedule(() => pipeline.pause(), pauseAt);
          clock.scheduler.schedule(() => pipeline.resume(), pauseAt + pauseFor);
        }
        const promises: Promise<PublishResult>[] = [];
        const calledAt: number[] = [];
        let at = 0;
        calls.forEach(({ gap, qos }, index) => {
          at += gap;
          clock.scheduler.schedule(() => {
            calledAt.push(clock.now());
            promises.push(pipeline.publish('t', String(index), { qos }));
          }, at);
        });
        await clock.advance(at + pauseFor + 200 + calls.length * (interval + ackDelay + 1));

        expect(port.texts()).toEqual(calls.map((_, index) => String(index)));
        port.sent.forEach((sent, index) => {
          expect(sent.time).toBeGreaterThanOrEqual(calledAt[index] as number);
          if (index > 0)
            expect(sent.time - (port.sent[index - 1]?.time ?? 0)).toBeGreaterThanOrEqual(interval);
          if (pauseAt !== undefined) {
            expect(sent.time <= pauseAt || sent.time >= pauseAt + pauseFor).toBe(true); // nothing while paused
          }
        });
        const results = await outcomes(promises);
        expect(results.every((r) => r === 'ok:written' || r === 'ok:acknowledged')).toBe(true);
        expect(pipeline.queuedCount()).toBe(0);
        expect(pipeline.inFlightCount()).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
});
