import { ErrorWithReasonCode } from 'mqtt';
import { natsVersion, startNats, type NatsServer } from '../../support/nats';
import { ClientPool, collect, until } from './clients';

const pool = new ClientPool();
afterEach(() => pool.endAll());

describe('startNats (single server, MQTT listener)', () => {
  let nats: NatsServer;
  beforeAll(async () => {
    nats = await startNats();
  });
  afterAll(() => nats.close());

  test('reports its version and MQTT URL', async () => {
    expect(await natsVersion()).toMatch(/^2\.\d+\.\d+/);
    expect(nats.url).toBe(`mqtt://127.0.0.1:${nats.mqttPort}`);
  });

  test('QoS 0 and 1 with wildcards over MQTT 3.1.1', async () => {
    const sub = await pool.connect(nats.url);
    const got = collect(sub);
    await sub.subscribeAsync('n/+/x', { qos: 1 });
    const pub = await pool.connect(nats.url);
    await pub.publishAsync('n/a/x', 'zero', { qos: 0 });
    await pub.publishAsync('n/b/x', 'one', { qos: 1 });
    await until(() => got.length === 2, 'two messages');
    expect(got.map((m) => [m.topic, m.payload, m.qos])).toEqual([
      ['n/a/x', 'zero', 0],
      ['n/b/x', 'one', 1],
    ]);
  });

  test('refuses MQTT 5 with reason code 1', async () => {
    const error = await pool.connectError(nats.url, { protocolVersion: 5 });
    expect(error).toBeInstanceOf(ErrorWithReasonCode);
    expect(error.code).toBe(1);
  });

  test('keeps a persistent session across SIGKILL and restart on the same port', async () => {
    const options = { clientId: 'nats-keeper', clean: false } as const;
    const first = await pool.connect(nats.url, options);
    await first.subscribeAsync('keep/#', { qos: 1 });
    await first.endAsync();
    const pub = await pool.connect(nats.url);
    await pub.publishAsync('keep/1', 'stored', { qos: 1 });
    const port = nats.mqttPort;
    await nats.kill();
    expect(nats.isRunning()).toBe(false);
    await nats.start();
    expect(nats.mqttPort).toBe(port);
    let got: ReturnType<typeof collect> = [];
    let sessionPresent: boolean | undefined;
    await pool.connect(nats.url, options, (client) => {
      got = collect(client);
      client.once('connect', (packet) => (sessionPresent = packet.sessionPresent));
    });
    expect(sessionPresent).toBe(true);
    await until(() => got.length === 1, 'the message stored before the kill', 10_000);
    expect(got[0]?.payload).toBe('stored');
  });
});
