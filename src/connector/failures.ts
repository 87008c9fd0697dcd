/**
 * Turns what MQTT.js reports (errors with numeric reason codes, socket errors with string codes,
 * timeouts without a code) into the connector's typed errors, and decides which refusals are final.
 *
 * @internal
 */
import type { IDisconnectPacket } from 'mqtt';
import {
  ClosedError,
  ConnectionFailedError,
  ConnectionLostError,
  ConnectionRefusedError,
  MqttConnectorError,
  PublishFailedError,
} from './errors.js';

/**
 * CONNACK codes after which another attempt cannot succeed without a change on our side (credentials,
 * client id, protocol version, a ban, a bad will): retrying would only hammer the broker.
 * MQTT 3.1.1: 1 protocol version, 2 identifier rejected, 4 bad user name or password, 5 not authorized.
 * MQTT 5: 0x81 malformed, 0x82 protocol error, 0x84 unsupported version, 0x85 client id not valid,
 * 0x86 bad user name or password, 0x87 not authorized, 0x8A banned, 0x8C bad authentication method,
 * 0x90 topic name invalid, 0x95 packet too large, 0x99 payload format invalid, 0x9A retain not supported,
 * 0x9B QoS not supported. Everything else (3 / 0x88 server unavailable, 0x89 busy, 0x97 quota, 0x9F rate
 * exceeded, ...) is retried.
 */
const FATAL_CONNACK_CODES = new Set([
  1, 2, 4, 5, 0x81, 0x82, 0x84, 0x85, 0x86, 0x87, 0x8a, 0x8c, 0x90, 0x95, 0x99, 0x9a, 0x9b,
]);

/** True for a CONNACK refusal that must end the retries. */
export function isFatalFailure(error: unknown): boolean {
  return error instanceof ConnectionRefusedError && error.fatal;
}

/** Classifies an error reported by MQTT.js (or a credentials provider) during or after a connection attempt. */
export function classifyFailure(error: unknown, connected: boolean): MqttConnectorError {
  if (error instanceof MqttConnectorError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'number' && !connected) {
    // A numeric code before CONNACK is the broker's refusal in the CONNACK itself.
    return new ConnectionRefusedError(code, refusalMessage(code, message), FATAL_CONNACK_CODES.has(code), {
      cause: error,
    });
  }
  const detail = typeof code === 'string' ? `${message} (${code})` : message;
  return connected
    ? new ConnectionLostError(`Connection lost: ${detail}`, { cause: error })
    : new ConnectionFailedError(`Connection attempt failed: ${detail}`, { cause: error });
}

/** The error for a closed socket, from what was seen before the close. */
export function connectionLost(
  lastError: MqttConnectorError | undefined,
  brokerDisconnect: IDisconnectPacket | undefined,
  wasConnected: boolean,
): MqttConnectorError {
  if (!wasConnected) return new ConnectionFailedError('The connection closed before the broker accepted it');
  if (lastError) return lastError;
  if (brokerDisconnect) {
    const reason = brokerDisconnect.reasonCode ?? 0;
    return new ConnectionLostError(`The broker disconnected us (reason code 0x${reason.toString(16)})`);
  }
  return new ConnectionLostError('The connection was closed');
}

/** The error for a publish that MQTT.js failed. */
export function toPublishError(error: Error): MqttConnectorError {
  if (error instanceof MqttConnectorError) return error;
  if (error.message === 'Connection closed' || error.message === 'client disconnecting') {
    return new ClosedError('The connector was closed before the broker acknowledged the message', {
      cause: error,
    });
  }
  if (error.message === 'Message removed') {
    return new PublishFailedError(
      'The broker closed the connection each time this message was sent (e.g. a QoS or a size it does not ' +
        'accept); the message was given up so that the connection can recover',
      undefined,
      { cause: error },
    );
  }
  const code = (error as { code?: unknown }).code;
  return new PublishFailedError(
    `The broker refused the message: ${error.message}`,
    typeof code === 'number' ? code : undefined,
    { cause: error },
  );
}

function refusalMessage(code: number, mqttMessage: string): string {
  const hint = FATAL_CONNACK_CODES.has(code)
    ? 'not retrying: check the credentials, client id and protocol version'
    : 'will retry';
  return `The broker refused the connection (code ${code}${describeCode(code)}): ${mqttMessage}; ${hint}`;
}

function describeCode(code: number): string {
  return code >= 0x80 ? `, 0x${code.toString(16)}` : '';
}
