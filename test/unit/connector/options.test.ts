import { resolveOptions } from '../../../src/connector/options';
import { parseBrokers, redactUrl } from '../../../src/connector/broker-url';
import { InvalidOptionsError, MqttConnectorError } from '../../../src/connector/errors';
import type { MqttConnectorOptions } from '../../../src/connector/types';

describe('resolveOptions', () => {
  it('fills the seed defaults', () => {
    const resolved = resolveOptions({}, [], () => 'abcdef12');
    expect(resolved.clientId).toBe('mqtt_connector_abcdef12');
    expect(resolved.brokers.map((b) => b.url)).toEqual(['mqtt://localhost:1883']);
    expect(resolved.reconnect).toEqual({
      initialDelay: 5000,
      maxDelay: 120_000,
      multiplier: 2,
      jitter: 'equal',
      maxRetries: -1,
    });
    expect(resolved.throttleInterval).toBe(100);
    expect(resolved.protocolVersion).toBe(4);
    expect(resolved.noDelay).toBe(true);
    expect(resolved.tls).toEqual({});
  });

  it('accepts the smallest reconnect interval, 1 ms, and 0 where 0 means "off"', () => {
    const resolved = resolveOptions({ reconnectInterval: 1, throttleInterval: 0, keepalive: 0 });
    expect(resolved.reconnect.initialDelay).toBe(1);
    expect(resolved.throttleInterval).toBe(0);
    expect(resolved.keepalive).toBe(0);
  });

  const invalid: [string, MqttConnectorOptions | unknown, RegExp][] = [
    ['null options', null, /options must be an object/],
    ['unknown option', { mqttBrokr: 'x' }, /Unknown option\(s\): mqttBrokr/],
    [
      'negative interval',
      { reconnectInterval: -1 },
      /reconnectInterval must be a finite number of milliseconds/,
    ],
    [
      'zero reconnect interval (a tight retry loop)',
      { reconnectInterval: 0 },
      /reconnectInterval must be a finite number of milliseconds >= 1 \(0 would retry at once, in a tight loop\), got 0/,
    ],
    ['sub-millisecond reconnect interval', { reconnectInterval: 0.5 }, /reconnectInterval .* >= 1/],
    ['NaN throttle', { throttleInterval: NaN }, /throttleInterval/],
    ['cap below initial', { reconnectInterval: 10, maxReconnectInterval: 5 }, /must not be below/],
    ['bad attempts', { maxReconnectAttempts: -2 }, /maxReconnectAttempts must be an integer >= 0, or -1/],
    ['fractional attempts', { maxReconnectAttempts: 1.5 }, /maxReconnectAttempts/],
    ['bad port', { mqttPort: 70000 }, /mqttPort must be an integer from 1 to 65535/],
    ['bad protocol version', { protocolVersion: 3 }, /protocolVersion must be 4 \(MQTT 3.1.1\) or 5/],
    ['bad jitter', { reconnectJitter: 'some' }, /reconnectJitter must be 'none', 'equal' or 'full'/],
    ['bad log level', { logLevel: 'trace' }, /logLevel must be/],
    ['bad scheme', { mqttBroker: 'http://x' }, /protocol "http" is not supported/],
    ['empty broker list', { mqttBroker: [] }, /non-empty list/],
    ['empty client id with persistent session', { clientId: '', clean: false }, /clientId/],
    ['will with wildcard', { will: { topic: 'a/+', payload: 'x' } }, /will.topic/],
    ['owned mqtt.js option', { mqtt: { reconnectPeriod: 1000 } }, /mqtt.reconnectPeriod cannot be set/],
    ['password of wrong type', { password: 42 }, /password must be a string, bytes, or a function/],
  ];
  it.each(invalid)('refuses %s with a clear InvalidOptionsError', (_name, options, message) => {
    let error: unknown;
    try {
      resolveOptions(options as MqttConnectorOptions);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect(error).toBeInstanceOf(MqttConnectorError);
    expect((error as InvalidOptionsError).code).toBe('INVALID_OPTIONS');
    expect((error as Error).message).toMatch(message);
  });
});

describe('parseBrokers', () => {
  it('combines a host name with mqttPort', () => {
    expect(parseBrokers('broker.local', 1884)[0]).toMatchObject({
      url: 'mqtt://broker.local:1884',
      port: 1884,
    });
  });

  it('keeps a URL port over mqttPort and uses protocol default ports', () => {
    const [a, b, c, d] = parseBrokers(
      ['mqtt://h:1000', 'mqtts://h', 'ws://h/mqtt', 'wss://h:9443/ws?x=1'],
      undefined,
    );
    expect([a?.url, b?.url, c?.url, d?.url]).toEqual([
      'mqtt://h:1000',
      'mqtts://h:8883',
      'ws://h:80/mqtt',
      'wss://h:9443/ws?x=1',
    ]);
    expect(c?.path).toBe('/mqtt');
    expect(a?.path).toBeUndefined();
  });

  it('takes credentials out of the URL', () => {
    const [endpoint] = parseBrokers('mqtt://alice:s%40cret@h:1883', undefined);
    expect(endpoint).toMatchObject({ url: 'mqtt://h:1883', username: 'alice', password: 's@cret' });
  });

  it('handles IPv6 literals', () => {
    expect(parseBrokers('mqtt://[::1]:1883', undefined)[0]).toMatchObject({
      host: '::1',
      url: 'mqtt://[::1]:1883',
    });
  });

  it('redacts credentials in any URL-looking text', () => {
    expect(redactUrl('failed to reach mqtt://u:p@h:1 and wss://tok@x/y')).toBe(
      'failed to reach mqtt://h:1 and wss://x/y',
    );
  });
});
