/**
 * MQTT.js's incoming PUBLISH packets → the connector's IncomingPublish: views over the packet's bytes,
 * never copies; MQTT 5 properties handed on, correlation data as a plain Uint8Array.
 */
import type { IPublishPacket } from 'mqtt';
import { toIncomingPublish } from '../../../src/connector/packets.js';

function packet(fields: Partial<IPublishPacket>): IPublishPacket {
  return {
    cmd: 'publish',
    topic: 'a/b',
    payload: Buffer.from('hello'),
    qos: 1,
    retain: false,
    dup: false,
    messageId: 7,
    ...fields,
  };
}

describe('toIncomingPublish', () => {
  it('takes the topic MQTT.js resolved, not the packet’s (an MQTT 5 Topic Alias leaves that empty)', () => {
    expect(toIncomingPublish('sensors/1', packet({ topic: '' })).topic).toBe('sensors/1');
  });

  it('views the payload bytes as a plain Uint8Array over the same memory', () => {
    const read = Buffer.from('xxhelloxx');
    const payload = read.subarray(2, 7);
    const incoming = toIncomingPublish('a/b', packet({ payload, qos: 2, retain: true, dup: true }));
    expect(incoming.payload).not.toBeInstanceOf(Buffer);
    expect(incoming.payload.buffer).toBe(read.buffer);
    expect([incoming.payload.byteOffset, incoming.payload.byteLength]).toEqual([payload.byteOffset, 5]);
    expect([incoming.qos, incoming.retain, incoming.dup]).toEqual([2, true, true]);
  });

  it('gives every message the same fields: properties is undefined on MQTT 3.1.1', () => {
    const incoming = toIncomingPublish('a/b', packet({}));
    expect(Object.keys(incoming)).toEqual(['topic', 'payload', 'qos', 'retain', 'dup', 'properties']);
    expect(incoming.properties).toBeUndefined();
  });

  it('hands MQTT 5 properties on as they are when there is no correlation data', () => {
    const properties = {
      subscriptionIdentifier: 4,
      userProperties: { unit: 'C' },
      contentType: 'text/plain',
    };
    const incoming = toIncomingPublish('a/b', packet({ properties }));
    expect(incoming.properties).toEqual(properties);
  });

  it('turns correlation data into a plain Uint8Array over the same memory, keeping the other properties', () => {
    const read = Buffer.from([9, 1, 2, 3, 9]);
    const correlationData = read.subarray(1, 4);
    const properties = { correlationData, responseTopic: 'replies/1', subscriptionIdentifier: [1, 2] };
    const incoming = toIncomingPublish('a/b', packet({ properties }));
    const converted = incoming.properties?.correlationData;
    expect(converted).not.toBeInstanceOf(Buffer);
    expect(converted?.buffer).toBe(read.buffer);
    expect(Array.from(converted ?? [])).toEqual([1, 2, 3]);
    expect(incoming.properties).toMatchObject({ responseTopic: 'replies/1', subscriptionIdentifier: [1, 2] });
    expect(properties.correlationData).toBe(correlationData); // the packet's own object is left as it was
  });

  it('encodes a string payload as UTF-8', () => {
    expect(Array.from(toIncomingPublish('a/b', packet({ payload: 'é' })).payload)).toEqual([0xc3, 0xa9]);
  });
});
