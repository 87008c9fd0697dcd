/**
 * An in-memory MqttPort for unit tests of the subscription registry: records every SUBSCRIBE and
 * UNSUBSCRIBE, lets the test answer them (or answers them itself with `autoAck`), and injects messages.
 */
import { Subject } from 'rxjs';
import type { MessageProperties, QoS } from '../../../src/connector/types';
import type {
  ConnAck,
  IncomingPublish,
  MqttPort,
  PublishAck,
  SubscriptionRequest,
} from '../../../src/streams/port';

export interface PendingSubscribe {
  readonly requests: readonly SubscriptionRequest[];
  resolve(codes: number[]): void;
  reject(error: Error): void;
}

export interface PendingUnsubscribe {
  readonly filters: readonly string[];
  resolve(): void;
  reject(error: Error): void;
}

export class FakePort implements MqttPort {
  readonly connack$ = new Subject<ConnAck>();
  readonly connectionLost$ = new Subject<void>();
  readonly incoming$ = new Subject<IncomingPublish>();
  readonly subscribes: PendingSubscribe[] = [];
  readonly unsubscribes: PendingUnsubscribe[] = [];
  /** When set, every SUBSCRIBE is answered (in a microtask) with this function's code per request. */
  autoAck: ((request: SubscriptionRequest) => number) | undefined = (request) => request.qos;
  private connAck: ConnAck | undefined;

  isConnected(): boolean {
    return this.connAck !== undefined;
  }

  currentConnAck(): ConnAck | undefined {
    return this.connAck;
  }

  subscribe(requests: readonly SubscriptionRequest[]): Promise<number[]> {
    if (!this.isConnected()) return Promise.reject(new Error('not connected'));
    return new Promise<number[]>((resolve, reject) => {
      this.subscribes.push({ requests: [...requests], resolve, reject });
      const autoAck = this.autoAck;
      if (autoAck !== undefined) queueMicrotask(() => resolve(requests.map(autoAck)));
    });
  }

  unsubscribe(filters: readonly string[]): Promise<void> {
    if (!this.isConnected()) return Promise.reject(new Error('not connected'));
    return new Promise<void>((resolve, reject) => {
      this.unsubscribes.push({ filters: [...filters], resolve, reject });
      if (this.autoAck !== undefined) queueMicrotask(resolve);
    });
  }

  publish(): Promise<PublishAck> {
    return Promise.reject(new Error('the fake port does not publish'));
  }

  /**
   * Marks the port connected and emits the CONNACK (the registry's onConnected is called by the test).
   * `more` adds CONNACK facts, e.g. `{ protocolVersion: 5 }`.
   */
  open(sessionPresent = false, more: Partial<ConnAck> = {}): ConnAck {
    this.connAck = { sessionPresent, broker: 'mqtt://fake', ...more };
    this.connack$.next(this.connAck);
    return this.connAck;
  }

  /** The connection drops: pending SUBSCRIBE / UNSUBSCRIBE calls reject, connectionLost$ emits. */
  drop(): void {
    this.connAck = undefined;
    for (const pending of [...this.subscribes, ...this.unsubscribes])
      pending.reject(new Error('connection lost'));
    this.connectionLost$.next();
  }

  /** A PUBLISH from the broker. */
  deliver(
    topic: string,
    payload: string | Uint8Array,
    options: { qos?: QoS; retain?: boolean; dup?: boolean; properties?: MessageProperties } = {},
  ): void {
    this.incoming$.next({
      topic,
      payload: typeof payload === 'string' ? new TextEncoder().encode(payload) : payload,
      qos: options.qos ?? 0,
      retain: options.retain ?? false,
      dup: options.dup ?? false,
      ...(options.properties === undefined ? {} : { properties: options.properties }),
    });
  }

  /** Filters of every SUBSCRIBE sent so far, one array per packet. */
  subscribedFilters(): string[][] {
    return this.subscribes.map((call) => call.requests.map((request) => request.filter));
  }

  /** Filters of every UNSUBSCRIBE sent so far, one array per packet. */
  unsubscribedFilters(): string[][] {
    return this.unsubscribes.map((call) => [...call.filters]);
  }
}

/** Lets every queued microtask (and the promise callbacks they trigger) run. */
export function settle(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
