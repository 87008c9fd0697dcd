/**
 * An {@link MqttPort} without a network, for measuring the subscription layer alone: SUBSCRIBE and
 * PUBLISH succeed at once, incoming messages are pushed by the bench through `incoming$`.
 */
import { Subject } from 'rxjs';
import { SubscriptionRegistry } from '../../src/streams/subscription-registry.js';
import { settle } from './timing.js';
import type {
  ConnAck,
  IncomingPublish,
  MqttPort,
  PublishAck,
  SubscriptionRequest,
} from '../../src/streams/port.js';

/** See the module documentation. */
export class QuietPort implements MqttPort {
  readonly connack$ = new Subject<ConnAck>();
  readonly connectionLost$ = new Subject<void>();
  readonly incoming$ = new Subject<IncomingPublish>();
  private readonly connAck: ConnAck = { sessionPresent: false, broker: 'mqtt://bench.invalid' };

  isConnected(): boolean {
    return true;
  }

  currentConnAck(): ConnAck {
    return this.connAck;
  }

  subscribe(requests: readonly SubscriptionRequest[]): Promise<number[]> {
    return Promise.resolve(requests.map((request) => request.qos));
  }

  unsubscribe(): Promise<void> {
    return Promise.resolve();
  }

  publish(): Promise<PublishAck> {
    return Promise.resolve({ reasonCode: 0 });
  }
}

/** A registry over a {@link QuietPort}, connected, with every filter observed and live. */
export interface QuietRegistry {
  readonly port: QuietPort;
  readonly registry: SubscriptionRegistry;
}

/**
 * Builds a registry (`Registry`: this checkout's, or another tree's for an A/B) over a new
 * {@link QuietPort}, connects it, and observes each of `filters` with `decode`, handing every message to
 * `onMessage`; resolves once the filters are live (SUBSCRIBE goes out at the end of the job that made them).
 */
export async function quietRegistry(
  filters: readonly string[],
  decode: 'binary' | 'auto',
  onMessage: () => void,
  Registry: typeof SubscriptionRegistry = SubscriptionRegistry,
): Promise<QuietRegistry> {
  const port = new QuietPort();
  const registry = new Registry(port, { log: () => undefined });
  await registry.onConnected(port.currentConnAck());
  for (const filter of filters) {
    const stream = decode === 'auto' ? registry.observe(filter) : registry.observe(filter, { decode });
    stream.subscribe(onMessage);
  }
  await settle();
  await settle();
  const live = registry.liveFilterCount();
  if (live !== filters.length) throw new Error(`${live} of ${filters.length} filters are live`);
  return { port, registry };
}
