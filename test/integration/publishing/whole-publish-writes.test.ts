/**
 * QoS 1/2 PUBLISH packets leave the connector's socket as one chunk each (src/connector/whole-publish-writes.ts),
 * over real sockets to aedes: every chunk that starts a PUBLISH holds exactly that packet, whole, and a raw
 * subscriber receives every message once, in order, with its QoS and RETAIN flag. mqtt-packet alone writes
 * each such packet in five or more chunks.
 */
import type { Socket } from 'node:net';
import { parser, type Packet } from 'mqtt-packet';
import { MqttConnector } from '../../../src/index.js';
import { startAedes, type EmbeddedBroker } from '../../support/aedes';
import { countClientSockets } from '../../support/client-sockets';
import { rawSubscriber, type RawSubscriber } from './helpers/raw-subscriber';

const COUNT = 200;
/** The PUBLISH control packet type, in the first byte's high nibble (MQTT 3.1.1 §2.2.1). */
const PUBLISH_TYPE = 3;

/** Records every chunk `socket` hands to the kernel from now on, as bytes. */
function recordChunks(socket: Socket): Buffer[] {
  const chunks: Buffer[] = [];
  const asBytes = (chunk: unknown, encoding?: BufferEncoding) =>
    typeof chunk === 'string' ? Buffer.from(chunk, encoding) : Buffer.from(chunk as Uint8Array);
  const internals = socket as unknown as {
    _write(chunk: unknown, encoding: BufferEncoding, callback: unknown): void;
    _writev(chunks: { chunk: unknown; encoding: BufferEncoding }[], callback: unknown): void;
  };
  const write = internals._write;
  const writev = internals._writev;
  internals._write = function (this: Socket, chunk, encoding, callback) {
    chunks.push(asBytes(chunk, encoding));
    return write.call(this, chunk, encoding, callback);
  };
  internals._writev = function (this: Socket, list, callback) {
    for (const { chunk, encoding } of list) chunks.push(asBytes(chunk, encoding));
    return writev.call(this, list, callback);
  };
  return chunks;
}

/** The packets `bytes` holds, whole ones only (MQTT 3.1.1). */
function packetsIn(bytes: Buffer): Packet[] {
  const packets: Packet[] = [];
  const reader = parser({ protocolVersion: 4 });
  reader.on('packet', (packet) => packets.push(packet));
  reader.parse(bytes);
  return packets;
}

/** The type (high nibble of the first byte) and byte span of every whole packet in `bytes`. */
function packetSpans(bytes: Buffer): { type: number; start: number; end: number }[] {
  const spans: { type: number; start: number; end: number }[] = [];
  let start = 0;
  while (start < bytes.length) {
    // The Remaining Length: a variable byte integer after the first byte (MQTT 3.1.1 §2.2.3).
    let remaining = 0;
    let offset = start + 1;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[offset++] ?? 0;
      remaining += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) break;
    }
    const end = offset + remaining;
    spans.push({ type: (bytes[start] ?? 0) >> 4, start, end });
    start = end;
  }
  return spans;
}

/** Where each chunk starts in the bytes written, and where it ends. */
function chunkBounds(chunks: readonly Buffer[]): Map<number, number> {
  const bounds = new Map<number, number>();
  let offset = 0;
  for (const chunk of chunks) {
    bounds.set(offset, offset + chunk.length);
    offset += chunk.length;
  }
  return bounds;
}

const sequence = (prefix: string) => Array.from({ length: COUNT }, (_, i) => `${prefix} ${i}`);

describe('QoS 1/2 publishes written whole', () => {
  let broker: EmbeddedBroker;
  let connector: MqttConnector | undefined;
  let subscriber: RawSubscriber | undefined;

  beforeEach(async () => {
    broker = await startAedes();
  });

  afterEach(async () => {
    await connector?.disconnect({ flush: false });
    await subscriber?.end();
    connector = subscriber = undefined;
    await broker.close();
  });

  it('sends each QoS 1 and QoS 2 PUBLISH as one chunk, and every message arrives once, in order', async () => {
    subscriber = await rawSubscriber(broker.url, 'whole/#', 2);
    const opened = countClientSockets();
    connector = new MqttConnector({
      mqttBroker: broker.url,
      clientId: 'whole-publisher',
      throttleInterval: 0,
      logLevel: 'error',
    });
    try {
      expect(await connector.connect()).toBe(true);
    } finally {
      opened.stop();
    }
    expect(opened.sockets).toHaveLength(1);
    const chunks = recordChunks(opened.sockets[0] as Socket);
    const ours = connector;

    const results = await Promise.all([
      ...sequence('one').map((text) => ours.publish('whole/1', text, { qos: 1 })),
      ...sequence('two').map((text, i) => ours.publish('whole/2', text, { qos: 2, retain: i === COUNT - 1 })),
    ]);
    expect(new Set(results.map((result) => result.status))).toEqual(new Set(['acknowledged']));

    // Every PUBLISH in the bytes written starts where a chunk starts and ends where it ends.
    const publishes = packetSpans(Buffer.concat(chunks)).filter(({ type }) => type === PUBLISH_TYPE);
    expect(publishes).toHaveLength(2 * COUNT);
    const bounds = chunkBounds(chunks);
    const split = publishes.filter(({ start, end }) => bounds.get(start) !== end);
    expect(split).toEqual([]);
    const sent = packetsIn(Buffer.concat(chunks)).filter((packet) => packet.cmd === 'publish');
    expect(sent.map((packet) => (packet.cmd === 'publish' ? packet.qos : -1))).toEqual([
      ...sequence('one').map(() => 1),
      ...sequence('two').map(() => 2),
    ]);

    const received = await subscriber.waitFor(2 * COUNT);
    const textOf = (topic: string) =>
      received
        .filter((message) => message.topic === topic)
        .map(({ payload }) => new TextDecoder().decode(payload));
    expect(textOf('whole/1')).toEqual(sequence('one'));
    expect(textOf('whole/2')).toEqual(sequence('two'));
    expect(received.filter((message) => message.topic === 'whole/2').every(({ qos }) => qos === 2)).toBe(
      true,
    );
    // A live subscriber gets the message without the RETAIN flag (MQTT 3.1.1 §3.3.1.3); the broker kept it.
    const retained = await rawSubscriber(broker.url, 'whole/2', 1);
    try {
      const [last] = await retained.waitFor(1);
      expect([last?.retain, new TextDecoder().decode(last?.payload)]).toEqual([true, `two ${COUNT - 1}`]);
    } finally {
      await retained.end();
    }
  });
});
