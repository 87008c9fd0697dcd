/**
 * Last will on Mosquitto: delivered when the connection dies without DISCONNECT (the socket is reset
 * through the fault proxy, as when a device loses power), not delivered after `disconnect()`. MQTT 5 will
 * properties travel with it. Both protocol versions.
 */
import type { MqttConnectorOptions } from '../../../src/index';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy';
import { MOSQUITTO_NO_QUEUE_LIMITS, startMosquitto, type MosquittoBroker } from '../../support/mosquitto';
import { ConnectorPool, uniqueTopic } from '../helpers/connectors';
import { Recorder } from '../helpers/recorder';

const pool = new ConnectorPool();
let broker: MosquittoBroker;
let proxy: FaultProxy;

beforeAll(async () => {
  broker = await startMosquitto({ config: MOSQUITTO_NO_QUEUE_LIMITS });
  proxy = await startFaultProxy('127.0.0.1', broker.ports.plain as number);
});
afterEach(() => pool.closeAll());
afterAll(async () => {
  await proxy?.close();
  await broker?.close();
});

describe.each([
  ['MQTT 3.1.1', 4],
  ['MQTT 5', 5],
] as const)('%s', (_name, protocolVersion) => {
  const mqtt5 = protocolVersion === 5;

  /** A watcher on the will topic (straight to the broker) and a device with a will (through the proxy). */
  async function setUp(willTopic: string) {
    const watcher = await pool.connected({ mqttBroker: broker.url, protocolVersion });
    const wills = new Recorder(watcher.subscribe(willTopic, { qos: 1 }));
    await watcher.whenSubscribed(willTopic);
    const options: MqttConnectorOptions = {
      mqttBroker: proxy.url,
      protocolVersion,
      // After the cut the device must not come back during the test: its reconnect waits a minute.
      reconnectInterval: 60_000,
      maxReconnectInterval: 60_000,
      will: {
        topic: willTopic,
        payload: { online: false },
        qos: 1,
        ...(mqtt5
          ? { properties: { contentType: 'application/json', userProperties: { why: 'lost' } } }
          : {}),
      },
    };
    const device = await pool.connected(options);
    return { watcher, wills, device };
  }

  test('the will is published when the connection dies without DISCONNECT', async () => {
    const topic = uniqueTopic('will-lost');
    const { wills } = await setUp(topic);
    proxy.cutAll({ reset: true }); // RST: the broker sees a socket error, no DISCONNECT
    const [will] = await wills.waitForCount(1, 'the will message');
    expect(will).toMatchObject({ topic, payload: { online: false }, qos: 1, retain: false });
    if (mqtt5) {
      expect(will?.properties).toMatchObject({
        contentType: 'application/json',
        userProperties: { why: 'lost' },
      });
    }
  });

  test('no will after disconnect()', async () => {
    const topic = uniqueTopic('will-clean');
    const { watcher, wills, device } = await setUp(topic);
    await pool.close(device);
    // Mosquitto handled the DISCONNECT before this later publish: a will would have come first.
    await watcher.publish(topic, 'sentinel', { qos: 1 });
    await wills.waitForItem((m) => m.payload === 'sentinel', 'the sentinel');
    expect(wills.items.map((m) => m.payload)).toEqual(['sentinel']);
  });
});
