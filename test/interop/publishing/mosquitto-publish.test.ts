/**
 * connector.publish() against a real Mosquitto 2: QoS 2 and MQTT 5 properties round-trip to a raw
 * MQTT.js v5 subscriber; a publish without subscribers resolves; a QoS 2 flood loses nothing (stock
 * mosquitto silently drops QoS 2 beyond its 20 in flight: the window follows Receive Maximum on MQTT 5
 * and caps QoS 2 at 20 on 3.1.1).
 */
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { MqttConnector, type PublishResult } from '../../../src/index';
import { startMosquitto, type MosquittoBroker } from '../../support/mosquitto';

interface Got {
  topic: string;
  payload: Buffer;
  packet: IPublishPacket;
}

async function subscriber(
  url: string,
  filter: string,
  protocolVersion: 4 | 5,
): Promise<{ client: MqttClient; got: Got[] }> {
  const client = await mqtt.connectAsync(url, { protocolVersion, reconnectPeriod: 0 });
  const got: Got[] = [];
  client.on('message', (topic, payload, packet) => got.push({ topic, payload, packet }));
  await client.subscribeAsync(filter, { qos: 2 });
  return { client, got };
}

function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (condition()) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(poll);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 5);
  });
}

describe('publish() against mosquitto', () => {
  let broker: MosquittoBroker;
  const connectors: MqttConnector[] = [];
  const clients: MqttClient[] = [];

  async function connector(protocolVersion: 4 | 5): Promise<MqttConnector> {
    const created = new MqttConnector({
      mqttBroker: broker.url,
      protocolVersion,
      throttleInterval: 0,
      logLevel: 'error',
    });
    connectors.push(created);
    await expect(created.connect()).resolves.toBe(true);
    return created;
  }

  beforeAll(async () => {
    broker = await startMosquitto();
  });

  afterEach(async () => {
    await Promise.all(connectors.splice(0).map((c) => c.disconnect({ flush: false })));
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  });

  afterAll(() => broker.close());

  it('round-trips QoS 2 and MQTT 5 properties (plus the ones the connector adds)', async () => {
    const sub = await subscriber(broker.url, 'p5/#', 5);
    clients.push(sub.client);
    const publisher = await connector(5);
    const correlationData = Uint8Array.from([1, 2, 3, 250]);
    const result = await publisher.publish(
      'p5/json',
      { hello: 'wörld' },
      {
        qos: 2,
        properties: {
          userProperties: { trace: 'abc', tags: ['x', 'y'] },
          messageExpiryInterval: 60,
          responseTopic: 'reply/p5',
          correlationData,
        },
      },
    );
    expect(result).toMatchObject({ qos: 2, status: 'acknowledged', reasonCode: 0 });
    await publisher.publish('p5/text', 'plain text', { qos: 2, properties: { contentType: 'text/plain' } });
    await publisher.publish('p5/bytes', Uint8Array.from([0, 1, 2]), { qos: 1 });
    await until(() => sub.got.length === 3, 'three messages');

    // by topic: the broker does not keep order across QoS levels
    const byTopic = (topic: string) => sub.got.find((m) => m.topic === topic);
    const [json, text, bytes] = [byTopic('p5/json'), byTopic('p5/text'), byTopic('p5/bytes')];
    expect(json?.packet.qos).toBe(2);
    expect(json?.payload.toString()).toBe('{"hello":"wörld"}');
    expect(json?.packet.properties).toMatchObject({
      userProperties: { trace: 'abc', tags: ['x', 'y'] },
      responseTopic: 'reply/p5',
      contentType: 'application/json',
      payloadFormatIndicator: true,
    });
    expect(Array.from(json?.packet.properties?.correlationData ?? [])).toEqual(Array.from(correlationData));
    expect(json?.packet.properties?.messageExpiryInterval).toBeLessThanOrEqual(60);
    expect(text?.packet.properties).toMatchObject({
      contentType: 'text/plain',
      payloadFormatIndicator: true,
    });
    expect(bytes?.packet.properties?.contentType).toBeUndefined();
    expect(Array.from(bytes?.payload ?? [])).toEqual([0, 1, 2]);
  });

  it('resolves a publish nobody subscribes to (MQTT 5 reason code 0x10 is a success)', async () => {
    const publisher = await connector(5);
    // MQTT.js 5.16 hands a successful publish's callback the stored packet, not the PUBACK, so the
    // result carries 0 here rather than the broker's 0x10.
    await expect(publisher.publish('nobody/listens', 'x', { qos: 1 })).resolves.toMatchObject({
      status: 'acknowledged',
    });
    await expect(publisher.publish('nobody/listens', 'x', { qos: 2 })).resolves.toMatchObject({
      status: 'acknowledged',
    });
  });

  it.each([5, 4] as const)(
    'a flood of 1,000 QoS 2 fired at once all arrive (MQTT %i)',
    async (protocolVersion) => {
      const sub = await subscriber(broker.url, `flood${protocolVersion}/#`, 5);
      clients.push(sub.client);
      const publisher = await connector(protocolVersion);
      const promises: Promise<PublishResult>[] = Array.from({ length: 1000 }, (_, i) =>
        publisher.publish(`flood${protocolVersion}/t`, String(i), { qos: 2 }),
      );
      const results = await Promise.all(promises);
      expect(results.every((r) => r.status === 'acknowledged')).toBe(true);
      await until(() => sub.got.length >= 1000, '1,000 messages');
      expect(sub.got.map((m) => Number(m.payload.toString()))).toEqual(
        Array.from({ length: 1000 }, (_, i) => i),
      );
    },
  );
});
