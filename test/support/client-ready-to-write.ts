/**
 * The MQTT.js client fields that src/connector/direct-qos0.ts reads, set as MQTT.js 5.16 has them when it
 * writes a QoS 0 PUBLISH at once: connected, not disconnecting, none of its stored messages being re-sent.
 */
import type { Writable } from 'node:stream';

/** Those fields over `stream`, with `overrides` (another state, another protocol version). */
export function clientReadyToWrite(
  stream: Writable | undefined,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    connected: true,
    disconnecting: false,
    _storeProcessing: false,
    _storeProcessingQueue: [],
    stream,
    options: { protocolVersion: 4 },
    ...overrides,
  };
}
