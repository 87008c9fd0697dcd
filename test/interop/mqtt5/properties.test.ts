/**
 * MQTT 5 publish properties through a real broker (Mosquitto), both directions between two connectors:
 * user properties, content type (set by the connector for JSON), payload format, message expiry, response
 * topic and correlation data each way; message expiry also enforced on retained messages.
 */
import type { MqttConnector, MqttMessage } from '../../../src/index';
import { MOSQUITTO_NO_QUEUE_LIMITS, startMosquitto, type MosquittoBroker } from '../../support/mosquitto';
import { ConnectorPool, uniqueTopic } from '../helpers/connectors';
import { Recorder } from '../helpers/recorder';

const pool = new ConnectorPool();
let broker: MosquittoBroker;

beforeAll(async () => {
  broker = await startMosquitto({ config: MOSQUITTO_NO_QUEUE_LIMITS });
});
afterEach(() => pool.closeAll());
afterAll(() => broker?.close());

const connect = () => pool.connected({ mqttBroker: broker.url, protocolVersion: 5 });

/** A connector listening on `topic`, ready (SUBACK received). */
async function listener(topic: string): Promise<{ connector: MqttConnector; got: Recorder<MqttMessage> }> {
  const connector = await connect();
  const got = new Recorder(connector.subscribe(topic, { qos: 1 }));
  await connector.whenSubscribed(topic);
  return { connector, got };
}

/** The remaining lifetime Mosquitto forwards: at most what was set, and not yet run out. */
function expectExpiryForwarded(message: MqttMessage | undefined, setSeconds: number): void {
  const remaining = message?.properties?.messageExpiryInterval;
  expect(remaining).toBeGreaterThan(0);
  expect(remaining).toBeLessThanOrEqual(setSeconds);
}

const bytesOf = (message: MqttMessage | undefined) => Array.from(message?.properties?.correlationData ?? []);

test('properties round-trip in both directions: user properties, content type, message expiry, response topic, correlation data', async () => {
  const base = uniqueTopic('properties');
  const a = await listener(`${base}/to-a`);
  const b = await listener(`${base}/to-b`);
  const correlation = Uint8Array.from([0, 1, 2, 254, 255]);
  const replyCorrelation = Uint8Array.from([9, 8, 7]);

  // a → b: JSON (content type set by the connector), asking b to answer on a's topic.
  await a.connector.publish(
    `${base}/to-b`,
    { reading: 21.5 },
    {
      qos: 1,
      properties: {
        userProperties: { unit: 'celsius', tags: ['a', 'b'] },
        messageExpiryInterval: 300,
        responseTopic: `${base}/to-a`,
        correlationData: correlation,
      },
    },
  );
  const [request] = await b.got.waitForCount(1, 'the message to b');
  expect(request?.payload).toEqual({ reading: 21.5 });
  expect(request?.properties).toMatchObject({
    contentType: 'application/json', // set by the connector for a JSON payload
    payloadFormatIndicator: true,
    userProperties: { unit: 'celsius', tags: ['a', 'b'] },
    responseTopic: `${base}/to-a`,
  });
  expectExpiryForwarded(request, 300);
  expect(bytesOf(request)).toEqual(Array.from(correlation));

  // b → a: text with the caller's own content type, on the topic a asked for, with a's correlation data
  // back, and b's own expiry, response topic and user properties (a follow-up would go to b).
  await b.connector.publish(request?.properties?.responseTopic as string, 'ack', {
    qos: 1,
    properties: {
      correlationData: request?.properties?.correlationData,
      userProperties: { from: 'b' },
      contentType: 'text/plain; charset=utf-8',
      messageExpiryInterval: 120,
      responseTopic: `${base}/to-b`,
    },
  });
  const [answer] = await a.got.waitForCount(1, 'the answer to a');
  expect(answer?.payload).toBe('ack');
  expect(answer?.properties).toMatchObject({
    contentType: 'text/plain; charset=utf-8', // the caller's content type wins
    payloadFormatIndicator: true,
    userProperties: { from: 'b' },
    responseTopic: `${base}/to-b`,
  });
  expectExpiryForwarded(answer, 120);
  expect(bytesOf(answer)).toEqual(Array.from(correlation));

  // a answers b's response topic with new correlation data: the round trip closes in the other direction.
  await a.connector.publish(answer?.properties?.responseTopic as string, [1, 2], {
    qos: 1,
    properties: { correlationData: replyCorrelation, userProperties: { from: 'a' } },
  });
  const followUp = (await b.got.waitForCount(2, 'the follow-up to b'))[1];
  expect(followUp?.payload).toEqual([1, 2]);
  expect(followUp?.properties).toMatchObject({
    contentType: 'application/json',
    userProperties: { from: 'a' },
  });
  expect(followUp?.properties?.messageExpiryInterval).toBeUndefined(); // none set, none invented
  expect(bytesOf(followUp)).toEqual(Array.from(replyCorrelation));
});

