/**
 * The connector's own QoS 0 writes (src/connector/direct-qos0.ts) over a real socket to aedes: what a
 * subscriber receives is exactly what was published (topics in any script, empty and large payloads, the
 * RETAIN flag), in the order of the calls, QoS 1 publishes (written by MQTT.js) included; and a long
 * loop of publishes starts reaching the socket while the loop still runs.
 */
import net from 'node:net';
import { MqttConnector } from '../../../src/index.js';
import { startAedes, type EmbeddedBroker } from '../../support/aedes';
import { rawSubscriber, type RawSubscriber } from './helpers/raw-subscriber';

describe('QoS 0 publishes written by the connector itself', () => {
  let broker: EmbeddedBroker;
  let subscriber: RawSubscriber | undefined;
  let connector: MqttConnector;

  beforeEach(async () => {
    broker = await startAedes();
    connector = new MqttConnector({ mqttBroker: broker.url, throttleInterval: 0, logLevel: 'error' });
    expect(await connector.connect()).toBe(true);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await connector.disconnect({ flush: false });
    await subscriber?.end();
    subscriber = undefined;
    await broker.close();
  });

  it('delivers every message exactly as published, in order, QoS 1 ones in between', async () => {
    subscriber = await rawSubscriber(broker.url, 'direct/#', 1);
    // The index is the topic's last level: topics in two scripts, as a user's might be.
    const messages = Array.from({ length: 3_000 }, (_, i) => ({
      topic: i % 7 === 0 ? `direct/ünï/主题/${i}` : `direct/plain/${i}`,
      payload: i % 500 === 0 ? new Uint8Array(200 * 1024).fill(i & 0xff) : new TextEncoder().encode(`#${i}`),
      qos: (i % 10 === 0 ? 1 : 0) as 0 | 1,
    }));
    messages.push({ topic: `direct/empty/${messages.length}`, payload: new Uint8Array(0), qos: 0 });
    const results = await Promise.all(
      messages.map(({ topic, payload, qos }) => connector.publish(topic, payload, { qos })),
    );
    expect(new Set(results.map((result) => result.status))).toEqual(new Set(['written', 'acknowledged']));
    const received = await subscriber.waitFor(messages.length);
    const indices = received.map(({ topic }) => Number(topic.slice(topic.lastIndexOf('/') + 1)));
    received.forEach(({ topic, payload }, i) => {
      const sent = messages[indices[i] as number];
      expect(topic).toBe(sent?.topic);
      expect(Buffer.compare(payload, sent?.payload as Uint8Array)).toBe(0);
    });
    // Each QoS in the order of the calls. aedes forwards a QoS 1 message only once it has stored it, so
    // QoS 0 messages read after it can overtake it: MQTT orders the messages of one QoS only.
    for (const qos of [0, 1]) {
      const ofQos = indices.filter((index) => messages[index]?.qos === qos);
      const sentOfQos = messages.flatMap((message, index) => (message.qos === qos ? [index] : []));
      expect(ofQos).toEqual(sentOfQos);
    }
  });

  it('sets the RETAIN flag: a subscriber that comes later gets the retained message', async () => {
    await connector.publish('direct/retained', 'kept', { qos: 0, retain: true });
    await connector.publish('direct/not-retained', 'gone', { qos: 0, retain: false });
    // aedes stores a retained message as it reads it; a QoS 1 publish behind it is acknowledged after.
    await connector.publish('direct/fence', 'fence', { qos: 1 });
    subscriber = await rawSubscriber(broker.url, 'direct/+', 0);
    const [message] = await subscriber.waitFor(1);
    expect(message).toMatchObject({ topic: 'direct/retained', retain: true });
    expect(new TextDecoder().decode(message?.payload)).toBe('kept');
    expect(subscriber.received).toHaveLength(1);
  });

  it('hands a long loop of publishes to the socket while the loop still runs', async () => {
    subscriber = await rawSubscriber(broker.url, 'direct/loop', 0);
    const writes = jest.spyOn(net.Socket.prototype, '_writev' as never);
    const count = 5_000;
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++)
      pending.push(connector.publish('direct/loop', `message ${i}`, { qos: 0 }));
    // Writes that reached the socket before the loop ended: MQTT.js alone would send none until after it.
    const duringLoop = writes.mock.calls.length;
    await Promise.all(pending);
    expect(duringLoop).toBeGreaterThan(1);
    const received = await subscriber.waitFor(count);
    expect(received.map(({ payload }) => new TextDecoder().decode(payload))).toEqual(
      Array.from({ length: count }, (_, i) => `message ${i}`),
    );
  });
});
