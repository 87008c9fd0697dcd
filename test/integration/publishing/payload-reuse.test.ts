/**
 * A payload's bytes are taken without a copy, and the caller may reuse them once `publish()` has settled
 * (src/streams/encode.ts). At QoS 0 a publish settles when its write is accepted, which can be before the
 * bytes leave the (corked) socket: the bytes that reach the broker must still be the ones published, on
 * the connector's own write path and on MQTT.js's (which a client that assigns topic aliases itself takes).
 * Real sockets, aedes.
 */
import { MqttConnector, type MqttConnectorOptions } from '../../../src/index.js';
import { startAedes, type EmbeddedBroker } from '../../support/aedes';
import { rawSubscriber, type RawSubscriber } from './helpers/raw-subscriber';

describe('reusing a QoS 0 payload once its publish has settled', () => {
  let broker: EmbeddedBroker;
  let subscriber: RawSubscriber;
  let connector: MqttConnector | undefined;

  beforeEach(async () => {
    broker = await startAedes();
    subscriber = await rawSubscriber(broker.url, 'reuse/#', 0);
  });

  afterEach(async () => {
    await connector?.disconnect({ flush: false });
    connector = undefined;
    await subscriber.end();
    await broker.close();
  });

  it.each<[string, Partial<MqttConnectorOptions>]>([
    ["the connector's own write", {}],
    ["MQTT.js's write", { mqtt: { autoUseTopicAlias: true } }],
  ])('delivers the bytes as they were when published, through %s', async (_path, options) => {
    connector = new MqttConnector({
      mqttBroker: broker.url,
      throttleInterval: 0,
      logLevel: 'error',
      ...options,
    });
    expect(await connector.connect()).toBe(true);
    // One buffer, refilled after each publish settles: the pattern of a sensor loop that reuses its buffer.
    const buffer = new Uint8Array(16);
    const count = 50;
    for (let i = 0; i < count; i++) {
      buffer.fill(i);
      await connector.publish('reuse/buffer', buffer, { qos: 0 });
    }
    buffer.fill(0xff);
    const received = await subscriber.waitFor(count);
    expect(received.map(({ payload }) => Array.from(new Set(payload)))).toEqual(
      Array.from({ length: count }, (_, i) => [i]),
    );
  });
});
