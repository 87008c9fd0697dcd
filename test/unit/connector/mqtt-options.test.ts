import type { IClientOptions } from 'mqtt';
import { buildMqttOptions } from '../../../src/connector/mqtt-options';
import { type ResolvedOptions, resolveOptions } from '../../../src/connector/options';
import { InvalidOptionsError } from '../../../src/connector/errors';
import type { MqttConnectorOptions } from '../../../src/connector/types';

const build = (options: MqttConnectorOptions = {}) =>
  buildMqttOptions(resolveOptions(options, [], () => 'cafe0001'));

describe('buildMqttOptions: the MQTT.js client options the connector builds', () => {
  it('gives reconnection, resubscription and QoS 0 queueing to the connector', () => {
    expect(build()).toMatchObject({
      manualConnect: true,
      reconnectPeriod: 0,
      resubscribe: false,
      queueQoSZero: false,
      reconnectOnConnackError: false,
    });
  });

  it("turns MQTT.js's writeCache off, unless the escape hatch turns it on", () => {
    expect(build().writeCache).toBe(false);
    expect(build({ mqtt: { writeCache: true } }).writeCache).toBe(true);
  });

  it('verifies TLS certificates by default, and not when told so', () => {
    expect(build({ mqttBroker: 'mqtts://h' }).rejectUnauthorized).toBe(true);
    expect(build({ mqttBroker: 'mqtts://h', tls: {} }).rejectUnauthorized).toBe(true);
    expect(build({ mqttBroker: 'mqtts://h', tls: { rejectUnauthorized: false } }).rejectUnauthorized).toBe(
      false,
    );
  });

  it('passes the TLS material through, and only what is given', () => {
    const tls = {
      ca: 'CA',
      cert: 'CERT',
      key: 'KEY',
      passphrase: 'pp',
      servername: 'sni',
      ALPNProtocols: ['mqtt'],
    };
    expect(build({ mqttBroker: 'mqtts://h', tls })).toMatchObject(tls);
    const plain = build({ mqttBroker: 'mqtts://h' });
    for (const key of Object.keys(tls)) expect(plain).not.toHaveProperty(key);
  });

  it('uses the defaults: MQTT 3.1.1, clean session, keepalive 60 s, connectTimeout 10 s, no will', () => {
    const options = build();
    expect(options).toMatchObject({
      clientId: 'mqtt_connector_cafe0001',
      protocolVersion: 4,
      clean: true,
      keepalive: 60,
      connectTimeout: 10_000,
      protocol: 'mqtt',
      host: 'localhost',
      port: 1883,
    });
    expect(options.will).toBeUndefined();
    expect(options.properties).toBeUndefined();
  });

  it('passes keepalive, connectTimeout, clean, protocolVersion and the session expiry through', () => {
    const options = build({
      protocolVersion: 5,
      clean: false,
      clientId: 'kept',
      keepalive: 15,
      connectTimeout: 2500,
      sessionExpiryInterval: 3600,
    });
    expect(options).toMatchObject({
      protocolVersion: 5,
      clean: false,
      clientId: 'kept',
      keepalive: 15,
      connectTimeout: 2500,
      properties: { sessionExpiryInterval: 3600 },
    });
  });

  it('encodes the will like a publish, with its options and (MQTT 5) properties', () => {
    const will = { topic: 'status/me', payload: { online: false }, qos: 1 as const, retain: true };
    const v4 = build({ will: { ...will, properties: { willDelayInterval: 5 } } }).will;
    expect(v4).toMatchObject({ topic: 'status/me', qos: 1, retain: true });
    expect(new TextDecoder().decode(v4?.payload as unknown as Uint8Array)).toBe('{"online":false}');
    expect(v4).not.toHaveProperty('properties'); // MQTT 3.1.1 has no will properties
    const v5 = build({ protocolVersion: 5, will: { ...will, properties: { willDelayInterval: 5 } } }).will;
    expect(v5?.properties).toEqual({ willDelayInterval: 5 });
    expect(build({ will: { topic: 'w', payload: 'bye' } }).will).toMatchObject({ qos: 0, retain: false });
  });

  it('passes other MQTT.js options through the mqtt escape hatch, merging MQTT 5 properties', () => {
    const options = build({
      protocolVersion: 5,
      sessionExpiryInterval: 60,
      mqtt: { properties: { receiveMaximum: 10 }, reschedulePings: false },
    });
    expect(options.reschedulePings).toBe(false);
    expect(options.properties).toEqual({ receiveMaximum: 10, sessionExpiryInterval: 60 });
  });

  describe('the escape hatch cannot override what the connector depends on', () => {
    const owned: Partial<IClientOptions> = {
      reconnectPeriod: 1000,
      manualConnect: false,
      resubscribe: true,
      queueQoSZero: true,
      reconnectOnConnackError: true,
      clientId: 'other',
      protocolVersion: 3,
      clean: false,
      keepalive: 1,
      connectTimeout: 1,
      will: { topic: 'w', payload: 'x', qos: 0, retain: false },
      username: 'u',
      password: 'p',
      host: 'elsewhere',
      port: 1,
      rejectUnauthorized: false,
    };

    it.each(Object.entries(owned))('refuses mqtt.%s at construction', (key, value) => {
      expect(() => resolveOptions({ mqtt: { [key]: value } })).toThrow(InvalidOptionsError);
      expect(() => resolveOptions({ mqtt: { [key]: value } })).toThrow(`mqtt.${key} cannot be set`);
    });

    it('points mqtt.rejectUnauthorized to tls.rejectUnauthorized', () => {
      expect(() => resolveOptions({ mqtt: { rejectUnauthorized: false } })).toThrow(
        /use the connector's own options instead: tls.rejectUnauthorized/,
      );
    });

    it('and its own values win even if an owned key got past validation', () => {
      const resolved: ResolvedOptions = { ...resolveOptions({}, [], () => 'cafe0001'), mqtt: owned };
      expect(buildMqttOptions(resolved)).toMatchObject({
        reconnectPeriod: 0,
        manualConnect: true,
        resubscribe: false,
        queueQoSZero: false,
        reconnectOnConnackError: false,
        clientId: 'mqtt_connector_cafe0001',
        protocolVersion: 4,
        clean: true,
        keepalive: 60,
        connectTimeout: 10_000,
        host: 'localhost',
        port: 1883,
        rejectUnauthorized: true,
      });
    });
  });
});
