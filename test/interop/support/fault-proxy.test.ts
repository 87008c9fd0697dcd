import { startAedes, type EmbeddedBroker } from '../../support/aedes';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy';
import { ClientPool, collect, nextClose, until, within } from './clients';

const pool = new ClientPool();
let broker: EmbeddedBroker;
let proxy: FaultProxy;

beforeEach(async () => {
  broker = await startAedes();
  proxy = await startFaultProxy('127.0.0.1', broker.port);
});
afterEach(async () => {
  await pool.endAll();
  await proxy.close();
  await broker.close();
});

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('startFaultProxy', () => {
  test('forwards MQTT both ways and counts connections and bytes', async () => {
    const client = await pool.connect(proxy.url);
    const got = collect(client);
    await client.subscribeAsync('fp/echo', { qos: 1 });
    await client.publishAsync('fp/echo', 'through the proxy', { qos: 1 });
    await until(() => got.length === 1, 'the echo');
    expect(got[0]?.payload).toBe('through the proxy');
    const stats = proxy.stats();
    expect(stats).toMatchObject({ connections: 1, active: 1, cuts: 0, refused: 0 });
    expect(stats.bytesToTarget).toBeGreaterThan(0);
    expect(stats.bytesToClient).toBeGreaterThan(0);
    expect(proxy.url).toBe(`mqtt://127.0.0.1:${proxy.port}`);
  });

  test('cutAll() drops every connection; the client can come back', async () => {
    const a = await pool.connect(proxy.url);
    const b = await pool.connect(proxy.url);
    const closed = Promise.all([nextClose(a), nextClose(b)]);
    expect(proxy.cutAll()).toBe(2);
    await closed;
    expect(proxy.stats()).toMatchObject({ cuts: 2, active: 0 });
    const reconnected = proxy.waitForConnections(3);
    a.reconnect();
    await reconnected;
    await until(() => a.connected, 'the reconnected client');
    expect(proxy.stats()).toMatchObject({ connections: 3, active: 1 });
  });

  test('cutAll({ reset: true }) resets the connection (ECONNRESET on the client)', async () => {
    const client = await pool.connect(proxy.url);
    const closed = nextClose(client);
    proxy.cutAll({ reset: true });
    const { error } = await closed;
    expect((error as (Error & { code?: unknown }) | undefined)?.code).toBe('ECONNRESET');
  });

  test('stall(): nothing flows, so a client with keepalive 1 s reports a keepalive timeout', async () => {
    const client = await pool.connect(proxy.url, { keepalive: 1 });
    const closed = nextClose(client);
    proxy.stall();
    const { error } = await within(closed, 10_000, 'the keepalive timeout');
    expect(error?.message).toBe('Keepalive timeout');
    proxy.resume();
  });

  test('stall(ms) holds bytes without closing and resumes by itself, in order', async () => {
    const client = await pool.connect(proxy.url, { keepalive: 30 });
    const got = collect(client);
    await client.subscribeAsync('fp/held', { qos: 1 });
    proxy.stall(300);
    const published = Promise.all(
      [1, 2, 3].map((i) => client.publishAsync('fp/held', String(i), { qos: 1 })),
    );
    await tick(100); // well inside the stall
    expect(got).toHaveLength(0);
    await within(published, 10_000, 'the PUBACKs after the stall');
    await until(() => got.length === 3, 'three held messages');
    expect(got.map((m) => m.payload)).toEqual(['1', '2', '3']);
    expect(client.connected).toBe(true);
  });

  test('delay(ms) adds latency to every chunk and keeps the order', async () => {
    const sub = await pool.connect(broker.url); // direct: only the publisher's path is delayed
    const got = collect(sub);
    await sub.subscribeAsync('fp/slow', { qos: 0 });
    const pub = await pool.connect(proxy.url);
    proxy.delay(400);
    for (let i = 0; i < 20; i++) pub.publish('fp/slow', String(i), { qos: 0 });
    await tick(100); // far less than the delay: nothing can have arrived
    expect(got).toHaveLength(0);
    await until(() => got.length === 20, '20 delayed messages');
    expect(got.map((m) => Number(m.payload))).toEqual(Array.from({ length: 20 }, (_, i) => i));
    proxy.delay(0);
  });

  test("refuse() ('close' mode) turns new connections away, keeps existing ones, until accept()", async () => {
    const existing = await pool.connect(proxy.url);
    await proxy.refuse();
    const error = await pool.connectError(proxy.url, { connectTimeout: 2000 });
    expect(error.message).toBe('closed before CONNACK');
    expect(proxy.stats().refused).toBe(1);
    await existing.publishAsync('fp/still', 'alive', { qos: 1 });
    await proxy.accept();
    const later = await pool.connect(proxy.url);
    expect(later.connected).toBe(true);
  });

  test("refuse(ms, 'unlisten') gives ECONNREFUSED, then listens again on the same port by itself", async () => {
    await proxy.refuse(300, 'unlisten');
    const error = await pool.connectError(proxy.url);
    expect(error.code).toBe('ECONNREFUSED');
    expect(proxy.stats().connections).toBe(0);
    const deadline = Date.now() + 10_000;
    while (
      !(await pool.connect(proxy.url).then(
        () => true,
        () => false,
      ))
    ) {
      if (Date.now() > deadline) throw new Error('the proxy did not listen again');
      await tick(50);
    }
    expect(proxy.stats().connections).toBeGreaterThanOrEqual(1);
  });

  test('retarget() sends new connections to another broker', async () => {
    const other = await startAedes();
    try {
      const marker = await pool.connect(other.url);
      await marker.publishAsync('fp/where', 'other broker', { qos: 1, retain: true });
      proxy.retarget('127.0.0.1', other.port);
      expect(proxy.target).toEqual({ host: '127.0.0.1', port: other.port });
      const client = await pool.connect(proxy.url);
      const got = collect(client);
      await client.subscribeAsync('fp/where', { qos: 1 });
      await until(() => got.length === 1, 'the retained marker');
      expect(got[0]?.payload).toBe('other broker');
    } finally {
      await pool.endAll();
      await other.close();
    }
  });

  test('a target that refuses: the client sees its connection closed at once', async () => {
    const dead = await startFaultProxy('127.0.0.1', proxy.port);
    try {
      await proxy.refuse(undefined, 'unlisten'); // nothing listens on proxy.port now
      const error = await pool.connectError(dead.url);
      expect(error.message).toBe('closed before CONNACK');
      await until(() => dead.stats().upstreamErrors === 1, 'the upstream error to be counted');
    } finally {
      await dead.close();
    }
  });

  test('close() with a pending stall and refusal leaves no timer or socket behind', async () => {
    await pool.connect(proxy.url);
    proxy.stall(60_000);
    await proxy.refuse(60_000);
    proxy.delay(60_000);
    await proxy.close();
    expect(proxy.stats().active).toBe(0);
    await proxy.close(); // idempotent
  });
});
