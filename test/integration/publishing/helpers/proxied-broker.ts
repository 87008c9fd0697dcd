/**
 * aedes behind a fault proxy (connect the connector to `proxy.url`), with a raw subscriber connected to
 * the broker directly: it sees exactly what got through the proxy.
 */
import type { QoS } from '../../../../src/connector/types.js';
import { startAedes, type EmbeddedBroker } from '../../../support/aedes';
import { startFaultProxy, type FaultProxy } from '../../../support/fault-proxy';
import { rawSubscriber, type RawSubscriber } from './raw-subscriber';

export interface ProxiedBroker {
  readonly broker: EmbeddedBroker;
  readonly proxy: FaultProxy;
  readonly subscriber: RawSubscriber;
  /** Ends the subscriber, the proxy and the broker. */
  close(): Promise<void>;
}

/** Starts the broker, the proxy in front of it, and a subscriber to `filter`. */
export async function startProxiedBroker(filter: string, qos: QoS): Promise<ProxiedBroker> {
  const broker = await startAedes();
  const proxy = await startFaultProxy('127.0.0.1', broker.port);
  const subscriber = await rawSubscriber(broker.url, filter, qos);
  return {
    broker,
    proxy,
    subscriber,
    close: async () => {
      await subscriber.end();
      await proxy.close();
      await broker.close();
    },
  };
}
