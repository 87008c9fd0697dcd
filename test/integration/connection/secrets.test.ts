/**
 * Secrets never reach a log entry, end to end against aedes: a `password` option and an async token
 * provider, through connection, refusals (retried and fatal), a lost connection, failed attempts and
 * a failing provider, at log level debug. Each entry is checked serialized (message and context).
 */
import { filter, firstValueFrom } from 'rxjs';
import {
  MqttConnector,
  type ConnectionState,
  type LogEntry,
  type MqttConnectorOptions,
} from '../../../src/index';
import { type AuthHook, type EmbeddedBroker, refusal as refuse, startAedes } from '../../support/aedes';

const refuseAll =
  (returnCode: number): AuthHook =>
  (_client, _user, _pass, done) =>
    done(refuse(returnCode), false);

describe('secrets in logs', () => {
  let broker: EmbeddedBroker;
  const connectors: MqttConnector[] = [];
  const entries: LogEntry[] = [];
  const make = (options: MqttConnectorOptions) => {
    const connector = new MqttConnector({
      mqttBroker: broker.url,
      reconnectInterval: 20,
      logLevel: 'debug',
      logger: (entry) => entries.push(entry),
      ...options,
    });
    connectors.push(connector);
    return connector;
  };
  const until = (connector: MqttConnector, predicate: (s: ConnectionState) => boolean) =>
    firstValueFrom(connector.state$.pipe(filter(predicate)));
  /** Every entry, serialized as a log shipper would: message and context. */
  const logged = () => JSON.stringify(entries);

  beforeEach(async () => {
    entries.length = 0;
    broker = await startAedes();
  });
  afterEach(async () => {
    await Promise.all(connectors.splice(0).map((c) => c.disconnect()));
    await broker.close();
  });

  it('a password option: connected, lost, failed attempts, refused', async () => {
    const password = 'St4tic-pa55word';
    await broker.restart({
      authenticate: (_client, user, pass, done) =>
        done(null, user === 'alice' && pass?.toString() === password),
    });
    const connector = make({ username: 'alice', password });
    await expect(connector.connect()).resolves.toBe(true);

    await broker.close(); // lost, then attempts that fail (nothing listens)
    await until(connector, (s) => s.error?.code === 'CONNECTION_FAILED');
    await broker.restart({ authenticate: refuseAll(5) });
    await until(connector, (s) => s.status === 'failed');

    const text = logged();
    expect(text).not.toContain(password);
    expect(text).toContain('CONNECTION_LOST');
    expect(text).toContain('CONNECTION_FAILED');
    expect(entries.some((e) => e.message === 'MQTT client error')).toBe(true);
    expect(
      entries.some((e) => e.level === 'error' && /refused the connection \(code 5\)/.test(e.message)),
    ).toBe(true);
  });

  it('an async token provider: retried refusal, failing refresh, connected, refused', async () => {
    const issued: string[] = [];
    await broker.restart({
      authenticate: (_client, _user, pass, done) => {
        if (pass?.toString() === issued[0])
          done(refuse(3), false); // server unavailable: retried
        else done(null, true);
      },
    });
    let calls = 0;
    const connector = make({
      username: 'svc',
      password: async () => {
        calls += 1;
        // The second refresh fails, naming the token it tried to refresh (as token services do).
        if (calls === 2) throw new Error(`refresh of ${issued[0] ?? ''} failed`);
        const token = `tok-${calls}-${Math.random().toString(36).slice(2)}-S3cret`;
        issued.push(token);
        return token;
      },
    });
    await expect(connector.connect()).resolves.toBe(true);
    await broker.restart({ authenticate: refuseAll(4) });
    await until(connector, (s) => s.status === 'failed');

    expect(issued).toHaveLength(3);
    const text = logged();
    for (const token of issued) expect(text).not.toContain(token);
    expect(text).toContain('The credentials provider failed');
    expect(text).toMatch(/refused the connection \(code 3\).*will retry/);
    expect(text).toMatch(/refused the connection \(code 4\).*not retrying/);
  });
});
