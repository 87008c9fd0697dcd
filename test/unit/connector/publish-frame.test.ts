/**
 * encodeQos0Publish and encodePublish: the one-chunk PUBLISH the connector writes is byte for byte what
 * mqtt-packet (MQTT.js's encoder) writes for the same message, on MQTT 3.1, 3.1.1 and 5, across the
 * Remaining Length's one- to four-byte forms, and it refuses what no packet can hold.
 */
import { generate, parser, type IPublishPacket } from 'mqtt-packet';
import { encodePublish, encodeQos0Publish } from '../../../src/connector/publish-frame.js';
import { MAX_REMAINING_LENGTH } from '../../../src/streams/packet-size.js';

/** mqtt-packet's bytes for the same QoS 0 PUBLISH. */
function reference(
  topic: string,
  payload: Uint8Array,
  retain: boolean,
  protocolVersion: 3 | 4 | 5,
  properties?: IPublishPacket['properties'],
): Buffer {
  return generate(
    { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 0, retain, dup: false, properties },
    { protocolVersion },
  );
}

/** The header size before the payload: topic (2 + bytes), MQTT 5's empty property list. */
function headerLength(topic: string, protocolVersion: number): number {
  return 2 + Buffer.byteLength(topic) + (protocolVersion === 5 ? 1 : 0);
}

const versions = [3, 4, 5] as const;

describe('encodeQos0Publish', () => {
  it.each(versions)('writes the bytes mqtt-packet writes on protocol version %i', (protocolVersion) => {
    const cases: [string, Uint8Array, boolean][] = [
      ['a', new Uint8Array(0), false],
      ['sensors/1/temperature', new TextEncoder().encode('21.5'), true],
      ['ünïcødé/主题/🚀', new Uint8Array([0, 1, 2, 255]), false],
      ['x/y', new Uint8Array(1000).fill(7), true],
    ];
    for (const [topic, payload, retain] of cases) {
      const frame = encodeQos0Publish(Buffer, topic, payload, retain, protocolVersion);
      expect(frame).toEqual(reference(topic, payload, retain, protocolVersion));
    }
  });

  it.each(versions)(
    'encodes every Remaining Length form at its edges (1 to 4 bytes), version %i',
    (protocolVersion) => {
      const topic = 't/edge';
      const header = headerLength(topic, protocolVersion);
      for (const remaining of [127, 128, 16_383, 16_384, 2_097_151, 2_097_152]) {
        const payload = new Uint8Array(remaining - header).fill(remaining & 0xff);
        const frame = encodeQos0Publish(Buffer, topic, payload, false, protocolVersion) as Buffer;
        const expected = reference(topic, payload, false, protocolVersion);
        // Buffer.compare: jest's deep equality walks 2 MiB byte by byte for seconds.
        expect([frame.length, Buffer.compare(frame, expected)]).toEqual([expected.length, 0]);
      }
    },
  );

  it('parses back into the same message with mqtt-packet, MQTT 5 included', () => {
    const payload = new TextEncoder().encode('{"on":true}');
    const frame = encodeQos0Publish(Buffer, 'home/lamp', payload, true, 5) as Buffer;
    const packets: IPublishPacket[] = [];
    const reader = parser({ protocolVersion: 5 });
    reader.on('packet', (packet) => packets.push(packet as IPublishPacket));
    reader.parse(frame);
    expect(packets).toHaveLength(1);
    expect(packets[0]).toMatchObject({
      cmd: 'publish',
      topic: 'home/lamp',
      qos: 0,
      retain: true,
      dup: false,
    });
    expect(new Uint8Array(packets[0]?.payload as Buffer)).toEqual(payload);
  });

  it('writes the properties the connector sets from the payload as mqtt-packet does, in their key order', () => {
    const cases: IPublishPacket['properties'][] = [
      { payloadFormatIndicator: true },
      { payloadFormatIndicator: false },
      { contentType: 'application/json' },
      { payloadFormatIndicator: true, contentType: 'application/json' },
      { contentType: 'text/plain; charset=utf-8', payloadFormatIndicator: true },
      { contentType: 'application/ünïcødé+🚀' },
      { contentType: '' },
      { payloadFormatIndicator: undefined, contentType: 'application/cbor' },
      {},
    ];
    const payload = new TextEncoder().encode('{"a":1}');
    for (const properties of cases) {
      const frame = encodeQos0Publish(Buffer, 'props/t', payload, false, 5, properties);
      expect(frame).toEqual(reference('props/t', payload, false, 5, properties));
    }
    // A Property Length of two bytes (a content type of 200 bytes).
    const long = { contentType: 'x'.repeat(200) };
    expect(encodeQos0Publish(Buffer, 'p', payload, true, 5, long)).toEqual(
      reference('p', payload, true, 5, long),
    );
  });

  it('leaves any other property, and properties before MQTT 5, to MQTT.js', () => {
    const payload = new Uint8Array([1]);
    const others: object[] = [
      { userProperties: { a: 'b' } },
      { messageExpiryInterval: 60 },
      { correlationData: new Uint8Array([1]) },
      { responseTopic: 'r' },
      { topicAlias: 1 },
      { payloadFormatIndicator: 1 }, // not a boolean: mqtt-packet would refuse it
      { contentType: 'x'.repeat(65_536) },
    ];
    for (const properties of others) {
      expect(encodeQos0Publish(Buffer, 't', payload, false, 5, properties)).toBeUndefined();
    }
    expect(encodeQos0Publish(Buffer, 't', payload, false, 4, { contentType: 'a' })).toBeUndefined();
    expect(encodeQos0Publish(Buffer, 't', payload, false, 4, {})).toEqual(reference('t', payload, false, 4));
  });

  it('copies the payload out of a view into a larger buffer, and only its own bytes', () => {
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9, 9]);
    const view = backing.subarray(2, 5);
    const frame = encodeQos0Publish(Buffer, 't', view, false, 4) as Buffer;
    expect([...frame.subarray(frame.length - 3)]).toEqual([1, 2, 3]);
    expect(frame.length).toBe(2 + 2 + 1 + 3);
    backing.fill(0); // the frame is its own copy: later changes to the caller's bytes do not reach it
    expect([...frame.subarray(frame.length - 3)]).toEqual([1, 2, 3]);
  });

  it('refuses a topic over 65,535 bytes and a packet over the largest Remaining Length', () => {
    expect(encodeQos0Publish(Buffer, 'é'.repeat(32_768), new Uint8Array(0), false, 4)).toBeUndefined();
    expect(encodeQos0Publish(Buffer, 'x'.repeat(65_535), new Uint8Array(0), false, 4)).toBeInstanceOf(Buffer);
    // A zero-length view that claims a huge size, so the test needs no 256 MiB of memory.
    const huge = { byteLength: MAX_REMAINING_LENGTH - 3 + 1 } as Uint8Array;
    expect(encodeQos0Publish(Buffer, 't', huge, false, 4)).toBeUndefined();
  });
});

