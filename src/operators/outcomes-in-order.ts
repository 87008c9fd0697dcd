/**
 * The promise-free inner part of `publishTo`: starts each source value's publish with a
 * {@link SettlementListener} and emits what they came to in source order. Per value it keeps one small
 * record (no promise, resolving functions or `concatMap` inner subscription), so a source that bursts
 * tens of thousands of values costs about what the publishes themselves cost.
 *
 * @internal
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { MqttConnectorError } from '../connector/errors.js';
import type { SettlementListener } from '../streams/listener-publish.js';
import type { PublishResult } from '../streams/publish-types.js';
import { RingDeque } from '../streams/ring-deque.js';
import type { PublishOutcome } from './publish-to.js';

/**
 * Starts the publish of `value` (the `index`-th of the source), to report to `listener`. It throws only
 * for a problem of the value itself (a topic or message function that threw): that errors the stream.
 */
export type StartPublish<T> = (value: T, index: number, listener: SettlementListener) => void;

/** A value whose publish is under way, and what it came to once settled. */
class PendingPublish<T> implements SettlementListener {
  done = false;
  result: PublishResult | undefined = undefined;
  error: MqttConnectorError | undefined = undefined;

  constructor(
    readonly value: T,
    private readonly onSettled: () => void,
  ) {}

  settled(result: PublishResult | undefined, error: MqttConnectorError | undefined): void {
    if (this.done) return;
    this.done = true;
    this.result = result;
    this.error = error;
    this.onSettled();
  }

  outcome(): PublishOutcome<T> {
    const { value, result, error } = this;
    return result !== undefined
      ? { ok: true, value, result }
      : { ok: false, value, error: error as MqttConnectorError };
  }
}

/**
 * Starts each value's publish as soon as it arrives and emits, in source order, its `PublishResult`
 * (`errors: 'error'`: the first failure, in order, errors the stream) or its {@link PublishOutcome}
 * (`errors: 'emit'`). Emissions happen in a microtask after the settlements (never from inside the
 * publish or the connector's own settlement code, as with promises), a burst of settlements in one
 * batch. Errors when the source errors or `start` throws; completes when the source completed and every
 * value's publish was emitted. Unsubscribing stops emitting; publishes already started still settle.
 */
export function outcomesInOrder<T>(
  start: StartPublish<T>,
  errors: 'error' | 'emit',
): OperatorFunction<T, PublishResult | PublishOutcome<T>> {
  return (source) =>
    new Observable<PublishResult | PublishOutcome<T>>((subscriber) => {
      const waiting = new RingDeque<PendingPublish<T>>();
      let index = 0;
      let sourceDone = false;
      let drainScheduled = false;

      const drain = () => {
        drainScheduled = false;
        for (let head = waiting.peek(); head?.done; head = waiting.peek()) {
          waiting.shift();
          if (errors === 'emit') subscriber.next(head.outcome());
          else if (head.result !== undefined) subscriber.next(head.result);
          else return subscriber.error(head.error);
        }
        if (sourceDone && waiting.size === 0) subscriber.complete();
      };
      const scheduleDrain = () => {
        if (drainScheduled || subscriber.closed) return;
        drainScheduled = true;
        queueMicrotask(drain);
      };

      const subscription = source.subscribe({
        next: (value) => {
          // A synchronous source goes on emitting after an error or unsubscribe until it returns: publish nothing more.
          if (subscriber.closed) return;
          const pending = new PendingPublish(value, scheduleDrain);
          waiting.push(pending);
          try {
            start(value, index++, pending);
          } catch (error) {
            subscriber.error(error);
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sourceDone = true;
          scheduleDrain();
        },
      });
      return () => {
        subscription.unsubscribe();
        waiting.clear();
      };
    });
}
