/**
 * What MQTT.js gets as a payload. Its stored copy of a QoS 1/2 PUBLISH (rfdc) copies a Buffer of its own
 * build byte for byte but any other Uint8Array's whole underlying ArrayBuffer: in Node the bytes go over as
 * a Buffer without a copy; elsewhere (browsers, whose MQTT.js bundles its own Buffer) a QoS 1/2 view into a
 * larger buffer is trimmed to its own bytes.
 */
import { mqttJsBuffer, payloadConverter } from '../../../src/connector/mqtt-payload';

const backing = new ArrayBuffer(64 * 1024);
const view = new Uint8Array(backing, 1000, 5);
view.set([1, 2, 3, 4, 5]);

describe('the Buffer class MQTT.js uses', () => {
  it("is Node's in Node", () => {
    expect(mqttJsBuffer()).toBe(Buffer);
  });

  it('is none outside Node, even with a Buffer polyfill on globalThis', () => {
    const global = globalThis as { process: unknown };
    const nodeProcess = global.process;
    // A browser bundle's `process` shim: no Node version (Buffer stays on globalThis, as a polyfill would).
    global.process = { versions: {} };
    try {
      expect(mqttJsBuffer()).toBeUndefined();
    } finally {
      global.process = nodeProcess;
    }
  });
});

describe('payloads for MQTT.js, in Node', () => {
  const forMqttJs = payloadConverter(Buffer);

  it('makes a Uint8Array view a Buffer over the same bytes, at every QoS', () => {
    for (const qos of [0, 1, 2] as const) {
      const handed = forMqttJs(view, qos);
      expect(Buffer.isBuffer(handed)).toBe(true);
      expect([handed.buffer, handed.byteOffset, handed.byteLength]).toEqual([backing, 1000, 5]);
    }
  });

  it('hands a Buffer over as it is', () => {
    const buffer = Buffer.from([7, 8]);
    expect(forMqttJs(buffer, 1)).toBe(buffer);
  });
});

describe('payloads for MQTT.js, without Buffer (a browser)', () => {
  const forMqttJs = payloadConverter(undefined);

  it('trims a QoS 1/2 view into a larger buffer to a copy of its own bytes', () => {
    for (const qos of [1, 2] as const) {
      const handed = forMqttJs(view, qos);
      expect(Buffer.isBuffer(handed)).toBe(false);
      expect(handed.buffer.byteLength).toBe(5);
      expect([...handed]).toEqual([1, 2, 3, 4, 5]);
    }
  });

  it('hands over as they are: a QoS 0 view (MQTT.js stores no copy), and bytes that fill their buffer', () => {
    expect(forMqttJs(view, 0)).toBe(view);
    const whole = new Uint8Array([1, 2, 3]);
    expect(forMqttJs(whole, 1)).toBe(whole);
  });
});
