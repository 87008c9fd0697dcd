/**
 * Keeps decode outcomes in arrival order when some of them are asynchronous (Standard Schema validators
 * may return a Promise). While nothing is pending, outcomes pass straight through without allocation;
 * once one is pending, later ones wait behind it, bounded.
 *
 * @internal
 */
import { DecodeFailure, PendingDecode, type DecodeOutcome } from './decode.js';

/** What an {@link InOrder} hands its owner. */
export interface InOrderSink<C> {
  /** A decoded value, in order. */
  value(value: unknown, context: C): void;
  /** A payload that failed to decode (already reported globally); in order. */
  failure(failure: DecodeFailure, context: C): void;
  /** An outcome refused because `limit` outcomes were already waiting. */
  overflow(context: C): void;
}

/**
 * Orders the outcomes of one consumer.
 *
 * @typeParam C - what the owner needs to build its output once the value is known (e.g. the message).
 */
export class InOrder<C> {
  /** Waiting outcomes and their contexts, interleaved; the first outcome is the pending one. */
  private backlog: unknown[] | undefined;
  private closed = false;
  private onIdle: (() => void) | undefined;

  constructor(
    private readonly sink: InOrderSink<C>,
    private readonly limit: number,
  ) {}

  /** True while an asynchronous outcome is pending (so later ones are queued). */
  get waiting(): boolean {
    return this.backlog !== undefined;
  }

  /** Delivers `outcome` now, or queues it behind a pending one. */
  push(outcome: DecodeOutcome, context: C): void {
    if (this.closed) return;
    if (this.backlog === undefined) {
      if (!(outcome instanceof PendingDecode)) {
        this.deliver(outcome, context);
        return;
      }
      this.backlog = [outcome, context];
      this.awaitHead(outcome);
      return;
    }
    if (this.backlog.length / 2 >= this.limit) {
      this.sink.overflow(context);
      return;
    }
    this.backlog.push(outcome, context);
  }

  /** Calls `callback` once nothing waits any more: now, or after the last pending outcome was delivered. */
  whenIdle(callback: () => void): void {
    if (this.backlog === undefined) callback();
    else this.onIdle = callback;
  }

  /** Drops whatever waits; nothing is delivered any more. */
  close(): void {
    this.closed = true;
    this.backlog = undefined;
  }

  private deliver(outcome: DecodeOutcome, context: C): void {
    if (outcome instanceof DecodeFailure) this.sink.failure(outcome, context);
    else this.sink.value(outcome, context);
  }

  private awaitHead(head: PendingDecode): void {
    void head.result.then((settled) => {
      const backlog = this.backlog;
      if (this.closed || backlog === undefined) return;
      backlog[0] = settled;
      this.drain(backlog);
    });
  }

  private drain(backlog: unknown[]): void {
    let index = 0;
    while (index < backlog.length) {
      const outcome = backlog[index];
      if (outcome instanceof PendingDecode) {
        // Keep the pending one at the head and wait for it.
        backlog.splice(0, index);
        this.awaitHead(outcome);
        return;
      }
      this.deliver(outcome, backlog[index + 1] as C);
      if (this.closed) return;
      index += 2;
    }
    this.backlog = undefined;
    const onIdle = this.onIdle;
    this.onIdle = undefined;
    onIdle?.();
  }
}
