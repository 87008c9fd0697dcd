/**
 * Regression test for "a publish the broker disconnects for is re-sent forever" (interop report):
 * src/connector/poison-guard.ts now gives such a message up after three connections closed right
 * after it was sent.
 *
 * Some brokers answer a PUBLISH they cannot take by closing the connection, with no way to say why on
 * MQTT 3.1.1: nats-server for any QoS 2 PUBLISH, mosquitto for a packet over `max_packet_size`. MQTT.js
 * keeps the QoS 1/2 message in its outgoing store and re-sends it right after every CONNACK, before its
 * 'connect' event, so without the guard every reconnect is closed again, the state cycling through 'reconnecting',
 * and every later publish would wait or time out: invariant 5 (bad input gets an error, everything else keeps
 * working) broken by one bad message.
 */
import type { MqttConnectorOptions, QoS } from '../../../src/index';
import { MOSQUITTO_NO_QUEUE_LIMITS, startMosquitto, type MosquittoBroker } from '../../support/mosquitto';
import { startNats, type NatsServer } from '../../support/nats';
import { ConnectorPool, uniqueTopic } from '../helpers/connectors';
import { Recorder } from '../helpers/recorder';

const pool = new ConnectorPool();
afterEach(() => pool.closeAll());

/** Publishes `bad` (which makes the broker close the connection), then checks the connector still works. */
async function survivesPoison(options: MqttConnectorOptions, bad: { payload: Uint8Array; qos: QoS }) {
  const topic = uniqueTopic('poison');
  const connector = await pool.connected(options);
  const got = new Recorder(connector.subscribe<string>(`${topic}/#`, { qos: 1, decode: 'string' }));
  await connector.whenSubscribed(`${topic}/#`);

  // Refused at the call (best) or by its timeout: either way it must settle with a typed error.
  await expect(
    connector.publish(`${topic}/bad`, bad.payload, { qos: bad.qos, timeout: 3000 }),
  ).rejects.toHaveProperty('code');
  const good = await connector.publish(`${topic}/good`, 'still working', { qos: 1, timeout: 20_000 });
  expect(good.status).toBe('acknowledged');
  await got.waitForItem((m) => m.payload === 'still working', 'the good message');
  expect(connector.state.status).toBe('connected');
}

describe('nats-server: a QoS 2 publish (NATS closes the connection)', () => {
  let nats: NatsServer;
  beforeAll(async () => {
    nats = await startNats();
  });
  afterAll(() => nats?.close());

  test('settles with an error and the connector keeps working', async () => {
    await survivesPoison({ mqttBroker: nats.url }, { payload: new TextEncoder().encode('two'), qos: 2 });
  });
});

describe('mosquitto max_packet_size 1024, MQTT 3.1.1: an oversize QoS 1 publish (mosquitto closes the connection)', () => {
  let broker: MosquittoBroker;
  beforeAll(async () => {
    broker = await startMosquitto({ config: ['max_packet_size 1024', ...MOSQUITTO_NO_QUEUE_LIMITS] });
  });
  afterAll(() => broker?.close());

  test('settles with an error and the connector keeps working', async () => {
    await survivesPoison(
      { mqttBroker: broker.url, protocolVersion: 4 },
      { payload: new Uint8Array(2000), qos: 1 },
    );
  });
});
