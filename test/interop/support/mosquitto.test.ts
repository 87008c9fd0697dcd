import { ErrorWithReasonCode, type IConnackPacket } from 'mqtt';
import { existsSync } from 'node:fs';
import { mosquittoVersion, startMosquitto, type MosquittoBroker } from '../../support/mosquitto';
import { BrokerStartError } from '../../support/process';
import { ClientPool, collect, until } from './clients';

const pool = new ClientPool();
afterEach(() => pool.endAll());

describe('startMosquitto with every listener', () => {
  let broker: MosquittoBroker;
  beforeAll(async () => {
    broker = await startMosquitto({
      users: { alice: 'secret' },
      tls: true,
      mutualTls: true,
      websockets: true,
    });
  });
  afterAll(() => broker.close());

  test('reports its version', async () => {
    expect(await mosquittoVersion()).toMatch(/^2\.\d+\.\d+$/);
  });

  test('plain listener: QoS 0/1/2 round trip with MQTT 3.1.1', async () => {
    const sub = await pool.connect(broker.urls.plain as string);
    const got = collect(sub);
    await sub.subscribeAsync('plain/#', { qos: 2 });
    const pub = await pool.connect(broker.url);
    for (const qos of [0, 1, 2] as const) await pub.publishAsync(`plain/${qos}`, `q${qos}`, { qos });
    await until(() => got.length === 3, 'three messages');
    expect(got.map((m) => [m.topic, m.payload, m.qos])).toEqual([
      ['plain/0', 'q0', 0],
      ['plain/1', 'q1', 1],
      ['plain/2', 'q2', 2],
    ]);
  });

  test('plain listener speaks MQTT 5 (CONNACK properties, user properties round trip)', async () => {
    let connack: IConnackPacket | undefined;
    const client = await pool.connect(broker.url, { protocolVersion: 5 }, (c) =>
      c.once('connect', (packet) => (connack = packet)),
    );
    expect(connack?.properties?.receiveMaximum).toBeGreaterThan(0);
    const seen = new Promise<Record<string, unknown> | undefined>((resolve) =>
      client.once('message', (_t, _p, packet) => resolve(packet.properties?.userProperties)),
    );
    await client.subscribeAsync('v5/echo', { qos: 1 });
    await client.publishAsync('v5/echo', 'x', { qos: 1, properties: { userProperties: { k: 'v' } } });
    expect(await seen).toEqual({ k: 'v' });
  });

  test('password listener accepts the configured user', async () => {
    const client = await pool.connect(broker.urls.password as string, {
      username: 'alice',
      password: 'secret',
    });
    expect(client.connected).toBe(true);
  });

  test.each([
    [4, 5],
    [5, 135],
  ] as const)(
    'password listener refuses a wrong password (MQTT v%i: code %i)',
    async (protocolVersion, code) => {
      const error = await pool.connectError(broker.urls.password as string, {
        protocolVersion,
        username: 'alice',
        password: 'wrong',
      });
      expect(error).toBeInstanceOf(ErrorWithReasonCode);
      expect(error.code).toBe(code);
    },
  );

  test('password listener refuses anonymous clients', async () => {
    const error = await pool.connectError(broker.urls.password as string);
    expect(error.code).toBe(5);
  });

  test('TLS listener: trusted with the CA, refused without it', async () => {
    expect(broker.urls.tls).toMatch(/^mqtts:\/\/localhost:\d+$/);
    const ok = await pool.connect(broker.urls.tls as string, { ca: broker.tls?.ca, protocolVersion: 5 });
    expect(ok.connected).toBe(true);
    const error = await pool.connectError(broker.urls.tls as string);
    expect(error.code).toBe('SELF_SIGNED_CERT_IN_CHAIN');
  });

  test('TLS listener also verifies as 127.0.0.1 (IP SAN)', async () => {
    const url = (broker.urls.tls as string).replace('localhost', '127.0.0.1');
    const ok = await pool.connect(url, { ca: broker.tls?.ca });
    expect(ok.connected).toBe(true);
  });

  test('mutual TLS listener: accepted with the client certificate, refused without', async () => {
    const ok = await pool.connect(broker.urls.mutualTls as string, { ...broker.tls });
    expect(ok.connected).toBe(true);
    const error = await pool.connectError(broker.urls.mutualTls as string, { ca: broker.tls?.ca });
    expect(error).not.toBeInstanceOf(ErrorWithReasonCode);
  });

  test('websockets listener carries MQTT 5', async () => {
    const client = await pool.connect(broker.urls.websockets as string, { protocolVersion: 5 });
    const got = collect(client);
    await client.subscribeAsync('ws/t', { qos: 1 });
    await client.publishAsync('ws/t', 'over ws', { qos: 1 });
    await until(() => got.length === 1, 'ws message');
    expect(got[0]?.payload).toBe('over ws');
  });

  test('captures the broker log', () => {
    expect(broker.log()).toMatch(/mosquitto version 2\.\d+\.\d+ running/);
  });
});

describe('startMosquitto edge cases', () => {
  test('a bad config rejects with BrokerStartError carrying the log', async () => {
    const error = await startMosquitto({ config: ['no_such_option 1'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerStartError);
    expect((error as BrokerStartError).log).toMatch(/no_such_option/);
  });

  test('websockets alone gets a plain listener too (mosquitto 2.0.11 will not start otherwise)', async () => {
    const broker = await startMosquitto({ plain: false, websockets: true });
    try {
      expect(Object.keys(broker.urls).sort()).toEqual(['plain', 'websockets']);
      const client = await pool.connect(broker.urls.websockets as string);
      expect(client.connected).toBe(true);
    } finally {
      await broker.close();
    }
  });

  test('close() stops the broker and deletes its temp dir; stop() and close() are idempotent', async () => {
    const broker = await startMosquitto();
    const pid = broker.pid;
    expect(pid).toEqual(expect.any(Number));
    await broker.stop();
    await broker.stop();
    expect(broker.isRunning()).toBe(false);
    expect(broker.pid).toBeUndefined();
    await broker.close();
    await broker.close();
    expect(existsSync(broker.dir)).toBe(false);
    await expect(broker.start()).rejects.toThrow(/closed/);
  });
});
