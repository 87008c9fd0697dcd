/**
 * Payload bytes as MQTT.js takes them best, without copying them. MQTT.js keeps a copy of each QoS 1/2
 * PUBLISH until its ack (rfdc): it copies a `Buffer` of its own build byte for byte, but any other
 * Uint8Array with its whole underlying ArrayBuffer, so a message received in a 64 KiB socket read and
 * published again (a bridge, an echo) would copy the whole read, and even a small one is copied more slowly
 * than a Buffer (bench/ANALYSIS.md: 5.7 against 2.2 µs per round trip).
 *
 * @internal
 */
import { ownBytes } from '../streams/own-bytes.js';
import type { QoS } from './types.js';

/** Turns a payload into what MQTT.js's `publish` gets (see {@link payloadConverter}). */
export type PayloadForMqttJs = (payload: Uint8Array, qos: QoS) => Uint8Array;

/**
 * The `Buffer` class MQTT.js's code uses: Node's, in Node; `undefined` elsewhere. A browser app may put a
 * Buffer polyfill on `globalThis`, but MQTT.js's browser build bundles its own, which does not recognise it.
 */
export function mqttJsBuffer(): typeof Buffer | undefined {
  const runtime = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  if (typeof runtime?.versions?.node !== 'string') return undefined;
  return (globalThis as { Buffer?: typeof Buffer }).Buffer;
}

/**
 * With MQTT.js's `Buffer` class: the bytes as a Buffer over the same memory (a Buffer as it is), which
 * MQTT.js copies byte for byte and Node's socket writes without converting. Without one: a QoS 1/2 view
 * into a larger buffer is trimmed to a copy of its own bytes (QoS 0 is not copied by MQTT.js).
 */
export function payloadConverter(buffer: typeof Buffer | undefined): PayloadForMqttJs {
  if (buffer !== undefined) {
    return (payload) =>
      payload instanceof buffer
        ? payload
        : buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  }
  return (payload, qos) => (qos === 0 ? payload : ownBytes(payload));
}

/** The converter of this runtime. */
export const forMqttJs: PayloadForMqttJs = payloadConverter(mqttJsBuffer());
