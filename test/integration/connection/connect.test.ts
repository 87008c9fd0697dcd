import { createServer, type Server, type AddressInfo } from 'node:net';
import { firstValueFrom, filter } from 'rxjs';
import mqtt from 'mqtt';
import {
  MqttConnector,
  ConnectionRefusedError,
  type ConnectionState,
  type LogEntry,
  type MqttConnectorOptions,
} from '../../../src/index';
import type { MqttConnectorInternals } from '../../../src/connector/mqtt-connector';
import { type AuthHook, type EmbeddedBroker, refusal as refuse, startAedes } from '../../support/aedes';
import { countClientSockets } from '../../support/client-sockets';
import { TrackingScheduler } from '../../support/tracking-scheduler';

describe('connection against aedes', () => {
  let broker: EmbeddedBroker;
  const connectors: MqttConnector[] = [];
  const make = (options: MqttConnectorOptions = {}, internals?: MqttConnectorInternals) => {
    const connector = new MqttConnector(
      { mqttBroker: broker.url, reconnectInterval: 20, ...options },
      internals,
    );
    connectors.push(connector);
    return connector;
  };
  const statesOf = (connector: MqttConnector) => {
    const states: ConnectionState[] = [];
    connector.state$.subscribe((s) => states.push(s));
    return states;
  };
  const until = (connector: MqttConnector, predicate: (s: ConnectionState) => boolean) =>
    firstValueFrom(connector.state$.pipe(filter(predicate)));

  async function withAuth(authenticate: AuthHook) {
    await broker.restart({ authenticate });
  }

  beforeEach(async () => {
    broker = await startAedes();
  });
  afterEach(async () => {
    await Promise.all(connectors.splice(0).map((c) => c.disconnect()));
    await broker.close();
  });

  it('connects, reports each state once in order, and disconnects', async () => {
    const connector = make();
    const states = statesOf(connector);
    await expect(connector.connect()).resolves.toBe(true);
    expect(connector.isConnected()).toBe(true);
    await expect(connector.connect()).resolves.toBe(true); // already connected: at once
    await connector.disconnect();
    expect(states.map((s) => s.status)).toEqual(['idle', 'connecting', 'connected', 'disconnected']);
    expect(states[2]).toMatchObject({ attempt: 0, sessionPresent: false, broker: broker.url });
    expect(connector.isConnected()).toBe(false);
  });

  it('replays the current state to a late subscriber', async () => {
    const connector = make();
    await connector.connect();
    await expect(firstValueFrom(connector.state$)).resolves.toMatchObject({ status: 'connected' });
  });

  it('stops at refused credentials: failed state, connect() resolves false, no further attempts', async () => {
    let attempts = 0;
    await withAuth((_client, _user, _pass, done) => {
      attempts += 1;
      done(refuse(4), false);
    });
    const scheduler = new TrackingScheduler();
    const connector = make({ username: 'bob', password: 'wrong' }, { scheduler });
    await expect(connector.connect()).resolves.toBe(false);
    expect(connector.state.status).toBe('failed');
    expect(connector.state.error).toBeInstanceOf(ConnectionRefusedError);
    expect(connector.state.error).toMatchObject({ code: 'CONNECTION_REFUSED', reasonCode: 4, fatal: true });
    expect(attempts).toBe(1);
    expect(scheduler.pending).toBe(0); // no backoff wait: nothing can start another attempt
  });

  it('retries "server unavailable" and calls the credentials provider before every attempt', async () => {
    const seen: string[] = [];
    await withAuth((_client, _user, pass, done) => {
      const token = pass?.toString() ?? '';
      seen.push(token);
      if (token === 'token-1') done(refuse(3), false);
      else done(null, true);
    });
    let issued = 0;
    const connector = make({ username: 'svc', password: async () => `token-${++issued}` });
    await expect(connector.connect()).resolves.toBe(true);
    expect(seen).toEqual(['token-1', 'token-2']);
  });

  it('gives up after maxReconnectAttempts when nothing listens', async () => {
    const port = await closedPort();
    const connector = make({ mqttBroker: `mqtt://127.0.0.1:${port}`, maxReconnectAttempts: 2 });
    const states = statesOf(connector);
    await expect(connector.connect()).resolves.toBe(false);
    // each retry: the wait (with delayMs), then the attempt itself (without)
    expect(states.map((s) => `${s.status}:${s.attempt}${s.delayMs === undefined ? '' : '@'}`)).toEqual([
      'idle:0',
      'connecting:0',
      'connecting:1@',
      'connecting:1',
      'connecting:2@',
      'connecting:2',
      'failed:3',
    ]);
    expect(states[6]?.error?.code).toBe('CONNECTION_FAILED');
    expect(states[2]?.delayMs).toBeGreaterThanOrEqual(10); // equal jitter: between d/2 and d
  });

  it('goes reconnecting when the broker stops and connected when it is back', async () => {
    const connector = make();
    await connector.connect();
    const reconnecting = until(connector, (s) => s.status === 'reconnecting');
    await broker.close();
    const state = await reconnecting;
    expect(state.error?.code).toBe('CONNECTION_LOST');
    await broker.restart();
    await until(connector, (s) => s.status === 'connected');
    expect(connector.isConnected()).toBe(true);
  });

  it('disconnect() while waiting to retry cancels the wait at once', async () => {
    const counter = await countingServer();
    try {
      const scheduler = new TrackingScheduler();
      const connector = make(
        { mqttBroker: `mqtt://127.0.0.1:${counter.port}`, reconnectInterval: 60_000 },
        { scheduler },
      );
      const pending = connector.connect();
      const waiting = await until(connector, (s) => s.delayMs !== undefined);
      // The backoff wait (30-60 s: the test would time out if disconnect() waited for it).
      expect(scheduler.pendingDelays()).toContain(waiting.delayMs);
      const sockets = countClientSockets();
      try {
        await connector.disconnect();
        await expect(pending).resolves.toBe(false);
        expect(connector.state.status).toBe('disconnected');
        expect(scheduler.pending).toBe(0); // cancelled: no attempt can follow
        expect(sockets.count).toBe(0);
      } finally {
        sockets.stop();
      }
    } finally {
      await counter.close();
    }
  });

  it('disconnect() works from idle, twice, and connect() works again afterwards', async () => {
    const connector = make();
    await connector.disconnect();
    await connector.disconnect();
    expect(connector.state.status).toBe('disconnected');
    await expect(connector.connect()).resolves.toBe(true);
    await connector.disconnect();
    await expect(connector.connect()).resolves.toBe(true);
  });

  it('connect(true) drops the current connection and makes a fresh one', async () => {
    const connector = make({ clientId: 'force-test' });
    let clientConnects = 0;
    broker.broker.on('client', () => (clientConnects += 1));
    await connector.connect();
    const states = statesOf(connector);
    await expect(connector.connect(true)).resolves.toBe(true);
    expect(clientConnects).toBe(2);
    expect(states.map((s) => s.status)).toEqual(['connected', 'connecting', 'connected']);
  });

  it('reports a resumed session (sessionPresent) with clean: false', async () => {
    // A raw client leaves a persistent session with a subscription behind under the same client id.
    const raw = await mqtt.connectAsync(broker.url, {
      clientId: 'persistent-1',
      clean: false,
      reconnectPeriod: 0,
    });
    await raw.subscribeAsync('kept/topic', { qos: 1 });
    await raw.endAsync();
    const connector = make({ clientId: 'persistent-1', clean: false });
    await connector.connect();
    expect(connector.state.sessionPresent).toBe(true);
  });

  it('never logs passwords, tokens or URL credentials', async () => {
    await withAuth((_client, user, pass, done) =>
      done(null, user === 'alice' && pass?.toString() === 's3cr3t-pw'),
    );
    const entries: LogEntry[] = [];
    const connector = make({
      mqttBroker: `mqtt://alice:s3cr3t-pw@127.0.0.1:${broker.port}`,
      logLevel: 'debug',
      logger: (e) => entries.push(e),
    });
    await expect(connector.connect()).resolves.toBe(true);
    await broker.restart({ authenticate: (_c, _u, _p, done) => done(refuse(5), false) });
    await until(connector, (s) => s.status === 'failed');
    const text = JSON.stringify(entries);
    expect(entries.length).toBeGreaterThan(3);
    expect(text).not.toContain('s3cr3t-pw');
    expect(text).toContain(`mqtt://127.0.0.1:${broker.port}`);
    expect(entries.some((e) => e.level === 'error' && e.context.status === 'failed')).toBe(true);
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** A TCP server that accepts and immediately closes connections, counting them. */
async function countingServer(): Promise<{ port: number; connections: number; close(): Promise<void> }> {
  const server: Server = createServer((socket) => {
    state.connections += 1;
    socket.destroy();
  });
  const state = {
    port: 0,
    connections: 0,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.port = (server.address() as AddressInfo).port;
  return state;
}
