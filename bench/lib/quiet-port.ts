/**
 * An {@link MqttPort} without a network, for measuring the subscription layer alone: SUBSCRIBE and
 * PUBLISH succeed at once, incoming messages are pushed by the bench through `incoming$`.
 */
import { Subject } from 'rxjs';
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
