/**
 * A fake MqttPort for unit tests. Its publish() returns a *synchronous* thenable, so an acknowledgement
 * reaches the pipeline at the exact virtual time the test (or the scheduler) gives it, with no
 * microtask in between: pacing, windows and acks all run inside TestScheduler virtual time.
 */
import { ReplaySubject, type SchedulerLike, Subject } from 'rxjs';
import type { QoS } from '../../../../src/connector/types.js';
import type {
  ConnAck,
  IncomingPublish,
  MqttPort,
  OutgoingPublishOptions,
  PublishAck,
} from '../../../../src/streams/port.js';

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A PromiseLike that calls its callbacks synchronously on settlement (or at once if already settled). */
export class SyncDeferred<T> implements PromiseLike<T> {
  private outcome: Outcome<T> | undefined;
  private readonly callbacks: [(value: T) => unknown, (error: unknown) => unknown][] = [];

  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): PromiseLike<R1 | R2> {
    const ok = (value: T) => onFulfilled?.(value);
    const err = (error: unknown) => onRejected?.(error);
    if (this.outcome) this.run(this.outcome, ok, err);
    else this.callbacks.push([ok, err]);
    return this as unknown as PromiseLike<R1 | R2>;
  }

  resolve(value: T): void {
    this.settle({ ok: true, value });
  }

  reject(error: unknown): void {
    this.settle({ ok: false, error });
  }

  get settled(): boolean {
    return this.outcome !== undefined;
  }

  private settle(outcome: Outcome<T>): void {
    if (this.outcome) return;
    this.outcome = outcome;
    for (const [ok, err] of this.callbacks.splice(0)) this.run(outcome, ok, err);
  }

  private run(outcome: Outcome<T>, ok: (value: T) => unknown, err: (error: unknown) => unknown): void {
    if (outcome.ok) ok(outcome.value);
    else err(outcome.error);
  }
}

/** One publish the fake port received. */
export interface SentPublish {
  readonly topic: string;
  readonly payload: Uint8Array;
  /** The payload as UTF-8 text (for readable assertions). */
  readonly text: string;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties: OutgoingPublishOptions['properties'];
  /** Virtual time of the hand-over. */
  readonly time: number;
  readonly ack: SyncDeferred<PublishAck>;
}

/** How the fake acknowledges: at once, after a virtual delay, or only when the test says so. */
export type AckMode = { kind: 'immediate' } | { kind: 'delay'; ms: number } | { kind: 'manual' };

/** The fake port. `connected` and `connack` are plain fields the test sets. */
export class FakePort implements MqttPort {
  readonly connack$ = new Subject<ConnAck>();
  readonly connectionLost$ = new Subject<void>();
  readonly incoming$ = new Subject<IncomingPublish>();
  /** Every hand-over, in order. */
  readonly sent: SentPublish[] = [];
  /**
   * Emits each hand-over as it happens (for marble assertions). Replays to late subscribers, so an
   * `expectObservable` scheduled after the frame-0 publishes still sees them at frame 0.
   */
  readonly sent$ = new ReplaySubject<SentPublish>();
  connack: ConnAck | undefined = { sessionPresent: false, broker: 'mqtt://fake' };
  ackMode: AckMode = { kind: 'immediate' };
  /** When set, publish() throws this synchronously. */
  throwOnPublish: Error | undefined;
  /** Reason code the acks carry. */
  reasonCode = 0;

  constructor(private readonly scheduler: SchedulerLike) {}

  isConnected(): boolean {
    return this.connack !== undefined;
  }

  currentConnAck(): ConnAck | undefined {
    return this.connack;
  }

  subscribe(): Promise<number[]> {
    return Promise.resolve([]);
  }

  unsubscribe(): Promise<void> {
    return Promise.resolve();
  }

  publish(topic: string, payload: Uint8Array, options: OutgoingPublishOptions): Promise<PublishAck> {
    if (this.throwOnPublish) throw this.throwOnPublish;
    const ack = new SyncDeferred<PublishAck>();
    const sent: SentPublish = {
      topic,
      payload,
      text: new TextDecoder().decode(payload),
      qos: options.qos,
      retain: options.retain,
      properties: options.properties,
      time: this.scheduler.now(),
      ack,
    };
    this.sent.push(sent);
    this.sent$.next(sent);
    const reasonCode = this.reasonCode;
    if (this.ackMode.kind === 'immediate') ack.resolve({ reasonCode });
    else if (this.ackMode.kind === 'delay') {
      this.scheduler.schedule(() => ack.resolve({ reasonCode }), this.ackMode.ms);
    }
    return ack as unknown as Promise<PublishAck>;
  }

  /** Texts of everything handed over, in order. */
  texts(): string[] {
    return this.sent.map((s) => s.text);
  }

  /** Acknowledges the hand-overs not yet acknowledged (all, or the first `count`), not those it causes. */
  ackPending(count = Number.POSITIVE_INFINITY): void {
    for (const sent of [...this.sent]) {
      if (count <= 0) return;
      if (!sent.ack.settled) {
        sent.ack.resolve({ reasonCode: this.reasonCode });
        count--;
      }
    }
  }
}

/** The fake with the optional `publishCallback` fast path (completion by callback, synchronously when acked at once). */
export class FakeCallbackPort extends FakePort {
  publishCallback(
    topic: string,
    payload: Uint8Array,
    options: OutgoingPublishOptions,
    done: (error: unknown, ack: PublishAck | undefined) => void,
  ): void {
    this.publish(topic, payload, options).then(
      (ack) => done(undefined, ack),
      (error: unknown) => done(error, undefined),
    );
  }
}
