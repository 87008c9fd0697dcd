/**
 * The copy MQTT.js keeps of each QoS 1/2 PUBLISH until its ack, with the connector's publish sender over a
 * real MQTT.js client and the embedded aedes: a message that is a small view into a large buffer (a
 * message received in a big socket read and published again, a slice of a file) must be stored as its own
 * bytes, not as a copy of the whole buffer, and still arrive byte-exact.
 */
import mqtt, { type IPublishPacket, type MqttClient, type Packet } from 'mqtt';
import { createPublishSender } from '../../../src/connector/publish-sender';
import type { PublishAck } from '../../../src/streams/port';
import { startAedes, type EmbeddedBroker } from '../../support/aedes';
import { rawSubscriber, type RawSubscriber } from './helpers/raw-subscriber';

describe('the copy MQTT.js stores of a QoS 1/2 publish', () => {
  let broker: EmbeddedBroker;
  let subscriber: RawSubscriber;
  let client: MqttClient;

  beforeEach(async () => {
    broker = await startAedes();
    subscriber = await rawSubscriber(broker.url, 'stored/#');
    client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0, protocolVersion: 4 });
  });

  afterEach(async () => {
    await client.endAsync(true);
    await subscriber.end();
    await broker.close();
  });

  it.each([1, 2] as const)('holds only the bytes of a view into a 1 MiB buffer, at QoS %i', async (qos) => {
    const backing = new ArrayBuffer(1024 * 1024);
    const view = new Uint8Array(backing, 4096, 64).fill(0x5a);
    const sender = createPublishSender(client);
    // MQTT.js stores the copy and writes the packet inside client.publish: read the store right then,
    // before the broker's ack removes it.
    let stored: IPublishPacket | undefined;
    const onSend = (packet: Packet) => {
      if (packet.cmd !== 'publish') return;
      client.outgoingStore.get(packet, (_error, copy) => {
        stored = copy as IPublishPacket | undefined;
      });
    };
    client.on('packetsend', onSend);
    const acked = new Promise<PublishAck | undefined>((resolve, reject) =>
      sender.publish(`stored/${qos}`, view, { qos, retain: false }, (error, ack) =>
        error ? reject(error) : resolve(ack),
      ),
    );
    client.off('packetsend', onSend);

    const payload = stored?.payload as Uint8Array;
    expect(payload.byteLength).toBe(64);
    expect(payload.buffer.byteLength).toBeLessThan(64 * 1024); // its own bytes (or a small pool slab)
    await expect(acked).resolves.toEqual({ reasonCode: 0 });
    const [received] = await subscriber.waitFor(1);
    expect(received?.payload).toEqual(new Uint8Array(64).fill(0x5a));
  });
});
