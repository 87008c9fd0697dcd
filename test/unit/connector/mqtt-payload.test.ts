/**
 * What MQTT.js gets as a payload. Its stored copy of a QoS 1/2 PUBLISH (rfdc) copies a Buffer of its own
 * build byte for byte but any other Uint8Array's whole underlying ArrayBuffer: in Node QoS 1/2 bytes go over
 * as a Buffer without a copy; elsewhere (browsers, whose MQTT.js bundles its own Buffer) a QoS 1/2 view into
 * a larger buffer is trimmed to its own bytes. QoS 0 bytes are copied everywhere: MQTT.js may still hold them
 * in a corked socket after the publish settled and the caller reused its buffer.
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

  it('makes a QoS 1/2 Uint8Array view a Buffer over the same bytes', () => {
    for (const qos of [1, 2] as const) {
      const handed = forMqttJs(view, qos);
      expect(Buffer.isBuffer(handed)).toBe(true);
      expect([handed.buffer, handed.byteOffset, handed.byteLength]).toEqual([backing, 1000, 5]);
    }
  });

  it('hands a QoS 1/2 Buffer over as it is', () => {
    const buffer = Buffer.from([7, 8]);
    expect(forMqttJs(buffer, 1)).toBe(buffer);
  });

  it('copies QoS 0 bytes into a Buffer of their own, a view and a Buffer alike', () => {
    for (const payload of [view, Buffer.from([1, 2, 3, 4, 5])]) {
      const handed = forMqttJs(payload, 0);
      expect(Buffer.isBuffer(handed)).toBe(true);
      expect([...handed]).toEqual([1, 2, 3, 4, 5]);
      payload[0] = 9; // the caller reuses its buffer: the copy keeps the published bytes
      expect(handed[0]).toBe(1);
      payload[0] = 1;
    }
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

  it('hands QoS 1/2 bytes that fill their buffer over as they are', () => {
    const whole = new Uint8Array([1, 2, 3]);
    expect(forMqttJs(whole, 1)).toBe(whole);
  });

  it('copies QoS 0 bytes, so the caller may reuse its buffer once the publish settled', () => {
    const handed = forMqttJs(view, 0);
    expect(handed).not.toBe(view);
    expect([handed.byteLength, handed.buffer.byteLength]).toEqual([5, 5]);
    view[0] = 9;
    expect(handed[0]).toBe(1);
    view[0] = 1;
  });
});
