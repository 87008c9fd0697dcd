/**
 * MQTT 5 request/response through Mosquitto, both ends built with this library: `request()` (response
 * topic + correlation data) answered by `respond()`, concurrent requests matched to their own answers,
 * and `TIMEOUT` when nobody answers.
 */
import type { MqttConnector, ServedRequest } from '../../../src/index';
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

interface Sum {
  readonly a: number;
  readonly b: number;
}

/** A responder adding two numbers on `topic`, ready once its subscription is acknowledged. */
async function adder(
  topic: string,
): Promise<{ connector: MqttConnector; served: Recorder<ServedRequest<Sum>> }> {
  const connector = await connect();
  const served = new Recorder(
    connector.respond<Sum>(topic, (request) => ({
      sum: request.payload.a + request.payload.b,
      caller: request.properties?.userProperties?.caller,
    })),
  );
  await connector.whenSubscribed(topic);
  return { connector, served };
}

test('request() is answered by respond() in another connector', async () => {
  const topic = uniqueTopic('rpc-add');
  const { served } = await adder(topic);
  const client = await connect();

  const response = await client.request<{ sum: number; caller: string }>(
    topic,
    { a: 2, b: 40 },
    { timeout: 15_000, properties: { userProperties: { caller: 'test' } } },
  );
  expect(response.payload).toEqual({ sum: 42, caller: 'test' });
  expect(response.properties?.contentType).toBe('application/json');
  expect(response.properties?.correlationData?.byteLength).toBeGreaterThan(0);
  const [request] = await served.waitForCount(1, 'the served request');
  expect(request).toMatchObject({ ok: true, request: { topic, payload: { a: 2, b: 40 } } });
  expect(request?.request.properties?.responseTopic).toBe(response.topic);
});

test('20 concurrent requests each get their own answer (correlation data)', async () => {
  const topic = uniqueTopic('rpc-many');
  await adder(topic);
  const client = await connect();
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      client.request<{ sum: number }>(topic, { a: i, b: 1000 }, { timeout: 15_000 }),
    ),
  );
  expect(answers.map((answer) => answer.payload.sum)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1000));
});

test('TIMEOUT when nobody answers; the connector keeps working', async () => {
  const client = await connect();
  await expect(client.request(uniqueTopic('rpc-nobody'), { a: 1 }, { timeout: 500 })).rejects.toMatchObject({
    code: 'TIMEOUT',
  });

  const topic = uniqueTopic('rpc-after');
  await adder(topic);
  const response = await client.request<{ sum: number }>(topic, { a: 1, b: 2 }, { timeout: 15_000 });
  expect(response.payload.sum).toBe(3);
});

test('a handler that throws is reported as ok: false and the responder keeps serving', async () => {
  const topic = uniqueTopic('rpc-throws');
  const responder = await connect();
  const served = new Recorder(
    responder.respond<{ fail: boolean }>(topic, (request) => {
      if (request.payload.fail) throw new Error('refused by the handler');
      return 'fine';
    }),
  );
  await responder.whenSubscribed(topic);
  const client = await connect();

  await expect(client.request(topic, { fail: true }, { timeout: 500 })).rejects.toMatchObject({
    code: 'TIMEOUT',
  });
  await expect(client.request(topic, { fail: false }, { timeout: 15_000 })).resolves.toMatchObject({
    payload: 'fine',
  });
  await served.waitForCount(2, 'two served requests');
  expect(served.items.map((s) => s.ok)).toEqual([false, true]);
});