describe('encodePublish (QoS 1 and 2)', () => {
  /** mqtt-packet's bytes for the same PUBLISH. */
  function referenceOf(packet: Omit<IPublishPacket, 'cmd'>, protocolVersion: 3 | 4 | 5): Buffer {
    return generate({ cmd: 'publish', ...packet }, { protocolVersion });
  }

  it.each(versions)(
    'writes the bytes mqtt-packet writes, flags and identifier included, version %i',
    (version) => {
      const payloads = [new Uint8Array(0), new TextEncoder().encode('21.5'), new Uint8Array(1000).fill(7)];
      for (const qos of [1, 2] as const) {
        for (const dup of [false, true]) {
          for (const retain of [false, true]) {
            for (const messageId of [1, 255, 256, 0x1234, 65_535]) {
              for (const payload of payloads) {
                const topic = messageId % 2 === 0 ? 'sensors/1/temperature' : 'ünïcødé/主题/🚀';
                const frame = encodePublish(Buffer, { qos, dup, retain, messageId }, topic, payload, version);
                const expected = referenceOf(
                  { topic, payload: Buffer.from(payload), qos, dup, retain, messageId },
                  version,
                );
                expect(frame).toEqual(expected);
              }
            }
          }
        }
      }
    },
  );

  it('encodes every Remaining Length form at its edges with the identifier counted', () => {
    const topic = 't/edge';
    for (const remaining of [127, 128, 16_383, 16_384, 2_097_151, 2_097_152]) {
      // topic (2 + bytes) + identifier (2) + payload
      const payload = new Uint8Array(remaining - (2 + topic.length + 2)).fill(remaining & 0xff);
      const frame = encodePublish(
        Buffer,
        { qos: 1, dup: false, retain: false, messageId: 7 },
        topic,
        payload,
        4,
      );
      const expected = referenceOf(
        { topic, payload: Buffer.from(payload), qos: 1, dup: false, retain: false, messageId: 7 },
        4,
      );
      expect([frame?.length, Buffer.compare(frame as Buffer, expected)]).toEqual([expected.length, 0]);
    }
  });

  it('writes the MQTT 5 properties the connector sets after the identifier, as mqtt-packet does', () => {
    const payload = new TextEncoder().encode('{"a":1}');
    const properties = { payloadFormatIndicator: true, contentType: 'application/json' };
    const flags = { qos: 2 as const, dup: false, retain: true, messageId: 513 };
    expect(encodePublish(Buffer, flags, 'p/t', payload, 5, properties)).toEqual(
      referenceOf({ topic: 'p/t', payload: Buffer.from(payload), ...flags, properties }, 5),
    );
    expect(encodePublish(Buffer, flags, 'p/t', payload, 5, { topicAlias: 3 })).toBeUndefined();
    expect(encodePublish(Buffer, flags, 'p/t', payload, 5, { userProperties: { a: 'b' } })).toBeUndefined();
  });

  it('refuses a Packet Identifier outside 1–65,535, which no QoS 1/2 PUBLISH may carry', () => {
    const payload = new Uint8Array([1]);
    for (const messageId of [0, -1, 65_536, 1.5, Number.NaN]) {
      expect(
        encodePublish(Buffer, { qos: 1, dup: false, retain: false, messageId }, 't', payload, 4),
      ).toBeUndefined();
    }
    // QoS 0 has no identifier, so any value is ignored.
    expect(
      encodePublish(Buffer, { qos: 0, dup: false, retain: false, messageId: 0 }, 't', payload, 4),
    ).toEqual(encodeQos0Publish(Buffer, 't', payload, false, 4));
  });
});
