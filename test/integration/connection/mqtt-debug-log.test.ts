/**
 * MQTT.js's own log through a real connector against aedes: with `DEBUG`'s mqttjs:client namespace on (or
 * a `log` given through the `mqtt` escape hatch) its lines still flow, with the CONNECT password
 * redacted; with the namespace off nothing is written and messages flow as always.
 */
import createDebug from 'debug';
import { firstValueFrom } from 'rxjs';
import { MqttConnector, type MqttConnectorOptions } from '../../../src/index';
import { type EmbeddedBroker, startAedes } from '../../support/aedes';

describe("MQTT.js's log through the connector", () => {
  const password = 'Debug-pa55word';
  let broker: EmbeddedBroker;
  const lines: string[] = [];
  const originalLog = createDebug.log;
  const connectors: MqttConnector[] = [];

  /** Connects with credentials, then sends one QoS 1 message to itself and returns it as text. */
  async function roundTrip(options: MqttConnectorOptions = {}): Promise<string> {
    const connector = new MqttConnector({ mqttBroker: broker.url, username: 'alice', password, ...options });
    connectors.push(connector);
    await connector.connect();
    const received = firstValueFrom(connector.subscribe<string>('debug-log/t', { qos: 1, decode: 'string' }));
    await connector.whenSubscribed('debug-log/t');
    await connector.publish('debug-log/t', 'hello', { qos: 1 });
    return (await received).payload;
  }

  beforeEach(async () => {
    lines.length = 0;
    createDebug.log = (...args: unknown[]) => lines.push(args.map(String).join(' '));
    broker = await startAedes();
    await broker.restart({
      authenticate: (_client, user, pass, done) =>
        done(null, user === 'alice' && pass?.toString() === password),
    });
  });
  afterEach(async () => {
    await Promise.all(connectors.splice(0).map((c) => c.disconnect()));
    await broker.close();
    createDebug.disable();
    createDebug.log = originalLog;
  });

  it('writes nothing when mqttjs:client is off, and messages flow', async () => {
    await expect(roundTrip()).resolves.toBe('hello');
    expect(lines).toEqual([]);
  });

  it('keeps every line when mqttjs:client is on, without the password', async () => {
    createDebug.enable('mqttjs:client');
    await expect(roundTrip()).resolves.toBe('hello');
    const text = lines.join('\n');
    expect(text).toMatch(/_writePacket :: packet: \{\s*cmd: 'connect'/);
    expect(text).toContain("password: '[redacted]'");
    expect(text).toContain('debug-log/t');
    expect(text).not.toContain(password);
  });

  it("hands MQTT.js's lines to a log given through the mqtt escape hatch, without the password", async () => {
    const calls: unknown[][] = [];
    await expect(roundTrip({ mqtt: { log: (...args: unknown[]) => calls.push(args) } })).resolves.toBe(
      'hello',
    );
    const packets = calls
      .flat()
      .filter((arg): arg is { cmd: string } => typeof arg === 'object' && arg !== null);
    const connect = packets.find((packet) => packet.cmd === 'connect');
    expect(connect).toMatchObject({ cmd: 'connect', username: 'alice', password: '[redacted]' });
    expect(packets.some((packet) => packet.cmd === 'publish')).toBe(true);
    expect(JSON.stringify(calls)).not.toContain(password);
  });
});
