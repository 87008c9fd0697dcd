/**
 * The UNSUBSCRIBE side of the subscription sync (subscription-sync.ts): the filters to unsubscribe at the next flush, the
 * ones a broker session may still hold while we are disconnected ("orphans", unsubscribed if that
 * session is resumed), and the UNSUBSCRIBEs still awaiting their UNSUBACK, which a new SUBSCRIBE of the
 * same filter waits for (a broker may apply the two out of order: aedes does).
 *
 * @internal
 */
import type { LogLevel } from '../connector/types.js';
import { chunks } from './arrays.js';
import type { MqttPort } from './port.js';

/** What the queue reads of the sync's connection state. */
export interface UnsubscribeContext {
  /** The sync's connection counter: an answer for an earlier connection is stale. */
  epoch(): number;
  /** True between a CONNACK and the loss of that connection. */
  connected(): boolean;
  /** True when the current connection resumed the broker session. */
  sessionResumed(): boolean;
  /** The filters the registry holds now. */
  liveFilters(): Iterable<string>;
  /** Asks for a flush at the end of the current job (which calls {@link UnsubscribeQueue.send}). */
  scheduleFlush(): void;
  log(level: LogLevel, message: string, context: Record<string, unknown>): void;
}

/** See the module documentation. */
export class UnsubscribeQueue {
  /** Filters to UNSUBSCRIBE at the next flush. */
  private readonly queue = new Set<string>();
  /** Filters retired while the broker session may still hold them: UNSUBSCRIBEd if the session survives. */
  private readonly orphans = new Set<string>();
  /** UNSUBSCRIBEs awaiting their UNSUBACK (settles either way), by filter. */
  private readonly awaitingAck = new Map<string, Promise<void>>();

  constructor(
    private readonly port: MqttPort,
    private readonly batchSize: number,
    private readonly context: UnsubscribeContext,
  ) {}

  /** `filter` is wanted again: it must not be unsubscribed. */
  keep(filter: string): void {
    this.queue.delete(filter);
    this.orphans.delete(filter);
  }

  /** `filter` left the registry and the broker may hold it. */
  retire(filter: string): void {
    if (this.context.connected()) {
      this.queue.add(filter);
      this.context.scheduleFlush();
    } else {
      this.orphans.add(filter);
    }
  }

  /** A CONNACK: a resumed session still holds the orphans, a new session holds nothing. */
  connected(resumed: boolean): void {
    if (resumed) for (const filter of this.orphans) this.queue.add(filter);
    else this.queue.clear();
    this.orphans.clear();
  }

  /** The connection ended: what was still to be unsubscribed waits for the next session. */
  connectionLost(): void {
    for (const filter of this.queue) this.orphans.add(filter);
    this.queue.clear();
  }

  /** The UNSUBACK that `filter`'s UNSUBSCRIBE awaits, or undefined when none is in flight. */
  unsuback(filter: string): Promise<void> | undefined {
    return this.awaitingAck.get(filter);
  }

  /** Sends the queued UNSUBSCRIBEs, `batchSize` filters per packet. */
  send(): void {
    if (this.queue.size === 0) return;
    const filters = [...this.queue];
    this.queue.clear();
    const epoch = this.context.epoch();
    for (const batch of chunks(filters, this.batchSize)) {
      this.context.log('debug', 'UNSUBSCRIBE', { filters: batch.length, first: batch[0] });
      const done = call(() => this.port.unsubscribe(batch)).then(
        () => undefined,
        (error: unknown) => this.failed(batch, error, epoch),
      );
      for (const filter of batch) this.awaitingAck.set(filter, done);
      void done.then(() => {
        for (const filter of batch)
          if (this.awaitingAck.get(filter) === done) this.awaitingAck.delete(filter);
      });
    }
  }

  private failed(batch: readonly string[], error: unknown, epoch: number): void {
    const { context } = this;
    if (epoch === context.epoch() && context.connected()) {
      context.log('warn', 'UNSUBSCRIBE failed', {
        filters: batch.length,
        first: batch[0],
        error: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    // Lost with the connection: the broker session may still hold them.
    const live = new Set(context.liveFilters());
    const stale = batch.filter((filter) => !live.has(filter));
    if (!context.connected()) for (const filter of stale) this.orphans.add(filter);
    else if (context.sessionResumed() && stale.length > 0) {
      for (const filter of stale) this.queue.add(filter);
      context.scheduleFlush();
    }
  }
}

/** Calls `send`, turning a synchronous throw into a rejection. */
export function call<T>(send: () => Promise<T>): Promise<T> {
  try {
    return send();
  } catch (error) {
    return Promise.reject(error);
  }
}
