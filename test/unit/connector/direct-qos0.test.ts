/**
 * The direct QoS 0 writer over a real Node Writable standing in for the socket: it writes only where
 * MQTT.js would write at once; the writes of a run leave together after it, a long run in buffer-sized
 * batches as it goes; a write into a full buffer finishes on `drain`, or is handed back when the socket
 * closes first.
 */
import { Writable } from 'node:stream';
import type { MqttClient } from 'mqtt';
import { parser, type IPublishPacket } from 'mqtt-packet';
import { createDirectQos0Writer, DirectWrite } from '../../../src/connector/direct-qos0.js';
import { clientReadyToWrite } from '../../support/client-ready-to-write';

/** A socket stand-in: records each writev batch; finishes writes at once, or holds them (`hold`). */
function socket(highWaterMark: number, mode: { hold: boolean }) {
  const batches: Buffer[][] = [];
  const held: (() => void)[] = [];
  const stream = new Writable({
    highWaterMark,
    writev(chunks, callback) {
      batches.push(chunks.map((c) => c.chunk as Buffer));
      if (mode.hold) held.push(() => callback());
      else callback();
    },
  });
  const release = () => held.splice(0).forEach((finish) => finish());
  return { stream, batches, release };
}

/** A client in the state where MQTT.js would write at once, with `overrides`. */
function client(stream: Writable | undefined, overrides: Record<string, unknown> = {}) {
  return clientReadyToWrite(stream, overrides) as unknown as MqttClient;
}

/** Every PUBLISH in `bytes`, parsed by mqtt-packet. */
function published(bytes: Buffer, protocolVersion: 4 | 5 = 4): IPublishPacket[] {
  const packets: IPublishPacket[] = [];
  const reader = parser({ protocolVersion });
  reader.on('packet', (packet) => packets.push(packet as IPublishPacket));
  reader.parse(bytes);
  return packets;
}

const afterTick = () => new Promise<void>((resolve) => setImmediate(resolve));
const payload = (i: number) => new TextEncoder().encode(`message ${i}`);
const none = () => undefined;

