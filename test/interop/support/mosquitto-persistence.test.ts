import type { IClientOptions } from 'mqtt';
import { MOSQUITTO_NO_QUEUE_LIMITS, startMosquitto, type MosquittoBroker } from '../../support/mosquitto';
import { ClientPool, collect, until, type Received } from './clients';

const pool = new ClientPool();
afterEach(() => pool.endAll());

const N = 100;
const session: IClientOptions = {
  clientId: 'persistent-sub',
  clean: false,
  protocolVersion: 5,
  properties: { sessionExpiryInterval: 3600 },
};

/** Subscribes with a persistent session, leaves, and has N QoS 1 messages published (all acknowledged). */
async function queueWhileAway(broker: MosquittoBroker): Promise<void> {
  const sub = await pool.connect(broker.url, session);
  await sub.subscribeAsync('p/#', { qos: 1 });
  await sub.endAsync();
  const pub = await pool.connect(broker.url, { protocolVersion: 5 });
  for (let i = 0; i < N; i++) await pub.publishAsync('p/m', String(i), { qos: 1 });
}

/** Reconnects the persistent subscriber and returns its CONNACK flag and the messages it is given. */
async function comeBack(broker: MosquittoBroker): Promise<{ sessionPresent: boolean; got: Received[] }> {
  let got: Received[] = [];
  let sessionPresent = false;
  await pool.connect(broker.url, session, (client) => {
    got = collect(client); // before CONNACK: queued messages can arrive in the same read
    client.once('connect', (packet) => (sessionPresent = packet.sessionPresent));
  });
  return { sessionPresent, got };
}

describe('mosquitto persistence across SIGKILL', () => {
  let broker: MosquittoBroker | undefined;
  afterEach(() => broker?.close());

  test("persist() before kill(): the session and every acknowledged message survive ('off' autosave)", async () => {
    broker = await startMosquitto({ persistence: { autosave: 'off' }, config: MOSQUITTO_NO_QUEUE_LIMITS });
    await queueWhileAway(broker);
    await broker.persist();
    const port = broker.ports.plain;
    await broker.kill();
    await broker.start();
    expect(broker.ports.plain).toBe(port);
    const { sessionPresent, got } = await comeBack(broker);
    expect(sessionPresent).toBe(true);
    await until(() => got.length === N, `${N} messages`);
    expect(got.map((m) => Number(m.payload))).toEqual(Array.from({ length: N }, (_, i) => i));
  });

  test("without persist() and with 'off' autosave, SIGKILL loses the session (so persist() is what saved it)", async () => {
    broker = await startMosquitto({ persistence: { autosave: 'off' } });
    await queueWhileAway(broker);
    await broker.kill();
    await broker.start();
    const { sessionPresent, got } = await comeBack(broker);
    expect(sessionPresent).toBe(false);
    expect(got).toEqual([]);
  });

  test("'every-change' autosave keeps the session and all but at most the last acknowledged message", async () => {
    // mosquitto 2.0 writes PUBACK before it saves: a SIGKILL right after the last PUBACK can lose that one.
    broker = await startMosquitto({ persistence: true });
    await queueWhileAway(broker);
    await broker.kill();
    await broker.start();
    const { sessionPresent, got } = await comeBack(broker);
    expect(sessionPresent).toBe(true);
    await until(() => got.length >= N - 1, `at least ${N - 1} messages`);
    expect(got.length).toBeLessThanOrEqual(N);
    expect(got.slice(0, N - 1).map((m) => Number(m.payload))).toEqual(
      Array.from({ length: N - 1 }, (_, i) => i),
    );
  });

  test('a clean stop() saves without any autosave, and restart() keeps ports and dir', async () => {
    broker = await startMosquitto({ persistence: { autosave: 'off' } });
    await queueWhileAway(broker);
    const { dir, url } = broker;
    await broker.restart();
    expect(broker.dir).toBe(dir);
    expect(broker.url).toBe(url);
    const { sessionPresent, got } = await comeBack(broker);
    expect(sessionPresent).toBe(true);
    await until(() => got.length === N, `${N} messages`);
  });
});
