/**
 * Helpers for publish pipeline unit tests: a pipeline over a {@link FakePort}, a virtual clock that can
 * be advanced step by step (letting promise callbacks run in between), and settlement tracking.
 */
import { TestScheduler } from 'rxjs/testing';
import { VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { PublishPipeline } from '../../../../src/streams/publish-pipeline.js';
import type { PublishPipelineOptions, PublishResult } from '../../../../src/streams/publish-types.js';
import type { MqttConnectorError } from '../../../../src/connector/errors.js';
import { FakeCallbackPort, FakePort } from './fake-port.js';

/** A TestScheduler that compares with Jest's toEqual. */
export function marbleScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** Lets pending promise callbacks run (no wall-clock wait). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A virtual clock to advance by hand; promise callbacks run after each step. */
export class VirtualClock {
  readonly scheduler = new VirtualTimeScheduler(VirtualAction, Number.POSITIVE_INFINITY);

  /** Runs everything due within the next `ms` virtual milliseconds, then lets promises settle. */
  async advance(ms: number): Promise<void> {
    const target = this.scheduler.frame + ms;
    this.scheduler.maxFrames = target;
    this.scheduler.flush();
    this.scheduler.frame = target;
    await settle();
  }

  now(): number {
    return this.scheduler.now();
  }
}

/** What a publish promise came to, recorded as soon as it settles. */
export type Settlement =
  | { state: 'pending' }
  | { state: 'resolved'; result: PublishResult }
  | { state: 'rejected'; error: MqttConnectorError };

/** Tracks a publish promise's settlement. */
export function track(promise: Promise<PublishResult>): { readonly current: Settlement } {
  const box: { current: Settlement } = { current: { state: 'pending' } };
  promise.then(
    (result) => (box.current = { state: 'resolved', result }),
    (error: MqttConnectorError) => (box.current = { state: 'rejected', error }),
  );
  return box;
}

/** Codes of rejections ('ok:<status>' for resolutions), in order. */
export async function outcomes(promises: readonly Promise<PublishResult>[]): Promise<string[]> {
  const settled = await Promise.allSettled(promises);
  return settled.map((s) =>
    s.status === 'fulfilled' ? `ok:${s.value.status}` : `${(s.reason as MqttConnectorError).code}`,
  );
}

/** Which completion API the fake port offers: `publish` (promise) or also `publishCallback`. */
export type PortKind = 'promise' | 'callback';

/** A pipeline over a fresh fake port. */
export function createPipeline(
  scheduler: VirtualTimeScheduler | TestScheduler,
  options: PublishPipelineOptions = {},
  portKind: PortKind = 'promise',
): { pipeline: PublishPipeline; port: FakePort } {
  const port = portKind === 'callback' ? new FakeCallbackPort(scheduler) : new FakePort(scheduler);
  const pipeline = new PublishPipeline(port, { throttleInterval: 0, scheduler, ...options });
  return { pipeline, port };
}
