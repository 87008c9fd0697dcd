/**
 * The matrix, second half: what each broker refuses, and how the connector reacts. Credentials refused
 * by a broker that checks them (Mosquitto's password file, aedes' users table, nats-server's authorization
 * users) end the retries (state `failed`, `CONNECTION_REFUSED`), and the broker sees that one attempt only
 * (counted by a fault proxy in front of it: one TCP connection); a failed TLS handshake is a
 * `CONNECTION_FAILED` that is retried (the certificate may be fixed, the network may be at fault); and
 * what a broker cannot do at all (QoS 2 on NATS, MQTT 5 on aedes and NATS) is tested as what it does
 * instead. Only the tests a target has are generated; see helpers/targets.ts.
 */
import type { ConnectorEvent, ConnectionState } from '../../../src/index';
import { waitForState } from '../../../src/testing/wait-for-state';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy';
import { ConnectorPool, uniqueTopic } from '../helpers/connectors';
import { Recorder } from '../helpers/recorder';
import { TARGETS, type BrokerTarget, type RunningTarget } from '../helpers/targets';

/** The backoff of the refusal tests: short, so a wrongly retried attempt would show within the wait. */
const QUICK_RETRY = { reconnectInterval: 50, maxReconnectInterval: 50, reconnectJitter: 'none' } as const;

/** Time in which a connector that wrongly retried would have made about 20 more attempts. */
const NO_RETRY_WINDOW_MS = 1000;

const hasSecurityTests = (t: BrokerTarget) =>
  t.refused.length > 0 || t.failedHandshake !== undefined || t.unsupported.length > 0;

describe.each(TARGETS.filter(hasSecurityTests))('$name', (target) => {
  const pool = new ConnectorPool();
  let broker: RunningTarget;
  let proxy: FaultProxy | undefined;

  beforeAll(async () => {
    broker = await target.start();
  });
  afterEach(async () => {
    await pool.closeAll();
    await proxy?.close();
    proxy = undefined;
  });
  afterAll(() => broker?.close());

  if (target.auth) {
    test('accepts the configured user (password from an async provider)', async () => {
      const connector = await pool.connected(broker.options());
      expect(connector.state.status).toBe('connected');
    });

    test.each(target.refused)(
      'refuses $what: state failed, CONNECTION_REFUSED (code $code), no further attempt reaches the broker',
      async (login) => {
        const { hostname, port } = new URL(broker.url);
        const counter = await startFaultProxy(hostname, Number(port)); // counts what reaches the broker
        proxy = counter;
        const mqttBroker = broker.url.replace(`:${port}`, `:${counter.port}`);
        const connector = pool.create(broker.options({ ...login.options, ...QUICK_RETRY, mqttBroker }));
        const events = new Recorder<ConnectorEvent>(connector.events$);
        const states = new Recorder<ConnectionState>(connector.state$);

        expect(await connector.connect()).toBe(false);
        expect(connector.state).toMatchObject({
          status: 'failed',
          error: { code: 'CONNECTION_REFUSED', reasonCode: login.code, fatal: true },
        });
        expect(connector.state.error?.message).toMatch(login.message);
        await new Promise((resolve) => setTimeout(resolve, NO_RETRY_WINDOW_MS));
        expect(connector.state.status).toBe('failed');
        expect(counter.stats().connections).toBe(1); // the broker saw one connection: no retry reached it
        expect(events.items.filter((e) => e.type === 'backoff')).toEqual([]);
        expect(events.items.filter((e) => e.type === 'attempt')).toHaveLength(1);
        expect(states.items.map((s) => s.status)).toEqual(['idle', 'connecting', 'failed']);
        // A publish after the failure is refused at once, not queued forever.
        await expect(connector.publish(uniqueTopic('refused'), 'x', { qos: 1 })).rejects.toMatchObject({
          code: 'CLOSED',
        });
      },
    );
  }

  const handshake = target.failedHandshake;
  if (handshake !== undefined) {
    test(`TLS ${handshake.what}: CONNECTION_FAILED, retried (never 'failed')`, async () => {
      const tls = handshake.trustCa ? { ca: broker.ca } : {};
      const connector = pool.create(broker.options({ tls, ...QUICK_RETRY }));
      const states = new Recorder<ConnectionState>(connector.state$);
      void connector.connect();
      // Three failed attempts in a row, each reported and followed by another one.
      const third = await waitForState(connector, (s) => s.attempt >= 3, { timeout: 20_000 });
      expect(third).toMatchObject({ status: 'connecting', error: { code: 'CONNECTION_FAILED' } });
      const failures = states.items.filter((s) => s.error !== undefined);
      expect(failures.every((s) => s.status === 'connecting' && s.error?.code === 'CONNECTION_FAILED')).toBe(
        true,
      );
      expect(failures.some((s) => handshake.message.test(s.error?.message ?? ''))).toBe(true);
      expect(connector.isConnected()).toBe(false);
      await pool.close(connector);
      expect(connector.state.status).toBe('disconnected');
    });
  }

  for (const limitation of target.unsupported) {
    if (limitation.kind === 'qos2') {
      test(`${limitation.title}: a QoS 2 subscription is granted QoS 1 and delivers at QoS 1`, async () => {
        const topic = uniqueTopic('qos2');
        const connector = await pool.connected(broker.options());
        const got = new Recorder(connector.subscribe(topic, { qos: 2 }));
        expect(await connector.whenSubscribed(topic)).toBe(1);
        await connector.publish(topic, 'at most QoS 1', { qos: 1 });
        const [message] = await got.waitForCount(1, 'the message');
        expect(message).toMatchObject({ payload: 'at most QoS 1', qos: 1 });
      });
    } else {
      test(`${limitation.title}: an MQTT 5 CONNECT is refused (code 1) and the connector stops`, async () => {
        const connector = pool.create(broker.options({ protocolVersion: 5, ...QUICK_RETRY }));
        expect(await connector.connect()).toBe(false);
        expect(connector.state).toMatchObject({
          status: 'failed',
          error: { code: 'CONNECTION_REFUSED', reasonCode: 1, fatal: true },
        });
      });
    }
  }
});
