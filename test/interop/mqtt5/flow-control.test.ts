/**
 * The broker's MQTT 5 limits, from its CONNACK, respected by the connector: Receive Maximum
 * (`max_inflight_messages 5` in mosquitto.conf) bounds the QoS 1/2 publishes in flight, and Maximum
 * Packet Size (`max_packet_size 1024`) refuses a larger publish at the call.
 */
import mqtt from 'mqtt';
import type { ConnectionState, QoS } from '../../../src/index';
import { MOSQUITTO_NO_QUEUE_LIMITS, startMosquitto, type MosquittoBroker } from '../../support/mosquitto';
import { ConnectorPool, uniqueTopic } from '../helpers/connectors';
import { Recorder } from '../helpers/recorder';

const RECEIVE_MAXIMUM = 5;
const MAX_PACKET_SIZE = 1024;
const FLOOD = 2000;

const pool = new ConnectorPool();
let broker: MosquittoBroker;

beforeAll(async () => {
  broker = await startMosquitto({
    config: [
      `max_inflight_messages ${RECEIVE_MAXIMUM}`,
      `max_packet_size ${MAX_PACKET_SIZE}`,
      // The subscriber side must not drop what it cannot take at once (baseline.md F4).
      ...MOSQUITTO_NO_QUEUE_LIMITS,
    ],
  });
});
afterEach(() => pool.closeAll());
afterAll(() => broker?.close());

const connect = () => pool.connected({ mqttBroker: broker.url, protocolVersion: 5 });

describe(`Receive Maximum ${RECEIVE_MAXIMUM}`, () => {
  test.each([1, 2] as const)(
    `${FLOOD} QoS %i publishes fired at once: at most ${RECEIVE_MAXIMUM} in flight, all settle, none lost, no drop`,
    async (qos: QoS) => {
      const topic = uniqueTopic(`receive-max-${qos}`);
      const subscriber = await connect();
      const got = new Recorder(subscriber.subscribe<string>(topic, { qos, decode: 'string' }));
      await subscriber.whenSubscribed(topic);
      const publisher = await connect();
      const states = new Recorder<ConnectionState>(publisher.state$);
      let mostInFlight = 0;
      const sampler = publisher.events$.subscribe((event) => {
        if (event.type === 'publish-sent')
          mostInFlight = Math.max(mostInFlight, publisher.metrics().inFlight);
      });

      const results = await Promise.all(
        Array.from({ length: FLOOD }, (_, i) => publisher.publish(topic, String(i), { qos })),
      );
      sampler.unsubscribe();
      expect(results.every((r) => r.status === 'acknowledged' && r.reasonCode === 0)).toBe(true);
      expect(mostInFlight).toBe(RECEIVE_MAXIMUM); // the window was used, and never exceeded
      await got.waitForCount(FLOOD, `${FLOOD} messages`, 60_000);
      expect(got.items.map((m) => Number(m.payload))).toEqual(Array.from({ length: FLOOD }, (_, i) => i));
      expect(states.items.map((s) => s.status)).toEqual(['connected']); // never disconnected
    },
  );

  test('control: the limit is real: the broker drops a raw MQTT.js client that sends 200 QoS 2 at once', async () => {
    const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    try {
      for (let i = 0; i < 200; i++) {
        // Never settles once the connection is gone; end(true) below fails it.
        client.publishAsync(uniqueTopic('raw'), String(i), { qos: 2 }).catch(() => undefined);
      }
      await closed;
      expect(client.connected).toBe(false);
    } finally {
      await client.endAsync(true);
    }
  });
});

describe(`Maximum Packet Size ${MAX_PACKET_SIZE}`, () => {
  test('a packet of exactly the maximum is delivered; one byte more is PAYLOAD_TOO_LARGE at the call', async () => {
    const topic = uniqueTopic('packet-size');
    const subscriber = await connect();
    const got = new Recorder(subscriber.subscribe(topic, { qos: 1, decode: 'binary' }));
    await subscriber.whenSubscribed(topic);
    const publisher = await connect();
    const sent = new Recorder(publisher.events$);
    // QoS 1 PUBLISH, no properties (bytes): 1 + 2 (remaining length) + 2 + topic + 2 (packet id) + 1 + payload.
    const fits = MAX_PACKET_SIZE - 8 - Buffer.byteLength(topic);

    await expect(publisher.publish(topic, new Uint8Array(fits + 1), { qos: 1 })).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(sent.items.filter((e) => e.type === 'publish-sent')).toEqual([]); // refused before sending
    await publisher.publish(topic, new Uint8Array(fits).fill(7), { qos: 1 });
    const [message] = await got.waitForCount(1, 'the largest packet that fits');
    expect(message?.payload.byteLength).toBe(fits);
    expect(publisher.state.status).toBe('connected');
    expect(publisher.metrics().reconnects).toBe(0);
  });

  test('the connector keeps working after refusing an oversize publish', async () => {
    const topic = uniqueTopic('packet-size-after');
    const connector = await connect();
    const got = new Recorder(connector.subscribe<string>(topic, { qos: 1, decode: 'string' }));
    await connector.whenSubscribed(topic);
    const oversize = connector.publish(topic, 'x'.repeat(4 * MAX_PACKET_SIZE), { qos: 1 });
    const small = connector.publish(topic, 'small', { qos: 1 });
    await expect(oversize).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    await expect(small).resolves.toMatchObject({ status: 'acknowledged' });
    await got.waitForCount(1, 'the small message');
    expect(got.items.map((m) => m.payload)).toEqual(['small']);
  });
});
