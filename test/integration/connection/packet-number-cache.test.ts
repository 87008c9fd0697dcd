/**
 * MQTT.js's `writeCache` through a real connector against aedes (both write with the same mqtt-packet
 * module here). MQTT.js's default builds mqtt-packet's number cache, 65,536 two-byte Buffers (~6.8 MB of
 * heap), on the process's first packet write; the connector turns it off, and `mqtt: { writeCache: true }`
 * leaves MQTT.js's default in place.
 */
import { MqttConnector, type MqttConnectorOptions } from '../../../src/index';
import { type EmbeddedBroker, startAedes } from '../../support/aedes';

// The instance MQTT.js and aedes load in this test file (Jest gives each file its own modules).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mqttPacket = require('mqtt-packet') as { writeToStream: { cacheNumbers: boolean } };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const numbers = require('mqtt-packet/numbers') as { cache: Record<number, unknown> };
const cachedNumbers = () => Object.keys(numbers.cache).length;

describe("mqtt-packet's number cache (MQTT.js writeCache)", () => {
  let broker: EmbeddedBroker;
  const connectors: MqttConnector[] = [];

  /** Connects, then sends a QoS 1 and a QoS 2 message to itself and waits for both. */
  async function exchange(options: MqttConnectorOptions = {}): Promise<string[]> {
    const connector = new MqttConnector({ mqttBroker: broker.url, ...options });
    connectors.push(connector);
    await connector.connect();
    const received: string[] = [];
    const both = new Promise<void>((resolve) => {
      connector.subscribe<string>('number-cache/#', { qos: 2, decode: 'string' }).subscribe((message) => {
        if (received.push(message.payload) === 2) resolve();
      });
    });
    await connector.whenSubscribed('number-cache/#');
    await connector.publish('number-cache/1', 'one', { qos: 1 });
    await connector.publish('number-cache/2', 'two', { qos: 2 });
    await both;
    return received;
  }

  beforeEach(async () => {
    broker = await startAedes();
  });
  afterEach(async () => {
    await Promise.all(connectors.splice(0).map((c) => c.disconnect()));
    await broker.close();
  });

  it('is never built by default: every packet of QoS 1 and 2 exchanges is written without it', async () => {
    expect(cachedNumbers()).toBe(0);
    await expect(exchange()).resolves.toEqual(['one', 'two']);
    expect(mqttPacket.writeToStream.cacheNumbers).toBe(false);
    expect(cachedNumbers()).toBe(0);
  });

  it('is built as MQTT.js does by default when the escape hatch says writeCache: true', async () => {
    mqttPacket.writeToStream.cacheNumbers = true; // undo the previous test's process-wide setting
    expect(cachedNumbers()).toBe(0);
    await expect(exchange({ mqtt: { writeCache: true } })).resolves.toEqual(['one', 'two']);
    expect(mqttPacket.writeToStream.cacheNumbers).toBe(true);
    expect(cachedNumbers()).toBe(65_536);
  });
});
