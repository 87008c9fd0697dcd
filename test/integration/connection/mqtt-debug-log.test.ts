/**
 * MQTT.js's own log through a real connector against aedes: with `DEBUG`'s mqttjs:client namespace on (or
 * a `log` given through the `mqtt` escape hatch) its lines still flow, with the CONNECT password
 * redacted; with the namespace off nothing is written and messages flow as always.
 */
import createDebug from 'debug';
import { firstValueFrom } from 'rxjs';
import { MqttConnector, type MqttConnectorOptions, type QoS } from '../../../src/index';
import { type EmbeddedBroker, startAedes } from '../../support/aedes';

describe("MQTT.js's log through the connector", () => {
  const password = 'Debug-pa55word';
  let broker: EmbeddedBroker;
  const lines: string[] = [];
  const originalLog = createDebug.log;
  const connectors: MqttConnector[] = [];

  /** Connects with credentials, then sends one message at `qos` to itself and returns it as text. */
  async function roundTrip(options: MqttConnectorOptions = {}, qos: QoS = 1): Promise<string> {
    const connector = new MqttConnector({ mqttBroker: broker.url, username: 'alice', password, ...options });
    connectors.push(connector);
    await connector.connect();
    const received = firstValueFrom(connector.subscribe<string>('debug-log/t', { qos, decode: 'string' }));
    await connector.whenSubscribed('debug-log/t');
    await connector.publish('debug-log/t', 'hello', { qos });
    return (await received).payload;
  }

  /** The PUBLISH packets MQTT.js logged as it wrote them (`_writePacket :: packet: { cmd: 'publish' ...`). */
  const writtenPublishes = () =>
    lines.filter((line) => /_writePacket :: packet: \{\s*cmd: 'publish'/.test(line));

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

  // The connector writes QoS 0 publishes to the socket itself (direct-qos0.ts), bypassing MQTT.js's log.
  it('leaves QoS 0 publishes to MQTT.js while mqttjs:client is on, so the log shows them', async () => {
    createDebug.enable('mqttjs:client');
    await expect(roundTrip({}, 0)).resolves.toBe('hello');
    const published = writtenPublishes();
    expect(published).toHaveLength(1);
    expect(published[0]).toContain('debug-log/t');
    expect(published[0]).toMatch(/qos: 0/);
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

  it('shows QoS 0 publishes to a log given through the mqtt escape hatch', async () => {
    // The packets MQTT.js logs as it writes them (a received PUBLISH is logged by another line).
    const written: { cmd?: unknown; qos?: unknown; topic?: unknown }[] = [];
    const log = (format: unknown, packet?: unknown) => {
      if (typeof format === 'string' && format.startsWith('_writePacket') && typeof packet === 'object')
        written.push(packet as (typeof written)[number]);
    };
    await expect(roundTrip({ mqtt: { log } }, 0)).resolves.toBe('hello');
    const publishes = written.filter((packet) => packet.cmd === 'publish');
    expect(publishes).toEqual([expect.objectContaining({ topic: 'debug-log/t', qos: 0 })]);
  });
});
