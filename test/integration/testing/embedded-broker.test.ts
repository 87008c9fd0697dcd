/**
 * mqtt-connector/testing against real sockets: the embedded broker's addresses, its outage simulation
 * (stop / start / restart / outage on the same ports), hooks, broker-side publishes, the published$ tap,
 * and the wait helpers reading a live connector.
 */
import mqtt from 'mqtt';
import { firstValueFrom, take, toArray } from 'rxjs';
import {
  ClosedError,
  ConnectionFailedError,
  MqttConnector,
  TimeoutError,
  type MqttConnectorOptions,
} from '../../../src/index';
import {
  collectMessages,
  firstMessage,
  startBroker,
  waitForState,
  type EmbeddedBroker,
} from '../../../src/testing/index';

describe('startBroker', () => {
  const brokers: EmbeddedBroker[] = [];
  const connectors: MqttConnector[] = [];
  const start = async (...args: Parameters<typeof startBroker>) => {
    const broker = await startBroker(...args);
    brokers.push(broker);
    return broker;
  };
  const make = (url: string, options: MqttConnectorOptions = {}) => {
    const connector = new MqttConnector({
      mqttBroker: url,
      reconnectInterval: 20,
      maxReconnectInterval: 100,
      throttleInterval: 0,
      ...options,
    });
    connectors.push(connector);
    return connector;
  };

  afterEach(async () => {
    await Promise.all(connectors.splice(0).map((c) => c.disconnect({ flush: false })));
    await Promise.all(brokers.splice(0).map((b) => b.close()));
  });

  it('listens on ephemeral loopback ports for mqtt:// and ws://', async () => {
    const [one, two] = await Promise.all([start(), start()]);
    expect(one.host).toBe('127.0.0.1');
    expect(one.url).toBe(`mqtt://127.0.0.1:${one.port}`);
    expect(one.wsUrl).toBe(`ws://127.0.0.1:${one.wsPort}`);
    expect(new Set([one.port, one.wsPort, two.port, two.wsPort]).size).toBe(4);
    expect(one.port).toBeGreaterThan(0);
    expect(one.running).toBe(true);

    const tcp = make(one.url, { clientId: 'over-tcp' });
    const ws = make(one.wsUrl, { clientId: 'over-ws' });
    await expect(Promise.all([tcp.connect(), ws.connect()])).resolves.toEqual([true, true]);
    expect(one.clientIds().sort()).toEqual(['over-tcp', 'over-ws']);
    expect(one.aedes.connectedClients).toBe(2);
  });

  it('brackets an IPv6 host in its URLs', async () => {
    const broker = await start({ host: '::1' });
    expect(broker.url).toBe(`mqtt://[::1]:${broker.port}`);
    const connector = make(broker.url);
    await expect(connector.connect()).resolves.toBe(true);
  });

  it('stop() is an outage: the connector reconnects once start() brings it back on the same port', async () => {
    const broker = await start();
    const connector = make(broker.url, { clientId: 'outage' });
    await connector.connect();

    await broker.stop();
    expect(broker.running).toBe(false);
    expect(broker.clientIds()).toEqual([]);
    const lost = await waitForState(connector, 'reconnecting');
    expect(lost.error?.code).toBe('CONNECTION_LOST');
    await broker.stop(); // idempotent

    // Publishes made during the outage wait in the offline queue and arrive after it.
    const sent = firstValueFrom(broker.published$.pipe(take(2), toArray()));
    const queued = [
      connector.publish('queued/1', 'one', { qos: 1 }),
      connector.publish('queued/2', 'two', { qos: 1 }),
    ];
    const port = broker.port;
    await broker.start();
    await broker.start(); // no-op while running
    expect(broker.port).toBe(port);
    await waitForState(connector, 'connected', { timeout: 5000 });
    await expect(Promise.all(queued)).resolves.toMatchObject([
      { status: 'acknowledged' },
      { status: 'acknowledged' },
    ]);
    expect((await sent).map((m) => [m.topic, m.text, m.qos, m.clientId])).toEqual([
      ['queued/1', 'one', 1, 'outage'],
      ['queued/2', 'two', 1, 'outage'],
    ]);
  });

  it('restart() starts a fresh broker: retained messages are gone, subscriptions are restored by the connector', async () => {
    const broker = await start();
    const connector = make(broker.url);
    await connector.connect();
    await broker.publish('state/lamp', 'on', { retain: true, qos: 1 });
    const before = await firstMessage(connector, 'state/#', { timeout: 2000 });
    expect(before).toMatchObject({ topic: 'state/lamp', payload: 'on', retain: true });

    const firstLife = broker.aedes;
    await broker.restart();
    expect(broker.aedes).not.toBe(firstLife);
    await waitForState(connector, 'connected', { skipCurrent: true });

    const live = connector.subscribe('events/#');
    const next = firstValueFrom(live);
    await connector.whenSubscribed('events/#');
    await expect(firstMessage(connector, 'state/#', { timeout: 300 })).rejects.toBeInstanceOf(TimeoutError);
    await broker.publish('events/door', 'opened');
    await expect(next).resolves.toMatchObject({ topic: 'events/door', payload: 'opened', retain: false });
  });

  it('outage(ms) and outage(fn) stop, wait, start again, and return the function result', async () => {
    const broker = await start();
    const connector = make(broker.url);
    await connector.connect();
    const states: string[] = [];
    connector.state$.subscribe((s) => states.push(s.status));

    const result = await broker.outage(async () => {
      await waitForState(connector, 'reconnecting');
      return 'down' as const;
    });
    expect(result).toBe('down');
    expect(broker.running).toBe(true);
    await waitForState(connector, 'connected');
    await expect(broker.outage(0)).resolves.toBeUndefined();

    // A failing function still ends the outage.
    await expect(
      broker.outage(() => {
        throw new Error('test body failed');
      }),
    ).rejects.toThrow('test body failed');
    expect(broker.running).toBe(true);
    await waitForState(connector, 'connected');
    expect(states).toContain('reconnecting');
  });

  it('users: only the listed credentials connect; others fail with CONNECTION_REFUSED', async () => {
    const broker = await start({ users: { alice: 'secret' } });
    const good = make(broker.url, { username: 'alice', password: 'secret' });
    const bad = make(broker.url, { username: 'alice', password: 'wrong' });
    const anonymous = make(broker.url);
    await expect(Promise.all([good.connect(), bad.connect(), anonymous.connect()])).resolves.toEqual([
      true,
      false,
      false,
    ]);
    expect(bad.state).toMatchObject({
      status: 'failed',
      error: { code: 'CONNECTION_REFUSED', reasonCode: 4 },
    });
    await expect(
      startBroker({ users: {}, authenticate: (_c, _u, _p, done) => done(null, true) }),
    ).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
    });
  });

  it('passes aedes hooks through: authorizeSubscribe refuses a filter', async () => {
    const broker = await start({
      authorizeSubscribe: (_client, subscription, callback) =>
        callback(null, subscription.topic.startsWith('secret/') ? null : subscription),
    });
    const connector = make(broker.url);
    await connector.connect();
    const refused = firstMessage(connector, 'secret/#');
    await expect(connector.whenSubscribed('secret/#')).rejects.toMatchObject({ code: 'SUBSCRIBE_REFUSED' });
    await expect(refused).rejects.toMatchObject({ code: 'SUBSCRIBE_REFUSED' });
    const allowed = firstMessage(connector, 'public/#');
    await expect(connector.whenSubscribed('public/#')).resolves.toBe(0);
    await broker.publish('public/news', 'hi');
    await expect(allowed).resolves.toMatchObject({ payload: 'hi' });
  });

  it('restart(options) changes the hooks for the next life', async () => {
    const broker = await start();
    await broker.restart({ users: { bob: 'pw' } });
    const refused = make(broker.url, { maxReconnectAttempts: 0 });
    await expect(refused.connect()).resolves.toBe(false);
    const accepted = make(broker.url, { username: 'bob', password: 'pw' });
    await expect(accepted.connect()).resolves.toBe(true);
  });

  it('published$ sees what clients publish, bytes and flags included, and not the broker publishes', async () => {
    const broker = await start();
    const raw = mqtt.connect(broker.url, { clientId: 'raw', reconnectPeriod: 0 });
    try {
      await new Promise<void>((resolve, reject) =>
        raw.once('connect', () => resolve()).once('error', reject),
      );
      const seen = firstValueFrom(broker.published$.pipe(take(1)));
      await broker.publish('from/broker', 'ignored');
      await raw.publishAsync('from/raw', Buffer.from([0xff, 0x00]), { qos: 1, retain: true });
      const message = await seen;
      expect(message).toMatchObject({ topic: 'from/raw', qos: 1, retain: true, clientId: 'raw' });
      expect([...message.payload]).toEqual([0xff, 0x00]);
    } finally {
      raw.end(true);
    }
  });

  it('runs concurrent starts and stops one at a time, in call order', async () => {
    const broker = await start();
    await broker.stop();
    await Promise.all([broker.start(), broker.start()]); // the second sees the first's broker: no EADDRINUSE
    expect(broker.running).toBe(true);
    await Promise.all([broker.stop(), broker.start(), broker.stop()]);
    expect(broker.running).toBe(false);
    await broker.start();
    const connector = make(broker.url);
    await expect(connector.connect()).resolves.toBe(true);
  });

  it('publish() while stopped rejects with CLOSED', async () => {
    const broker = await start();
    await broker.stop();
    await expect(broker.publish('a', 'b')).rejects.toBeInstanceOf(ClosedError);
  });

  it('close() is final and idempotent: start() refuses and published$ completes', async () => {
    const broker = await start();
    const completed = firstValueFrom(broker.published$.pipe(toArray()));
    await broker.close();
    await broker.close();
    await expect(completed).resolves.toEqual([]);
    await expect(broker.start()).rejects.toBeInstanceOf(ClosedError);
    expect(broker.running).toBe(false);
  });

  it('a taken port rejects with CONNECTION_FAILED', async () => {
    const broker = await start();
    const error = await startBroker({ port: broker.port }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionFailedError);
    expect((error as Error).message).toContain(String(broker.port));
  });
});

