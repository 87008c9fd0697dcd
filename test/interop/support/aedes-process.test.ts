import { startAedesProcess, type AedesProcess } from '../../support/aedes-process';
import { ClientPool, collect, nextClose, until } from './clients';

const pool = new ClientPool();
afterEach(() => pool.endAll());

describe('startAedesProcess', () => {
  let broker: AedesProcess;
  beforeAll(async () => {
    broker = await startAedesProcess({ noDelay: true, maxInflightInbound: 0 });
  });
  afterAll(() => broker.close());

  test('runs in another process and serves TCP and WebSocket clients', async () => {
    expect(broker.pid).not.toBe(process.pid);
    const sub = await pool.connect(broker.wsUrl);
    const got = collect(sub);
    await sub.subscribeAsync('child/#', { qos: 2 });
    const pub = await pool.connect(broker.url);
    await pub.publishAsync('child/x', 'hello', { qos: 2 });
    await until(() => got.length === 1, 'a message through the child broker');
    expect(got[0]).toMatchObject({ topic: 'child/x', payload: 'hello', qos: 2 });
  });

  test('maxInflightInbound 0 lifts the cap: 1,500 QoS 2 publishes in flight at once all complete', async () => {
    const pub = await pool.connect(broker.url);
    const publishes = Array.from({ length: 1500 }, (_, i) =>
      pub.publishAsync('burst', String(i), { qos: 2 }),
    );
    await expect(Promise.all(publishes)).resolves.toHaveLength(1500);
  });

  test('for contrast, with the aedes default (1000) the same burst makes aedes drop the connection', async () => {
    const strict = await startAedesProcess();
    try {
      const pub = await pool.connect(strict.url);
      const closed = nextClose(pub);
      for (let i = 0; i < 1500; i++)
        void pub.publishAsync('burst', String(i), { qos: 2 }).catch(() => undefined);
      await closed;
      expect(pub.connected).toBe(false);
    } finally {
      await strict.close();
    }
  });

  test("prebuildPacketCache fills mqtt-packet's number cache before listening, on every start", async () => {
    const PREBUILT = /mqtt-packet number cache: 65536 entries prebuilt/g;
    expect(broker.log()).not.toMatch(PREBUILT); // aedes' default: built on the first packet write
    const warm = await startAedesProcess({ noDelay: true, prebuildPacketCache: true });
    try {
      expect(warm.log().match(PREBUILT)).toHaveLength(1);
      const client = await pool.connect(warm.url);
      expect(client.connected).toBe(true);
      await warm.kill();
      await warm.start();
      expect(warm.log().match(PREBUILT)).toHaveLength(2);
    } finally {
      await warm.close();
    }
  });

  test('kill() is a real SIGKILL: clients see the connection close; start() serves again on the same port', async () => {
    const client = await pool.connect(broker.url);
    const closed = nextClose(client);
    const { port, pid } = broker;
    await broker.kill();
    await closed;
    expect(broker.isRunning()).toBe(false);
    expect(() => process.kill(pid as number, 0)).toThrow(); // the process is gone
    await broker.start();
    expect(broker.port).toBe(port);
    expect(broker.pid).not.toBe(pid);
    const again = await pool.connect(broker.url);
    expect(again.connected).toBe(true);
  });

  test('restart() (SIGTERM) brings back an empty broker on the same ports', async () => {
    const keeper = await pool.connect(broker.url, { clientId: 'keeper', clean: false });
    await keeper.subscribeAsync('k', { qos: 1 });
    await keeper.endAsync();
    await broker.restart();
    let sessionPresent = true;
    await pool.connect(broker.url, { clientId: 'keeper', clean: false }, (client) =>
      client.once('connect', (packet) => (sessionPresent = packet.sessionPresent)),
    );
    expect(sessionPresent).toBe(false);
  });
});