test('bytes carry no content type or payload format; an explicit content type is kept', async () => {
  const topic = uniqueTopic('bytes');
  const { got } = await listener(topic);
  const publisher = await connect();
  await publisher.publish(topic, Uint8Array.of(1, 2, 3), { qos: 1 });
  await publisher.publish(topic, Uint8Array.of(4), {
    qos: 1,
    properties: { contentType: 'application/cbor' },
  });
  const [plain, typed] = await got.waitForCount(2, 'two messages');
  expect(plain?.properties?.contentType).toBeUndefined();
  expect(plain?.properties?.payloadFormatIndicator).toBeUndefined();
  expect(typed?.properties?.contentType).toBe('application/cbor');
});

test('message expiry: an expired retained message is no longer delivered, a live one still is', async () => {
  const base = uniqueTopic('expiry-retained');
  const publisher = await connect();
  await publisher.publish(`${base}/short`, 'gone soon', {
    qos: 1,
    retain: true,
    properties: { messageExpiryInterval: 1 },
  });
  await publisher.publish(`${base}/long`, 'still here', {
    qos: 1,
    retain: true,
    properties: { messageExpiryInterval: 600 },
  });
  // The broker's clock has to pass the 1 s lifetime: this wait is the point of the test, not a timing guess.
  await new Promise((resolve) => setTimeout(resolve, 2200));
  const late = await connect();
  const got = new Recorder(late.subscribe<string>(`${base}/#`, { qos: 1, decode: 'string' }));
  await late.whenSubscribed(`${base}/#`);
  await publisher.publish(`${base}/sentinel`, 'live', { qos: 1 });
  await got.waitForItem((m) => m.topic.endsWith('/sentinel'), 'the sentinel');
  expect(got.items.map((m) => [m.topic.slice(base.length + 1), m.payload, m.retain])).toEqual([
    ['long', 'still here', true],
    ['sentinel', 'live', false],
  ]);
});

test('QoS 0 carries the payload properties, written by the connector itself or by MQTT.js', async () => {
  const topic = uniqueTopic('properties-qos0');
  const { got } = await listener(topic);
  const publisher = await connect();
  // JSON and text: properties the connector writes itself; the caller's content type on bytes; and user
  // properties, which leave the publish to MQTT.js. One loop, in order.
  await Promise.all([
    publisher.publish(topic, { reading: 1 }, { qos: 0 }),
    publisher.publish(topic, 'plain text', { qos: 0 }),
    publisher.publish(topic, Uint8Array.of(1, 2), {
      qos: 0,
      properties: { contentType: 'application/cbor' },
    }),
    publisher.publish(topic, Uint8Array.of(3), { qos: 0 }),
    publisher.publish(topic, 'tagged', { qos: 0, properties: { userProperties: { unit: 'celsius' } } }),
  ]);
  const messages = await got.waitForCount(5, 'the QoS 0 messages');
  expect(
    messages.map((m) => [m.qos, m.properties?.contentType, m.properties?.payloadFormatIndicator]),
  ).toEqual([
    [0, 'application/json', true],
    [0, undefined, true],
    [0, 'application/cbor', undefined],
    [0, undefined, undefined],
    [0, undefined, true],
  ]);
  expect(messages[0]?.payload).toEqual({ reading: 1 });
  expect(messages[4]?.properties?.userProperties).toEqual({ unit: 'celsius' });
});