describe('direct QoS 0 writer', () => {
  it('writes the publishes of one run in one batch, after the run, as MQTT.js would', async () => {
    const { stream, batches } = socket(16_384, { hold: false });
    const writer = createDirectQos0Writer(client(stream), Buffer, none);
    const outcomes = [0, 1, 2].map((i) => writer?.write(`t/${i}`, payload(i), i === 1, undefined, i));
    expect(outcomes).toEqual([DirectWrite.Finished, DirectWrite.Finished, DirectWrite.Finished]);
    expect(batches).toHaveLength(0); // corked until the run ends
    await afterTick();
    expect(batches).toHaveLength(1);
    const packets = published(Buffer.concat(batches[0] ?? []));
    expect(packets.map((p) => [p.topic, Buffer.from(p.payload).toString(), p.qos, p.retain])).toEqual([
      ['t/0', 'message 0', 0, false],
      ['t/1', 'message 1', 0, true],
      ['t/2', 'message 2', 0, false],
    ]);
  });

  it('hands a long run to the socket a buffer at a time as it goes, so every write finishes at once', async () => {
    const { stream, batches } = socket(1024, { hold: false });
    const writer = createDirectQos0Writer(client(stream), Buffer, none);
    const outcomes = new Set<DirectWrite | undefined>();
    for (let i = 0; i < 500; i++) outcomes.add(writer?.write('long/run', payload(i), false, undefined, i));
    expect([...outcomes]).toEqual([DirectWrite.Finished]);
    const duringRun = batches.length;
    expect(duringRun).toBeGreaterThanOrEqual(10); // 500 × 23 bytes in batches of at most 1 KiB
    for (const batch of batches) expect(Buffer.concat(batch).length).toBeLessThanOrEqual(1024);
    await afterTick();
    const packets = published(Buffer.concat(batches.flat()));
    expect(packets.map((p) => Buffer.from(p.payload).toString())).toEqual(
      Array.from({ length: 500 }, (_, i) => `message ${i}`),
    );
  });

  it('still hands a long run over a buffer at a time while another part holds the socket corked', async () => {
    const { stream, batches } = socket(1024, { hold: false });
    stream.cork(); // as read-batched-writes.ts does while the connector handles a read
    const writer = createDirectQos0Writer(client(stream), Buffer, none);
    const outcomes = new Set<DirectWrite | undefined>();
    for (let i = 0; i < 500; i++) outcomes.add(writer?.write('held/run', payload(i), false, undefined, i));
    expect([...outcomes]).toEqual([DirectWrite.Finished]);
    expect(batches.length).toBeGreaterThanOrEqual(10);
    await afterTick();
    expect(stream.writableCorked).toBe(1); // the other part's cork is left for it to undo
    stream.uncork();
    const packets = published(Buffer.concat(batches.flat()));
    expect(packets).toHaveLength(500);
  });

  /**
   * `count` writes into a socket that holds them (until `release`, and from then on once `mode.hold` is
   * false), with a buffer of `highWaterMark` bytes: which writes were unfinished, and what `drained` got.
   */
  function fillHeldSocket(highWaterMark: number, count: number) {
    const mode = { hold: true };
    const { stream, release } = socket(highWaterMark, mode);
    const drained: number[] = [];
    const writer = createDirectQos0Writer<number>(client(stream), Buffer, (done) => drained.push(done));
    const outcomes = Array.from({ length: count }, (_, i) =>
      writer?.write('held', payload(i), false, undefined, i),
    );
    const unfinished = outcomes.flatMap((outcome, i) => (outcome === DirectWrite.Unfinished ? [i] : []));
    /** Lets the socket finish what it holds, twice over (a write the first release started). */
    const releaseAll = async () => {
      release();
      await afterTick();
      release();
      await afterTick();
    };
    return { mode, writer, outcomes, unfinished, drained, releaseAll };
  }

  it('finishes writes into a full buffer on the next drain, in order, each once', async () => {
    const { mode, writer, outcomes, unfinished, drained, releaseAll } = fillHeldSocket(256, 40);
    expect(unfinished.length).toBeGreaterThan(20);
    expect(outcomes.slice(0, 5)).toEqual(Array(5).fill(DirectWrite.Finished));
    await afterTick();
    expect(drained).toEqual([]);
    mode.hold = false;
    await releaseAll();
    expect(drained).toEqual(unfinished);
    expect(writer?.takeUnfinished()).toEqual([]);
  });

  it('hands the waiting completions back when the socket closes, and a later drain finishes none', async () => {
    const { writer, unfinished, drained, releaseAll } = fillHeldSocket(128, 20);
    expect(unfinished.length).toBeGreaterThan(0);
    await afterTick();
    expect(writer?.takeUnfinished()).toEqual(unfinished);
    await releaseAll();
    expect(drained).toEqual([]);
  });

  it('lets the previous socket go when the socket changes within a run, and uncorks the new one', async () => {
    const first = socket(16_384, { hold: false });
    const second = socket(16_384, { hold: false });
    const state = clientReadyToWrite(first.stream);
    const writer = createDirectQos0Writer(state as unknown as MqttClient, Buffer, none);
    expect(writer?.write('old', payload(0), false, undefined, 0)).toBe(DirectWrite.Finished);
    state['stream'] = second.stream; // MQTT.js's stream after a reconnect
    expect(writer?.write('new', payload(1), false, undefined, 1)).toBe(DirectWrite.Finished);
    expect(first.batches).toHaveLength(1); // let go at once, not left corked
    await afterTick();
    expect([first.stream.writableCorked, second.stream.writableCorked]).toEqual([0, 0]);
    expect(published(Buffer.concat(first.batches.flat())).map((p) => p.topic)).toEqual(['old']);
    expect(published(Buffer.concat(second.batches.flat())).map((p) => p.topic)).toEqual(['new']);
  });

  it('ends the variable header with an empty property list on MQTT 5', async () => {
    const { stream, batches } = socket(16_384, { hold: false });
    const writer = createDirectQos0Writer(client(stream, { options: { protocolVersion: 5 } }), Buffer, none);
    expect(writer?.write('v5/topic', payload(5), true, undefined, 0)).toBe(DirectWrite.Finished);
    await afterTick();
    const bytes = Buffer.concat(batches.flat());
    expect(bytes[2 + 2 + 'v5/topic'.length]).toBe(0); // Property Length after the topic: none
    expect(published(bytes, 5)).toMatchObject([{ topic: 'v5/topic', qos: 0, retain: true }]);
  });

  it('writes the payload properties on MQTT 5, and leaves any other property to MQTT.js', async () => {
    const { stream, batches } = socket(16_384, { hold: false });
    const writer = createDirectQos0Writer(client(stream, { options: { protocolVersion: 5 } }), Buffer, none);
    const json = { payloadFormatIndicator: true, contentType: 'application/json' };
    expect(writer?.write('v5/json', payload(1), false, json, 0)).toBe(DirectWrite.Finished);
    const user = { userProperties: { unit: 'celsius' } };
    expect(writer?.write('v5/user', payload(2), false, user, 1)).toBe(DirectWrite.NotWritten);
    await afterTick();
    const packets = published(Buffer.concat(batches.flat()), 5);
    expect(packets).toMatchObject([{ topic: 'v5/json', properties: json }]);
  });

  it.each([
    ['not connected', { connected: false }],
    ['disconnecting', { disconnecting: true }],
    ['re-sending its stored messages', { _storeProcessing: true }],
    ['holding publishes queued behind them', { _storeProcessingQueue: [{}] }],
  ])('writes nothing while MQTT.js is %s', async (_state, overrides) => {
    const { stream, batches } = socket(16_384, { hold: false });
    const writer = createDirectQos0Writer(client(stream, overrides), Buffer, none);
    expect(writer?.write('t', payload(0), false, undefined, 0)).toBe(DirectWrite.NotWritten);
    await afterTick();
    expect(batches).toEqual([]);
  });

  it('writes nothing to a destroyed socket, or without one', () => {
    const { stream } = socket(16_384, { hold: false });
    stream.destroy();
    expect(
      createDirectQos0Writer(client(stream), Buffer, none)?.write('t', payload(0), false, undefined, 0),
    ).toBe(DirectWrite.NotWritten);
    expect(
      createDirectQos0Writer(client(undefined), Buffer, none)?.write('t', payload(0), false, undefined, 0),
    ).toBe(DirectWrite.NotWritten);
  });

  it('leaves everything to MQTT.js without a Node Buffer, or when MQTT.js assigns topic aliases', () => {
    const { stream } = socket(16_384, { hold: false });
    expect(createDirectQos0Writer(client(stream), undefined, none)).toBeUndefined();
    const aliases = (option: string) => client(stream, { options: { protocolVersion: 5, [option]: true } });
    expect(createDirectQos0Writer(aliases('autoAssignTopicAlias'), Buffer, none)).toBeUndefined();
    expect(createDirectQos0Writer(aliases('autoUseTopicAlias'), Buffer, none)).toBeUndefined();
  });
});