describe('wait helpers against a live connector', () => {
  let broker: EmbeddedBroker;
  let connector: MqttConnector;

  beforeEach(async () => {
    broker = await startBroker();
    connector = new MqttConnector({ mqttBroker: broker.url, throttleInterval: 0 });
    await connector.connect();
  });
  afterEach(async () => {
    await connector.disconnect();
    await broker.close();
  });

  it('firstMessage subscribes with the given qos and decoding, gives params, and unsubscribes after', async () => {
    const unsubscribed = new Promise<string[]>((resolve) => broker.aedes.once('unsubscribe', resolve));
    const reply = firstMessage<number>(connector, 'replies/+id', {
      qos: 1,
      decode: (raw) => raw.length,
    });
    await expect(connector.whenSubscribed('replies/+id')).resolves.toBe(1);
    await connector.publish('replies/7', 'four', { qos: 1 });
    await expect(reply).resolves.toMatchObject({
      topic: 'replies/7',
      payload: 4,
      qos: 1,
      params: { id: '7' },
    });
    await expect(unsubscribed).resolves.toEqual(['replies/+']);
  });

  it('collectMessages gathers count messages in order; its timeout says how many came', async () => {
    const three = collectMessages(connector, 'seq/#', { count: 3, qos: 1 });
    await connector.whenSubscribed('seq/#');
    for (const n of [1, 2, 3, 4]) await connector.publish(`seq/${n}`, n, { qos: 1 });
    expect((await three).map((m) => m.payload)).toEqual([1, 2, 3]);

    const tooMany = collectMessages(connector, 'few/#', { count: 2, timeout: 300 });
    await connector.whenSubscribed('few/#');
    await connector.publish('few/1', 1, { qos: 1 });
    await expect(tooMany).rejects.toThrow('1 of 2 messages on "few/#" within 300 ms');
  });

  it('firstMessage with a predicate reads messages$', async () => {
    const any = connector.subscribe('mix/#');
    const sub = any.subscribe();
    try {
      await connector.whenSubscribed('mix/#');
      const big = firstMessage(connector, (m) => typeof m.payload === 'number' && m.payload > 10);
      for (const n of [1, 20, 3]) await connector.publish(`mix/${n}`, n);
      await expect(big).resolves.toMatchObject({ topic: 'mix/20', payload: 20 });
    } finally {
      sub.unsubscribe();
    }
  });
});
