/**
 * MQTT.js's own log: skipped when its `debug` namespace is off at creation, passed through (with secrets
 * taken out of packets) when it is on or when the caller gave MQTT.js a log. Real MQTT.js clients with
 * `manualConnect` (no socket); the `debug` package's output captured through its `log` hook.
 */
import createDebug from 'debug';
import mqtt, { type MqttClient } from 'mqtt';
import { isSecretKey } from '../../../src/connector/logger';
import { configureMqttLog, withoutSecrets } from '../../../src/connector/mqtt-debug-log';

describe('configureMqttLog', () => {
  const lines: string[] = [];
  const originalLog = createDebug.log;
  // manualConnect: no socket and no timer, so nothing to close.
  const client = (options: mqtt.IClientOptions = {}): MqttClient =>
    mqtt.connect({ manualConnect: true, ...options });
  const connectPacket = { cmd: 'connect', clientId: 'c1', username: 'alice', password: 'S3cret-pw' };

  beforeEach(() => {
    lines.length = 0;
    createDebug.log = (...args: unknown[]) => lines.push(args.map(String).join(' '));
  });
  afterEach(() => {
    createDebug.disable();
    createDebug.log = originalLog;
  });

  it('skips MQTT.js lines for good when mqttjs:client is off at creation', () => {
    const c = client();
    const before = c.log;
    expect(configureMqttLog(c)).toBe(false); // nothing is logged: the connector may write QoS 0 itself
    expect(c.log).not.toBe(before);
    createDebug.enable('mqttjs:client'); // too late for this client: the check was made
    c.log('_writePacket :: packet: %O', connectPacket);
    c.publish('t', 'x'); // MQTT.js's own calls go to the same no-op
    expect(lines).toEqual([]);
  });

  it('keeps MQTT.js lines when mqttjs:client is on, with the CONNECT password redacted', () => {
    createDebug.enable('mqttjs:client');
    const c = client();
    expect(configureMqttLog(c)).toBe(true); // lines are written: every packet must pass through MQTT.js
    c.log('_writePacket :: packet: %O', connectPacket);
    c.publish('debug/topic', 'x');
    const text = lines.join('\n');
    expect(text).toContain('[redacted]');
    expect(text).toContain('alice');
    expect(text).not.toContain('S3cret-pw');
    expect(text).toContain('debug/topic');
    // The namespace turned off later silences the lines again (debug checks on every call).
    createDebug.disable();
    lines.length = 0;
    c.log('after disable');
    expect(lines).toEqual([]);
  });

  it("keeps a log given through MQTT.js's options, and takes the password out of its packets", () => {
    const calls: unknown[][] = [];
    const thisValues: unknown[] = [];
    const c = client({
      log(this: unknown, ...args: unknown[]) {
        thisValues.push(this);
        calls.push(args);
      },
    });
    expect(configureMqttLog(c)).toBe(true);
    calls.length = 0; // the constructor's own lines
    const format = 'line %s';
    const plain = { cmd: 'publish', topic: 't' };
    c.log(format, plain, 'text', 3);
    c.log('_writePacket :: packet: %O', connectPacket);
    expect(calls[0]).toEqual([format, plain, 'text', 3]);
    expect(calls[0]?.[1]).toBe(plain); // anything but CONNECT / AUTH passes untouched
    expect(calls[1]?.[1]).toEqual({ ...connectPacket, password: '[redacted]' });
    expect(connectPacket.password).toBe('S3cret-pw'); // the packet MQTT.js sends is not touched
    expect(thisValues.every((value) => value === c)).toBe(true); // called as MQTT.js calls it
  });
});

describe('withoutSecrets', () => {
  it('redacts the secret-named fields of a packet and its properties, as copies', () => {
    const password = new Uint8Array([1, 2, 3]);
    const connect = {
      cmd: 'connect',
      clientId: 'c1',
      username: 'alice',
      password,
      properties: { sessionExpiryInterval: 60, authenticationData: Buffer.from('proof') },
    };
    expect(withoutSecrets(connect)).toEqual({
      cmd: 'connect',
      clientId: 'c1',
      username: 'alice',
      password: '[redacted]',
      properties: { sessionExpiryInterval: 60, authenticationData: '[redacted]' },
    });
    expect(connect.password).toBe(password); // the packet itself is untouched
    expect(connect.properties.authenticationData).toEqual(Buffer.from('proof'));
    const auth = { cmd: 'auth', reasonCode: 0x18, properties: { authenticationData: Buffer.from('x') } };
    expect(withoutSecrets(auth)).toEqual({
      cmd: 'auth',
      reasonCode: 0x18,
      properties: { authenticationData: '[redacted]' },
    });
  });

  it("follows the rule of the connector's own log entries (isSecretKey)", () => {
    for (const key of ['password', 'authenticationData', 'authenticationMethod', 'token']) {
      expect(isSecretKey(key)).toBe(true);
      expect(withoutSecrets({ cmd: 'connect', [key]: 'value' })).toEqual({
        cmd: 'connect',
        [key]: '[redacted]',
      });
    }
  });

  it('leaves other values and packets without secrets as they are', () => {
    const publish = {
      cmd: 'publish',
      topic: 't',
      payload: Buffer.from('p'),
      properties: { contentType: 'x' },
    };
    expect(withoutSecrets(publish)).toBe(publish);
    const connect = { cmd: 'connect', clientId: 'c', password: undefined };
    expect(withoutSecrets(connect)).toBe(connect);
    const notPacket = { password: 'p' }; // only packets (objects with a cmd) are MQTT.js's to log
    for (const value of ['s', 1, null, undefined, [1], notPacket]) expect(withoutSecrets(value)).toBe(value);
  });
});
