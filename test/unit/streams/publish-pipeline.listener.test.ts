/**
 * PublishPipeline.publishWithListener, the promise-free path of `publishTo`: the same checks, order,
 * pacing, overflow, timeouts and close as `publish()`, reported once to a listener instead of a promise.
 */
import { ClosedError, type MqttConnectorError } from '../../../src/connector/errors.js';
import type { SettlementListener } from '../../../src/streams/listener-publish.js';
import type { PublishOptions, PublishResult } from '../../../src/streams/publish-types.js';
import { createPipeline, VirtualClock } from './support/harness.js';

/** A listener that records every call it gets (a second call for one publish would show up here). */
function recorder(): SettlementListener & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    settled(result: PublishResult | undefined, error: MqttConnectorError | undefined) {
      calls.push(result ? `ok:${result.status}:${result.topic}` : `${error?.code}`);
    },
  };
}

describe('PublishPipeline.publishWithListener', () => {
  it('settles like publish(): same result for the same message, in order, paced', async () => {
    const clock = new VirtualClock();
    const settled: string[] = [];
    const { pipeline, port } = createPipeline(clock.scheduler, {
      throttleInterval: 10,
      onSettled: (topic, qos, result) => settled.push(`${topic}:${qos}:${result?.status}`),
    });
    pipeline.resume();
    const listener = recorder();
    for (const n of [1, 2, 3]) pipeline.publishWithListener(`n/${n}`, n, { qos: 1 }, listener);
    const viaPromise = pipeline.publish('n/4', 4, { qos: 1 });
    await clock.advance(100);
    expect(port.sent.map((s) => [s.topic, s.time])).toEqual([
      ['n/1', 0],
      ['n/2', 10],
      ['n/3', 20],
      ['n/4', 30],
    ]);
    expect(listener.calls).toEqual(['ok:acknowledged:n/1', 'ok:acknowledged:n/2', 'ok:acknowledged:n/3']);
    expect(await viaPromise).toMatchObject({ status: 'acknowledged', topic: 'n/4' });
    expect(settled).toEqual([
      'n/1:1:acknowledged',
      'n/2:1:acknowledged',
      'n/3:1:acknowledged',
      'n/4:1:acknowledged',
    ]);
  });

  it.each<[string, string, unknown, PublishOptions | undefined, string]>([
    ['an invalid topic', 'a/+/b', 'x', undefined, 'INVALID_TOPIC'],
    ['an invalid QoS', 't', 'x', { qos: 3 as 0 }, 'INVALID_QOS'],
    ['a value JSON cannot encode', 't', 10n, undefined, 'ENCODE_FAILED'],
  ])(
    'refuses %s at the call, synchronously, without counting it as accepted',
    (_, topic, message, options, code) => {
      const clock = new VirtualClock();
      let accepted = 0;
      const { pipeline, port } = createPipeline(clock.scheduler, { onAccepted: () => accepted++ });
      pipeline.resume();
      const listener = recorder();
      pipeline.publishWithListener(topic, message, options, listener);
      expect(listener.calls).toEqual([code]);
      expect(accepted).toBe(0);
      expect(port.sent).toEqual([]);
    },
  );

  it('reports QUEUE_FULL for a dropped publish (no promise, nothing unhandled) and sends the rest', async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler, {
      overflow: 'dropOldest',
      maxQueued: { messages: 2 },
    });
    const listener = recorder();
    for (const n of [1, 2, 3]) pipeline.publishWithListener(`n/${n}`, n, undefined, listener);
    expect(listener.calls).toEqual(['QUEUE_FULL']); // the oldest made room for the newest
    pipeline.resume();
    await clock.advance(0);
    expect(port.sent.map((s) => s.topic)).toEqual(['n/2', 'n/3']);
    expect(listener.calls).toEqual(['QUEUE_FULL', 'ok:written:n/2', 'ok:written:n/3']);
  });

  it('reports TIMEOUT for a publish that waited too long, once', async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler);
    const listener = recorder();
    pipeline.publishWithListener('t', 'late', { timeout: 50 }, listener);
    await clock.advance(100);
    pipeline.resume();
    await clock.advance(100);
    expect(listener.calls).toEqual(['TIMEOUT']);
    expect(port.sent).toEqual([]);
  });

  it('reports the close error for waiting publishes, and for every publish after the close', async () => {
    const clock = new VirtualClock();
    const { pipeline } = createPipeline(clock.scheduler);
    const listener = recorder();
    pipeline.publishWithListener('t', 'queued', undefined, listener);
    await pipeline.close(new ClosedError('closed by the test'));
    pipeline.publishWithListener('t', 'after', undefined, listener);
    expect(listener.calls).toEqual(['CLOSED', 'CLOSED']);
  });
});
