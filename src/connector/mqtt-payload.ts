/**
 * Payload bytes as MQTT.js takes them best. MQTT.js keeps a copy of each QoS 1/2 PUBLISH until its ack
 * (rfdc): it copies a `Buffer` of its own build byte for byte, but any other Uint8Array with its whole
 * underlying ArrayBuffer, so a message received in a 64 KiB socket read and published again (a bridge, an
 * echo) would copy the whole read, and even a small one is copied more slowly than a Buffer
 * (bench/ANALYSIS.md: 5.7 against 2.2 µs per round trip). So QoS 1/2 bytes go over without a copy.
 *
 * QoS 0 bytes are copied: MQTT.js writes the payload itself into the socket, which it corks until the next
 * tick, and reports the publish done as soon as the write is accepted. The caller, told that its publish
 * settled, may reuse its buffer (src/streams/encode.ts) before the corked write leaves, which would send
 * the new bytes. A QoS 1/2 publish settles only on the broker's ack, after its bytes have left.
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
 * QoS 0: a copy of the bytes (see the module's comment), a Buffer where MQTT.js has Node's. QoS 1/2, with
 * MQTT.js's `Buffer` class: the bytes as a Buffer over the same memory (a Buffer as it is), which MQTT.js
 * copies byte for byte and Node's socket writes without converting; without one, a view into a larger
 * buffer is trimmed to a copy of its own bytes.
 */
export function payloadConverter(buffer: typeof Buffer | undefined): PayloadForMqttJs {
  if (buffer !== undefined) {
    return (payload, qos) => {
      if (qos === 0) return buffer.from(payload); // copies, whatever kind of Uint8Array it is given
      return payload instanceof buffer
        ? payload
        : buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    };
  }
  return (payload, qos) => (qos === 0 ? new Uint8Array(payload) : ownBytes(payload));
}

/** The converter of this runtime. */
export const forMqttJs: PayloadForMqttJs = payloadConverter(mqttJsBuffer());
