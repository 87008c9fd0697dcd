/**
 * A steady stream of numbered QoS 1 publishes (one every 10 ms) for the cluster tests, each tagged with the
 * phase of the move under test when `publish()` was called ('before' the kill, 'during' the move, 'after'
 * it), and with how its `publish()` settled. It ends by itself once `afterCount` messages went out in the
 * 'after' phase, or at `max`.
 */
import type { MqttConnector } from '../../../src/index';

export type Phase = 'before' | 'during' | 'after';
type Outcome = 'pending' | 'resolved' | 'rejected';

/** See the module documentation. */
export class PhasedStream {
  /** Set by the test as the move goes on. */
  phase: Phase = 'before';
  private readonly phaseOf: Phase[] = [];
  private readonly outcomes: Outcome[] = [];
  private readonly settlements: Promise<void>[] = [];
  private next = 0;
  private afterSent = 0;
  private timer: NodeJS.Timeout | undefined;
  private ended: () => void = () => undefined;
  /** Resolves once the stream has stopped publishing. */
  readonly done: Promise<void>;

  constructor(
    private readonly publisher: MqttConnector,
    private readonly topic: string,
    private readonly limits: { readonly max: number; readonly afterCount: number },
  ) {
    this.done = new Promise<void>((resolve) => (this.ended = resolve));
  }

  /** Starts the steady stream. */
  start(): this {
    const tick = () => {
      if (this.afterSent >= this.limits.afterCount || this.next >= this.limits.max) {
        this.ended();
        return;
      }
      this.publishOne();
      this.timer = setTimeout(tick, 10);
    };
    tick();
    return this;
  }

  /** Publishes `count` more at once (still within `max`). */
  burst(count: number): void {
    for (let i = 0; i < count && this.next < this.limits.max; i++) this.publishOne();
  }

  /** Stops publishing (idempotent); pending publishes still settle. */
  stop(): void {
    clearTimeout(this.timer);
    this.ended();
  }

  /** How many were published so far. */
  get published(): number {
    return this.next;
  }

  /** Resolves once every publish so far has settled; rejects after `timeoutMs` saying how many have not. */
  async settled(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const pending = this.numbers().filter((n) => this.outcomes[n] === 'pending').length;
        reject(new Error(`${pending} publishes still unsettled after ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      await Promise.race([Promise.all(this.settlements), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The numbers published so far, optionally only those of `phase`. */
  numbers(phase?: Phase): number[] {
    const all = Array.from({ length: this.next }, (_, n) => n);
    return phase === undefined ? all : all.filter((n) => this.phaseOf[n] === phase);
  }

  /** The numbers whose publish() settled with `outcome`. */
  withOutcome(outcome: Outcome): number[] {
    return this.numbers().filter((n) => this.outcomes[n] === outcome);
  }

  private publishOne(): void {
    const n = this.next++;
    this.phaseOf[n] = this.phase;
    this.outcomes[n] = 'pending';
    if (this.phase === 'after') this.afterSent++;
    this.settlements.push(
      this.publisher.publish(this.topic, String(n), { qos: 1 }).then(
        () => void (this.outcomes[n] = 'resolved'),
        () => void (this.outcomes[n] = 'rejected'),
      ),
    );
  }
}
