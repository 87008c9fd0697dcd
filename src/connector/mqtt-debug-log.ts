/**
 * MQTT.js's own log (its `debug` lines): skipped for good when nobody enabled it, and never given a
 * password when someone did.
 *
 * MQTT.js logs through the `debug` package on every packet: about 10 calls per QoS 0 publish it sends,
 * 21 per QoS 1 publish, and 6 / 13 per message it receives. With the `mqttjs:client` namespace off,
 * each call still builds its argument array and reads the namespace's `enabled` getter: ~40 ns on a
 * 2.1 GHz Xeon, so ~0.4 µs per QoS 0 publish, and 8% of a profile of QoS 0 end to end through the
 * connector (the largest single cost after garbage collection). The check is made once, when the
 * client is created, so output enabled by then (`DEBUG=mqttjs*` in the environment, or `debug.enable()`
 * before `new MqttConnector`) still appears in full.
 *
 * When the log is on, MQTT.js writes each packet it sends, the CONNECT packet with its password
 * included; those lines get every secret-named field redacted, by the same rule as the connector's own
 * log entries.
 *
 * @internal
 */
import type { MqttClient } from 'mqtt';
import { isSecretKey, REDACTED } from './logger.js';

/** MQTT.js's default `log` is a `debug` instance, whose `enabled` says whether its namespace is on. */
interface DebugInstance {
  readonly enabled?: unknown;
}

function skipLine(): void {
  // The namespace was off when the client was created: nothing to write.
}

/**
 * Sets up `client.log`: a no-op when it is the `debug` package's logger with its namespace off;
 * otherwise (the namespace on, or a `log` the caller gave MQTT.js through the `mqtt` escape hatch) the
 * same log, with secrets taken out of the packets it is given.
 *
 * @returns true when MQTT.js's lines are written somewhere. The connector then leaves every packet to
 *   MQTT.js, so that the log shows each one: the QoS 0 publishes it would otherwise write to the socket
 *   itself (direct-qos0.ts) never pass through MQTT.js's log.
 */
export function configureMqttLog(client: MqttClient): boolean {
  const log: unknown = client.log;
  if (typeof log !== 'function') return false;
  // `enabled` is undefined rather than false when no namespace was ever enabled.
  if ('enabled' in log && !(log as DebugInstance).enabled) {
    client.log = skipLine;
    return false;
  }
  // Called as MQTT.js calls it, with the client as `this`.
  client.log = (...args: unknown[]) => Reflect.apply(log, client, args.map(withoutSecrets));
  return true;
}

/**
 * A packet (an object with a `cmd`) with every field that names a secret redacted, at its top level and in
 * its `properties`, by the rule the connector's own log entries follow ({@link isSecretKey}): the CONNECT
 * password, MQTT 5 authentication data. A copy when something was redacted; anything else as it is.
 */
export function withoutSecrets(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !('cmd' in value)) return value;
  const packet = redactFields(value as Record<string, unknown>);
  const properties = packet.properties;
  if (typeof properties !== 'object' || properties === null) return packet;
  const safe = redactFields(properties as Record<string, unknown>);
  return safe === properties ? packet : { ...packet, properties: safe };
}

/** `record` with its secret-named fields that hold a value redacted: a copy, or `record` when none do. */
function redactFields(record: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(record)) {
    if (record[key] === undefined || !isSecretKey(key)) continue;
    copy ??= { ...record };
    copy[key] = REDACTED;
  }
  return copy ?? record;
}
