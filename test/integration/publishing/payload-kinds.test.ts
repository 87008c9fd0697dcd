/**
 * connector.publish() against the embedded aedes broker: every payload kind arrives byte-exact at a raw
 * MQTT.js subscriber, with its QoS and retain flag; a custom encoder; large payloads.
 */
import { MqttConnector, type MqttConnectorOptions, type QoS } from '../../../src/index';
import { startAedes, type EmbeddedBroker } from '../../support/aedes';
import { rawSubscriber, type RawSubscriber } from './helpers/raw-subscriber';

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
const backing = Uint8Array.from([10, 11, 12, 13, 14, 15, 16, 17]).buffer;

/** [kind, message, expected bytes on the wire] */
const KINDS: [string, unknown, Uint8Array][] = [
  ['ASCII string', 'hello', utf8('hello')],
  ['Unicode string', 'héllo wörld 👋 中文', utf8('héllo wörld 👋 中文')],
  ['empty string', '', new Uint8Array(0)],
  ['Uint8Array with every byte value', allBytes, allBytes],
  ['empty Uint8Array', new Uint8Array(0), new Uint8Array(0)],
  ['Buffer', Buffer.from([0xde, 0xad, 0xbe, 0xef]), Uint8Array.from([0xde, 0xad, 0xbe, 0xef])],
  ['ArrayBuffer', backing, new Uint8Array(backing)],
  ['DataView slice', new DataView(backing, 2, 3), Uint8Array.from([12, 13, 14])],
  ['Int16Array', Int16Array.from([1, -1]), new Uint8Array(Int16Array.from([1, -1]).buffer)],
  ['subarray view', allBytes.subarray(250), Uint8Array.from([250, 251, 252, 253, 254, 255])],
  [
    'JSON object',
    { a: 1, b: [true, null, 'x'], c: { d: 1.5 } },
    utf8('{"a":1,"b":[true,null,"x"],"c":{"d":1.5}}'),
  ],
  ['JSON array', [1, 'two', { three: 3 }], utf8('[1,"two",{"three":3}]')],
  ['number', 42.5, utf8('42.5')],
  ['boolean', false, utf8('false')],
  ['null', null, utf8('null')],
  ['Date inside JSON', { at: new Date(Date.UTC(2024, 1, 3)) }, utf8('{"at":"2024-02-03T00:00:00.000Z"}')],
  ['Unicode inside JSON', { name: 'Zoë 🙂' }, utf8('{"name":"Zoë 🙂"}')],
];

describe('publish() payloads against aedes', () => {
  let broker: EmbeddedBroker;
  let subscriber: RawSubscriber;
  let connector: MqttConnector;

  async function connectConnector(options: MqttConnectorOptions = {}): Promise<MqttConnector> {
    const created = new MqttConnector({
      mqttBroker: broker.url,
      throttleInterval: 0,
      logLevel: 'error',
      ...options,
    });
    await expect(created.connect()).resolves.toBe(true);
    return created;
  }

  beforeEach(async () => {
    broker = await startAedes();
    subscriber = await rawSubscriber(broker.url, 'kinds/#');
    connector = await connectConnector();
  });

  afterEach(async () => {
    await connector.disconnect({ flush: false });
    await subscriber.end();
    await broker.close();
  });

  it.each(([0, 1, 2] as QoS[]).map((qos) => [qos]))(
    'every payload kind arrives byte-exact (QoS %i)',
    async (qos) => {
      const results = await Promise.all(
        KINDS.map(([, message], i) => connector.publish(`kinds/${i}`, message, { qos })),
      );
      expect(results.map((r) => r.status)).toEqual(KINDS.map(() => (qos === 0 ? 'written' : 'acknowledged')));
      expect(results.map((r) => r.bytes)).toEqual(KINDS.map(([, , bytes]) => bytes.byteLength));
      const received = await subscriber.waitFor(KINDS.length);
      const byTopic = new Map(received.map((m) => [m.topic, m]));
      KINDS.forEach(([kind, , expected], i) => {
        const message = byTopic.get(`kinds/${i}`);
        expect({ kind, bytes: Array.from(message?.payload ?? []) }).toEqual({
          kind,
          bytes: Array.from(expected),
        });
        expect(message?.qos).toBe(qos);
      });
    },
  );

  it('sends the retain flag: a later subscriber gets the retained message', async () => {
    await connector.publish('kinds/retained', { v: 1 }, { qos: 1, retain: true });
    const late = await rawSubscriber(broker.url, 'kinds/retained');
    try {
      const [message] = await late.waitFor(1);
      expect(message).toMatchObject({ retain: true, payload: utf8('{"v":1}') });
    } finally {
      await late.end();
    }
  });

  it('sends large payloads (1 MiB) intact', async () => {
    const big = Uint8Array.from({ length: 1024 * 1024 }, (_, i) => (i * 31) % 251);
    await expect(connector.publish('kinds/big', big, { qos: 1 })).resolves.toMatchObject({
      bytes: big.byteLength,
    });
    const [message] = await subscriber.waitFor(1);
    expect(Buffer.compare(Buffer.from(message?.payload ?? []), Buffer.from(big))).toBe(0);
  });

  it('uses a custom encoder for non-byte messages', async () => {
    await connector.disconnect({ flush: false });
    connector = await connectConnector({
      encoder: (message, topic) => utf8(`${topic}|${typeof message}|${String(message)}`),
    });
    await connector.publish('kinds/enc', 7, { qos: 1 });
    await connector.publish('kinds/enc', 'text', { qos: 1 });
    await connector.publish('kinds/enc', Uint8Array.from([1, 2]), { qos: 1 });
    const received = await subscriber.waitFor(3);
    expect(received.map((m) => Buffer.from(m.payload).toString('latin1'))).toEqual([
      'kinds/enc|number|7',
      'kinds/enc|string|text',
      '\u0001\u0002',
    ]);
  });
});
