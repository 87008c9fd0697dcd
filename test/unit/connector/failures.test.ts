import { classifyFailure, connectionLost, isFatalFailure } from '../../../src/connector/failures';
import {
  ClosedError,
  ConnectionFailedError,
  ConnectionLostError,
  ConnectionRefusedError,
} from '../../../src/connector/errors';

/** What MQTT.js emits for a refusing CONNACK: an Error whose `code` is the return / reason code. */
const connackRefusal = (code: number, text = 'Connection refused') =>
  Object.assign(new Error(`${text}: code ${code}`), { code });
/** What Node's socket layer emits: an Error whose `code` is a string. */
const socketError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:1883`), { code });

describe('classifyFailure / isFatalFailure: which refusals end the retries', () => {
  const fatal: [string, number][] = [
    ['3.1.1: 1 unacceptable protocol version', 1],
    ['3.1.1: 2 identifier rejected', 2],
    ['3.1.1: 4 bad user name or password', 4],
    ['3.1.1: 5 not authorized', 5],
    ['5: 0x81 malformed packet', 0x81],
    ['5: 0x82 protocol error', 0x82],
    ['5: 0x84 unsupported protocol version', 0x84],
    ['5: 0x85 client identifier not valid', 0x85],
    ['5: 0x86 bad user name or password', 0x86],
    ['5: 0x87 not authorized', 0x87],
    ['5: 0x8A banned', 0x8a],
    ['5: 0x8C bad authentication method', 0x8c],
    ['5: 0x90 topic name invalid (will)', 0x90],
    ['5: 0x95 packet too large', 0x95],
    ['5: 0x99 payload format invalid (will)', 0x99],
    ['5: 0x9A retain not supported (will)', 0x9a],
    ['5: 0x9B QoS not supported (will)', 0x9b],
  ];
  it.each(fatal)('%s: CONNECTION_REFUSED, fatal', (_name, code) => {
    const error = classifyFailure(connackRefusal(code), false);
    expect(error).toBeInstanceOf(ConnectionRefusedError);
    expect(error).toMatchObject({ code: 'CONNECTION_REFUSED', reasonCode: code, fatal: true });
    expect(error.message).toMatch(/not retrying: check the credentials, client id and protocol version/);
    expect(isFatalFailure(error)).toBe(true);
  });

  const retried: [string, number][] = [
    ['3.1.1: 3 server unavailable', 3],
    ['5: 0x80 unspecified error', 0x80],
    ['5: 0x83 implementation specific error', 0x83],
    ['5: 0x88 server unavailable', 0x88],
    ['5: 0x89 server busy', 0x89],
    ['5: 0x97 quota exceeded', 0x97],
    ['5: 0x9C use another server', 0x9c],
    ['5: 0x9D server moved', 0x9d],
    ['5: 0x9F connection rate exceeded', 0x9f],
  ];
  it.each(retried)('%s: CONNECTION_REFUSED, retried', (_name, code) => {
    const error = classifyFailure(connackRefusal(code), false);
    expect(error).toMatchObject({ code: 'CONNECTION_REFUSED', reasonCode: code, fatal: false });
    expect(error.message).toMatch(/will retry$/);
    expect(isFatalFailure(error)).toBe(false);
  });

  it('names MQTT 5 codes in hex too', () => {
    expect(classifyFailure(connackRefusal(0x86), false).message).toMatch(/code 134, 0x86/);
    expect(classifyFailure(connackRefusal(4), false).message).toMatch(/code 4\)/);
  });

  it('retries network errors before CONNACK, naming the socket code', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE']) {
      const error = classifyFailure(socketError(code), false);
      expect(error).toBeInstanceOf(ConnectionFailedError);
      expect(error.message).toContain(`(${code})`);
      expect(isFatalFailure(error)).toBe(false);
    }
  });

  it('retries timeouts and errors without a code', () => {
    for (const message of ['connack timeout', 'Keepalive timeout']) {
      const before = classifyFailure(new Error(message), false);
      expect(before).toBeInstanceOf(ConnectionFailedError);
      expect(before.message).toBe(`Connection attempt failed: ${message}`);
      expect(isFatalFailure(before)).toBe(false);
    }
    expect(isFatalFailure(classifyFailure('a string thrown by a provider', false))).toBe(false);
  });

  it('treats a numeric code after CONNACK as a lost connection, not a refusal', () => {
    const error = classifyFailure(connackRefusal(0x87, 'Disconnected'), true);
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect(isFatalFailure(error)).toBe(false);
  });

  it('passes the connector’s own errors through unchanged', () => {
    const own = new ConnectionRefusedError(5, 'refused', true);
    expect(classifyFailure(own, false)).toBe(own);
    const closed = new ClosedError('closed');
    expect(classifyFailure(closed, true)).toBe(closed);
    expect(isFatalFailure(closed)).toBe(false);
    expect(isFatalFailure(new Error('not ours'))).toBe(false);
  });

  it('keeps the MQTT.js error as the cause', () => {
    const original = connackRefusal(4);
    expect((classifyFailure(original, false) as Error & { cause?: unknown }).cause).toBe(original);
  });
});

describe('connectionLost: the error for a closed socket', () => {
  it('before CONNACK: the attempt failed (retried)', () => {
    const error = connectionLost(undefined, undefined, false);
    expect(error).toBeInstanceOf(ConnectionFailedError);
    expect(isFatalFailure(error)).toBe(false);
  });

  it('after CONNACK: the last error seen, else the broker’s DISCONNECT reason, else a plain close', () => {
    const last = new ConnectionLostError('Connection lost: read ECONNRESET');
    expect(connectionLost(last, undefined, true)).toBe(last);
    expect(connectionLost(undefined, { cmd: 'disconnect', reasonCode: 0x8e }, true).message).toBe(
      'The broker disconnected us (reason code 0x8e)',
    );
    expect(connectionLost(undefined, undefined, true)).toMatchObject({
      code: 'CONNECTION_LOST',
      message: 'The connection was closed',
    });
  });
});
