/**
 * The Node side's own MQTT client for the browser test: it answers the page's `browser/<name>/ready`
 * with `node/<name>/hello` and records, at the broker, what the page published (so the test checks the
 * bytes that really went over the wire, not only the page's echo).
 */
import { ReplaySubject, filter, firstValueFrom, take, timeout } from 'rxjs';
import { MqttConnector, type MqttMessage } from '../../src/index';

export interface NodeSide {
  readonly connector: MqttConnector;
  /** Resolves once connected and subscribed (again, after a broker restart). */
  ready(): Promise<void>;
  /** The first message seen on `topic` whose payload satisfies `accept` (now or later). */
  seenOn(topic: string, accept: (payload: Uint8Array) => boolean): Promise<MqttMessage<Uint8Array>>;
  close(): Promise<void>;
}

const FILTERS = ['browser/+name/ready', 'browser/+name/json', 'browser/+name/bin'] as const;

/** Connects a Node-side connector (TCP) to `broker` and starts answering the page. */
export async function startNodeSide(broker: string, clientId: string): Promise<NodeSide> {
  const connector = new MqttConnector({
    mqttBroker: broker,
    clientId,
    reconnectInterval: 100,
    maxReconnectInterval: 500,
    throttleInterval: 0,
  });
  // Everything the page published to its JSON and binary topics, as bytes (a test run sends a handful).
  const seen = new ReplaySubject<MqttMessage<Uint8Array>>();
  const subscriptions = [
    connector.subscribe<unknown>(FILTERS[0], { qos: 1 }).subscribe((message) => {
      const name = message.params['name'] ?? '';
      // A failed answer shows up as the page's timeout, with the page's log.
      connector
        .publish(`node/${name}/hello`, { round: Number(message.payload), from: 'node' }, { qos: 1 })
        .catch(() => undefined);
    }),
    connector.subscribe<Uint8Array>(FILTERS[1], { qos: 1, decode: 'binary' }).subscribe((m) => seen.next(m)),
    connector.subscribe<Uint8Array>(FILTERS[2], { qos: 1, decode: 'binary' }).subscribe((m) => seen.next(m)),
  ];
  const ready = async () => {
    if (!(await connector.connect())) throw new Error(`the Node side could not connect to ${broker}`);
    await Promise.all(FILTERS.map((f) => connector.whenSubscribed(f)));
  };
  await ready();
  return {
    connector,
    ready,
    seenOn: (topic, accept) =>
      firstValueFrom(
        seen.pipe(
          filter((m) => m.topic === topic && accept(m.payload)),
          take(1),
          timeout(10_000),
        ),
      ),
    close: async () => {
      for (const subscription of subscriptions) subscription.unsubscribe();
      seen.complete();
      await connector.disconnect();
    },
  };
}
