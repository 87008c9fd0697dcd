/**
 * The test-support PublishTap (test/support/publish-tap.ts), which the NATS cluster tests use to tell a
 * message the broker never sent from one the client lost: fed by the fault proxy from real aedes traffic,
 * and fed by hand one byte at a time.
 */
import mqtt from 'mqtt';
import { startAedes, type EmbeddedBroker } from '../../support/aedes';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy';
import { PublishTap } from '../../support/publish-tap';

let broker: EmbeddedBroker;
let proxy: FaultProxy;
const tap = new PublishTap();

beforeAll(async () => {
  broker = await startAedes();
  proxy = await startFaultProxy('127.0.0.1', broker.port, { tapToClient: () => tap.connection() });
});
afterAll(async () => {
  await proxy.close();
  await broker.close();
});

test('records the payload of every PUBLISH the broker writes to the proxied client, whatever its QoS and size', async () => {
  const subscriber = await mqtt.connectAsync(proxy.url, { reconnectPeriod: 0 });
  const publisher = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
  try {
    await subscriber.subscribeAsync('tap/#', { qos: 1 });
    const large = 'x'.repeat(300_000); // a 3-byte remaining length, split over many chunks
    const sent = ['0', 'zero qos', '', large, ...Array.from({ length: 100 }, (_, n) => `burst ${n}`)];
    const received = new Promise<void>((resolve) => {
      let count = 0;
      subscriber.on('message', () => ++count === sent.length + 1 && resolve());
    });
    await publisher.publishAsync('tap/a', '0', { qos: 1 });
    await publisher.publishAsync('tap/b', 'zero qos', { qos: 0 });
    await publisher.publishAsync('tap/c', '', { qos: 1 });
    await publisher.publishAsync('tap/a/long/topic/name', large, { qos: 1 });
    await Promise.all(sent.slice(4).map((m) => publisher.publishAsync('tap/burst', m, { qos: 1 })));
    await publisher.publishAsync('tap/z', 'end', { qos: 0 });
    await received;

    expect(sent.filter((m) => !tap.has(m))).toEqual([]);
    expect(tap.has('end')).toBe(true);
    expect(tap.has('never published')).toBe(false);
    expect(tap.publishes).toBe(sent.length + 1);
  } finally {
    await Promise.all([subscriber.endAsync(true), publisher.endAsync(true)]);
  }
});

test('reassembles packets fed one byte at a time, and skips packets that are not PUBLISH', () => {
  const own = new PublishTap();
  const feed = own.connection();
  const publish = (qos: number, topic: string, payload: string) => {
    const body = Buffer.concat([
      Buffer.from([topic.length >> 8, topic.length & 0xff]),
      Buffer.from(topic),
      qos > 0 ? Buffer.from([0x12, 0x34]) : Buffer.alloc(0),
      Buffer.from(payload),
    ]);
    return Buffer.concat([Buffer.from([0x30 | (qos << 1), body.length]), body]);
  };
  const stream = Buffer.concat([
    Buffer.from([0x20, 0x02, 0x00, 0x00]), // CONNACK
    publish(1, 't', 'one'),
    Buffer.from([0x90, 0x03, 0x00, 0x01, 0x01]), // SUBACK
    publish(0, 'a/b', 'two'),
    Buffer.from([0xd0, 0x00]), // PINGRESP
  ]);
  for (const byte of stream) feed(Buffer.from([byte]));

  expect([own.has('one'), own.has('two'), own.has('t'), own.publishes]).toEqual([true, true, false, 2]);
});

test('a partial packet left by a cut connection is not joined to the next connection', () => {
  const own = new PublishTap();
  own.connection()(Buffer.from([0x30, 0x09, 0x00, 0x01, 0x74])); // a PUBLISH cut after its topic
  own.connection()(Buffer.from([0x30, 0x06, 0x00, 0x01, 0x74, 0x6e, 0x65, 0x77])); // topic t, payload "new"

  expect([own.has('new'), own.publishes]).toEqual([true, 1]);
});
