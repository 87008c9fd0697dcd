/**
 * writePublishesWhole (src/connector/whole-publish-writes.ts) against a stand-in for MQTT.js's client and
 * its socket: which packets it writes itself and how (one chunk, mqtt-packet's bytes, the `packetsend`
 * event, the cork held to the next tick, the callback at once or on `drain`), and which it leaves to
 * MQTT.js's own `_writePacket`. Real sockets: test/integration/publishing/whole-publish-writes.test.ts.
 */
import type { MqttClient } from 'mqtt';
import { generate, type IPublishPacket, type Packet } from 'mqtt-packet';
import { writePublishesWhole } from '../../../src/connector/whole-publish-writes.js';

type Callback = () => void;

/** A client whose socket records its writes and corks, and whose own `_writePacket` records its calls. */
function fakeClient(options: { protocolVersion?: 4 | 5; writeReturns?: boolean; buffer?: boolean } = {}) {
  const written: Buffer[] = [];
  const leftToMqttJs: [Packet, Callback | undefined][] = [];
  const sent: Packet[] = [];
  const drainListeners: Callback[] = [];
  let corked = 0;
  const stream = {
    writableLength: 0,
    writableHighWaterMark: 16_384,
    writable: true,
    destroyed: false,
    cork: () => void corked++,
    uncork: () => void corked--,
    get writableCorked() {
      return corked;
    },
    write(chunk: Uint8Array) {
      written.push(Buffer.from(chunk));
      return options.writeReturns ?? true;
    },
    once(_event: 'drain', listener: Callback) {
      drainListeners.push(listener);
    },
  };
  const ownWritePacket = (packet: Packet, callback?: Callback) => void leftToMqttJs.push([packet, callback]);
  const client = {
    stream: stream as typeof stream | undefined,
    noop: () => undefined,
    options: { protocolVersion: options.protocolVersion ?? 4 },
    emit: (event: string, packet: Packet) => event === 'packetsend' && sent.push(packet) > 0,
    _writePacket: ownWritePacket,
  };
  writePublishesWhole(client as unknown as MqttClient, options.buffer === false ? undefined : Buffer);
  return {
    client,
    stream,
    written,
    leftToMqttJs,
    sent,
    drainListeners,
    ownWritePacket,
    corked: () => corked,
    write: (packet: Packet, callback?: Callback) => client._writePacket(packet, callback),
  };
}

function publish(fields: Partial<IPublishPacket> = {}): IPublishPacket {
  return {
    cmd: 'publish',
    topic: 'sensors/1',
    payload: Buffer.from('21.5'),
    qos: 1,
    dup: false,
    retain: false,
    messageId: 42,
    ...fields,
  };
}

const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

describe('writePublishesWhole', () => {
  it("writes a QoS 1 or 2 PUBLISH as one chunk of mqtt-packet's bytes, tells `packetsend`, and calls back", () => {
    const fake = fakeClient();
    const packets = [publish(), publish({ qos: 2, retain: true, dup: true, messageId: 65_535 })];
    const calls: number[] = [];
    packets.forEach((packet, i) => fake.write(packet, () => calls.push(i)));
    expect(fake.written).toEqual(packets.map((packet) => generate(packet, { protocolVersion: 4 })));
    expect(fake.sent).toEqual(packets);
    expect(calls).toEqual([0, 1]);
    expect(fake.leftToMqttJs).toEqual([]);
  });

  it('keeps the socket corked until the next tick, one hold for a whole run of writes', async () => {
    const fake = fakeClient();
    for (let id = 1; id <= 5; id++) fake.write(publish({ messageId: id }));
    expect(fake.corked()).toBe(1);
    await nextTick();
    expect(fake.corked()).toBe(0);
    fake.write(publish({ messageId: 6 }));
    expect(fake.corked()).toBe(1);
    await nextTick();
    expect(fake.corked()).toBe(0);
  });

  it("calls back on `drain` when the socket's buffer is full, as MQTT.js does (its no-op at once)", () => {
    const fake = fakeClient({ writeReturns: false });
    let called = 0;
    fake.write(publish(), () => called++);
    expect(called).toBe(0);
    expect(fake.drainListeners).toHaveLength(1);
    fake.drainListeners[0]?.();
    expect(called).toBe(1);
    const noop = jest.fn();
    fake.client.noop = noop;
    fake.write(publish({ messageId: 43 }), noop);
    expect(noop).toHaveBeenCalledTimes(1);
    expect(fake.drainListeners).toHaveLength(1);
  });

  it('writes the MQTT 5 properties the connector sets, and leaves any other property to MQTT.js', () => {
    const fake = fakeClient({ protocolVersion: 5 });
    const own = publish({ properties: { payloadFormatIndicator: true, contentType: 'text/plain' } });
    fake.write(own);
    expect(fake.written).toEqual([generate(own, { protocolVersion: 5 })]);
    const aliased = publish({ topic: '', properties: { topicAlias: 2 } });
    const withUserProperties = publish({ properties: { userProperties: { a: 'b' } } });
    fake.write(aliased);
    fake.write(withUserProperties);
    expect(fake.leftToMqttJs.map(([packet]) => packet)).toEqual([aliased, withUserProperties]);
    expect(fake.written).toHaveLength(1);
  });

  it('leaves every other packet, QoS 0 and string payloads to MQTT.js, with their callbacks', () => {
    const fake = fakeClient();
    const callback = () => undefined;
    const others: Packet[] = [
      publish({ qos: 0, messageId: undefined }),
      publish({ payload: 'text' }),
      { cmd: 'puback', messageId: 3 },
      { cmd: 'pubrel', messageId: 4 },
      { cmd: 'subscribe', messageId: 5, subscriptions: [{ topic: 'a', qos: 1 }] },
      { cmd: 'pingreq' },
    ];
    for (const packet of others) fake.write(packet, callback);
    expect(fake.leftToMqttJs).toEqual(others.map((packet) => [packet, callback]));
    expect(fake.written).toEqual([]);
    expect(fake.sent).toEqual([]);
  });

  it('leaves the write to MQTT.js without an open socket', () => {
    const fake = fakeClient();
    fake.stream.writable = false; // ended
    fake.write(publish({ messageId: 41 }));
    fake.stream.writable = true;
    fake.stream.destroyed = true;
    fake.write(publish());
    fake.client.stream = undefined;
    fake.write(publish({ messageId: 43 }));
    expect(fake.leftToMqttJs).toHaveLength(3);
    expect(fake.written).toEqual([]);
  });

  it("changes nothing without Node's Buffer", () => {
    const fake = fakeClient({ buffer: false });
    expect(fake.client._writePacket).toBe(fake.ownWritePacket);
  });
});
