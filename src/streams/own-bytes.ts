/**
 * Copies of the bytes a kept message still shares with the socket read it arrived in.
 *
 * An incoming payload is a view into that read (up to 64 KiB, shared with the messages around it), which is
 * free while the message is handled and dropped. A message kept for long (the retained cache) would keep the
 * whole read alive for as long as it is kept, however small its payload, without the byte budget seeing it:
 * a thousand rarely updated retained topics, each last written in a different read, could pin 62.5 MiB.
 *
 * @internal
 */
import type { IncomingPublish } from './port.js';

/** `bytes` itself when it spans its whole buffer, else a copy of just its bytes. */
export function ownBytes(bytes: Uint8Array): Uint8Array {
  return bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}

/**
 * `message` with a payload (and MQTT 5 correlation data) of its own, see the module documentation; the
 * message itself when its bytes are their own already.
 */
export function withOwnBytes(message: IncomingPublish): IncomingPublish {
  const payload = ownBytes(message.payload);
  const correlationData = message.properties?.correlationData;
  const ownCorrelation = correlationData === undefined ? undefined : ownBytes(correlationData);
  if (payload === message.payload && ownCorrelation === correlationData) return message;
  return ownCorrelation === correlationData
    ? { ...message, payload }
    : { ...message, payload, properties: { ...message.properties, correlationData: ownCorrelation } };
}
