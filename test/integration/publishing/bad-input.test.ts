/**
 * Invariant 5 through the public API: each bad publish is refused at the call with its typed error,
 * and a good publish right after it still reaches a subscriber.
 */
import { MqttConnector, MqttConnectorError, type PublishOptions } from '../../../src/index';
import { startAedes, type EmbeddedBroker } from '../../support/aedes';
import { BAD_INPUTS } from '../../unit/streams/support/bad-inputs';
import { rawSubscriber, type RawSubscriber } from './helpers/raw-subscriber';

describe('publish() bad input against aedes', () => {
  let broker: EmbeddedBroker;
  let subscriber: RawSubscriber;
  let connector: MqttConnector;

  beforeAll(async () => {
    broker = await startAedes();
    subscriber = await rawSubscriber(broker.url, 'good/#', 1);
    connector = new MqttConnector({ mqttBroker: broker.url, throttleInterval: 0, logLevel: 'error' });
    await expect(connector.connect()).resolves.toBe(true);
  });

  afterAll(async () => {
    await connector.disconnect({ flush: false });
    await subscriber.end();
    await broker.close();
  });

  it.each(BAD_INPUTS.map((row, index) => [...row, index] as const))(
    '%s: refused at the call with its typed error; the next good publish arrives',
    async (_, topic, message, options, code, index) => {
      const refused = connector.publish(topic as string, message, options as PublishOptions);
      await expect(refused).rejects.toBeInstanceOf(MqttConnectorError);
      await expect(refused).rejects.toMatchObject({ code });
      await expect(connector.publish(`good/${index}`, `after ${code}`, { qos: 1 })).resolves.toMatchObject({
        status: 'acknowledged',
      });
      const received = await subscriber.waitUntil((all) => all.some((m) => m.topic === `good/${index}`));
      expect(received.filter((m) => m.topic.startsWith('good/'))).toHaveLength(index + 1);
      expect(connector.isConnected()).toBe(true);
    },
  );

  it('refuses a payload beyond the protocol limit and keeps working', async () => {
    await expect(connector.publish('good/huge', new Uint8Array(268_435_455))).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
    await expect(connector.publish('good/after-huge', 'ok', { qos: 1 })).resolves.toMatchObject({
      status: 'acknowledged',
    });
  });
});
