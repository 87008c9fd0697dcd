/**
 * disconnect() against real sockets: concurrent calls, connect() racing with it, disconnecting before
 * the CONNACK or while the credentials provider is still pending, and the flush bound in virtual time.
 * No sleeps: the tests wait on states and server events, and prove that nothing more can happen by
 * counting client sockets and the connector's pending timers.
 */
import { VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { type ConnectionState, MqttConnector, type MqttConnectorOptions } from '../../../src/index';
import type { MqttConnectorInternals } from '../../../src/connector/mqtt-connector';
import { startAedes, type EmbeddedBroker } from '../../support/aedes';
import { countClientSockets, type ClientSocketCounter } from '../../support/client-sockets';
import { type RawServer, silentServer, unacknowledgingServer } from '../../support/raw-servers';
import { TrackingScheduler } from '../../support/tracking-scheduler';

/** Lets every pending promise callback and I/O callback of this turn run (no wall-clock wait). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('disconnect()', () => {
  let broker: EmbeddedBroker | undefined;
  let server: RawServer | undefined;
  let sockets: ClientSocketCounter | undefined;
  const connectors: MqttConnector[] = [];
  const make = (options: MqttConnectorOptions, internals?: MqttConnectorInternals) => {
    const connector = new MqttConnector(
      { reconnectInterval: 20, throttleInterval: 0, ...options },
      internals,
    );
    connectors.push(connector);
    return connector;
  };
  const statusesOf = (connector: MqttConnector) => {
    const statuses: ConnectionState['status'][] = [];
    connector.state$.subscribe((s) => statuses.push(s.status));
    return statuses;
  };

  afterEach(async () => {
    sockets?.stop();
    await Promise.all(connectors.splice(0).map((c) => c.disconnect({ flush: false })));
    await server?.close();
    await broker?.close();
    broker = server = sockets = undefined;
  });

  describe('against aedes', () => {
    beforeEach(async () => {
      broker = await startAedes();
    });

    it('shares one operation between concurrent calls: same promise, `disconnected` emitted once', async () => {
      const connector = make({ mqttBroker: broker?.url });
      const statuses = statusesOf(connector);
      await connector.connect();
      const first = connector.disconnect();
      const second = connector.disconnect();
      expect(second).toBe(first);
      await Promise.all([first, second]);
      await connector.disconnect(); // later: nothing left to do, nothing emitted
      expect(statuses).toEqual(['idle', 'connecting', 'connected', 'disconnected']);
    });

    it('emits `disconnected` once for concurrent calls from idle too', async () => {
      const connector = make({ mqttBroker: broker?.url });
      const statuses = statusesOf(connector);
      await Promise.all([connector.disconnect(), connector.disconnect()]);
      expect(statuses).toEqual(['idle', 'disconnected']);
    });

    it('connect() while disconnect() runs waits for it, then connects: state, boolean and publishing agree', async () => {
      const connector = make({ mqttBroker: broker?.url });
      await connector.connect();
      const statuses = statusesOf(connector);
      const disconnecting = connector.disconnect();
      const connecting = connector.connect();
      await disconnecting;
      await expect(connecting).resolves.toBe(true);
      expect(connector.isConnected()).toBe(true);
      expect(connector.state.status).toBe('connected');
      expect(statuses).toEqual(['connected', 'disconnected', 'connecting', 'connected']);
      await expect(connector.publish('after/reconnect', 'x', { qos: 1 })).resolves.toMatchObject({
        status: 'acknowledged',
      });
    });

    it('a later disconnect() cancels a connect() that waits for an earlier one', async () => {
      const connector = make({ mqttBroker: broker?.url });
      await connector.connect();
      const statuses = statusesOf(connector);
      sockets = countClientSockets();
      const first = connector.disconnect();
      const connecting = connector.connect();
      const second = connector.disconnect();
      expect(second).toBe(first);
      await expect(connecting).resolves.toBe(false);
      expect(connector.state.status).toBe('disconnected');
      expect(statuses).toEqual(['connected', 'disconnected']);
      expect(sockets.count).toBe(0);
      await expect(connector.publish('t', 'x')).rejects.toMatchObject({ code: 'CLOSED' });
    });

    it('refuses invalid options with INVALID_ARGUMENT and stays connected', async () => {
      const connector = make({ mqttBroker: broker?.url });
      await connector.connect();
      await expect(connector.disconnect({ timeout: -1 })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/timeout must be a number of ms >= 0/) as unknown,
      });
      await expect(connector.disconnect({ flush: 'yes' as unknown as boolean })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      expect(connector.isConnected()).toBe(true);
    });
  });

  it('while the CONNECT waits for its CONNACK: connect() resolves false, no timer left, no new socket', async () => {
    server = await silentServer();
    const scheduler = new TrackingScheduler();
    const connector = make({ mqttBroker: server.url }, { scheduler });
    const statuses = statusesOf(connector);
    sockets = countClientSockets();
    const connecting = connector.connect();
    await server.connection(1);
    await connector.disconnect();
    await expect(connecting).resolves.toBe(false);
    expect(statuses).toEqual(['idle', 'connecting', 'disconnected']);
    expect(scheduler.pending).toBe(0); // no backoff wait left that could start another attempt
    expect(sockets.count).toBe(1);
    expect(server.connections).toBe(1);
  });

  it('while the credentials provider is pending: no socket is opened when it resolves later', async () => {
    server = await silentServer();
    let release: (token: string) => void = () => undefined;
    let called: () => void = () => undefined;
    const providerCalled = new Promise<void>((resolve) => (called = resolve));
    const scheduler = new TrackingScheduler();
    const connector = make(
      {
        mqttBroker: server.url,
        username: 'svc',
        password: () => {
          called();
          return new Promise<string>((resolve) => (release = resolve));
        },
      },
      { scheduler },
    );
    const statuses = statusesOf(connector);
    sockets = countClientSockets();
    const connecting = connector.connect();
    await providerCalled;
    await connector.disconnect();
    await expect(connecting).resolves.toBe(false);
    release('late-token');
    await nextTurn(); // the attempt's continuation after the provider has run by now
    expect(sockets.count).toBe(0);
    expect(scheduler.pending).toBe(0);
    expect(statuses).toEqual(['idle', 'connecting', 'disconnected']);
  });

  it('bounds the flush with the injected scheduler (virtual time)', async () => {
    server = await unacknowledgingServer();
    const scheduler = new VirtualTimeScheduler(VirtualAction, Number.POSITIVE_INFINITY);
    const connector = make({ mqttBroker: server.url }, { scheduler });
    await expect(connector.connect()).resolves.toBe(true);
    const publish = connector.publish('never/acked', 'x', { qos: 1 });
    const outcome = publish.then(
      () => 'resolved',
      (error: { code: string }) => error.code,
    );
    await server.packetAfterConnect(1); // the PUBLISH reached the server, which will never PUBACK it
    let disconnected = false;
    const disconnecting = connector.disconnect({ timeout: 60_000 }).then(() => (disconnected = true));
    await nextTurn();
    expect(disconnected).toBe(false); // flushing: waits for the PUBACK, bounded by a virtual timer
    scheduler.flush(); // virtual time jumps to the bound
    expect(scheduler.frame).toBe(60_000);
    await disconnecting;
    await expect(outcome).resolves.toBe('CLOSED');
    expect(connector.state.status).toBe('disconnected');
  });

  it('with timeout Infinity sets no bound: the flush ends only when the connection does', async () => {
    server = await unacknowledgingServer();
    const scheduler = new VirtualTimeScheduler(VirtualAction, Number.POSITIVE_INFINITY);
    const connector = make({ mqttBroker: server.url }, { scheduler });
    await connector.connect();
    const outcome = connector.publish('never/acked', 'x', { qos: 1 }).then(
      () => 'resolved',
      (error: { code: string }) => error.code,
    );
    await server.packetAfterConnect(1);
    let disconnected = false;
    const disconnecting = connector.disconnect({ timeout: Infinity }).then(() => (disconnected = true));
    scheduler.flush(); // no timer to run (a JavaScript timer would fire after 1 ms for Infinity)
    await nextTurn();
    expect(disconnected).toBe(false);
    await server.close(); // the connection drops: nothing more can be flushed
    await disconnecting;
    await expect(outcome).resolves.toBe('CLOSED');
    expect(connector.state.status).toBe('disconnected');
  });
});
