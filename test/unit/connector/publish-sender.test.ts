/**
 * The publish sender over a fake MQTT.js client: each completion runs exactly once; QoS 0 writes left
 * unfinished by a closing socket fail with PUBLISH_FAILED, and MQTT.js's late callbacks for them are
 * ignored; QoS 1/2 publishes are left to MQTT.js's store; completions are batched to the end of a read,
 * except a batch of QoS 1/2 acks that frees a quarter of the window, or that holds two QoS 2 acks of a
 * thin window (fewer than 32 awaiting).
 */
import { Writable } from 'node:stream';
import type { MqttClient } from 'mqtt';
import { generate, parser } from 'mqtt-packet';
import { createPublishSender } from '../../../src/connector/publish-sender';
import { clientReadyToWrite } from '../../support/client-ready-to-write';
import { writeLikeMqttPacket } from '../../support/recording-writable';
import type { PublishAck } from '../../../src/streams/port';

type MqttCallback = (error?: Error | null, packet?: { reasonCode?: number }) => void;

/**
 * A stand-in for MqttClient.publish: records each topic and payload handed to it, and finishes at once
 * (`finishAtOnce`) or keeps the callback for the test.
 */
function fakeClient(finishAtOnce: (qos: number) => boolean) {
  const held: MqttCallback[] = [];
  const topics: string[] = [];
  const payloads: unknown[] = [];
  const client = {
    publish(topic: string, payload: unknown, opts: { qos: number }, callback: MqttCallback) {
      topics.push(topic);
      payloads.push(payload);
      if (finishAtOnce(opts.qos)) callback(null, {});
      else held.push(callback);
    },
  };
  return { client: client as unknown as MqttClient, held, topics, payloads };
}

interface Call {
  error: unknown;
  ack: PublishAck | undefined;
}

function recorder() {
  const calls: Call[] = [];
  return { calls, done: (error: unknown, ack: PublishAck | undefined) => void calls.push({ error, ack }) };
}

const payload = new Uint8Array([1]);
const microtasks = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('publish sender', () => {
  it('completes a write that finished inside client.publish once, and a socket close changes nothing', async () => {
    const { client } = fakeClient(() => true);
    const sender = createPublishSender(client);
    const a = recorder();
    sender.publish('t', payload, { qos: 0, retain: false }, a.done);
    expect(a.calls).toEqual([]); // handed over in a microtask, batched with the rest of the read
    await microtasks();
    sender.socketClosed();
    await microtasks();
    expect(a.calls).toEqual([{ error: undefined, ack: { reasonCode: 0 } }]);
  });

  it('fails QoS 0 writes left unfinished by a closing socket, and ignores their late callbacks', async () => {
    const { client, held } = fakeClient(() => false);
    const sender = createPublishSender(client);
    const [a, b] = [recorder(), recorder()];
    sender.publish('t', payload, { qos: 0, retain: false }, a.done);
    sender.publish('t', payload, { qos: 0, retain: false }, b.done);
    sender.socketClosed();
    await microtasks();
    for (const r of [a, b]) {
      expect(r.calls).toHaveLength(1);
      expect(r.calls[0]).toMatchObject({ error: { code: 'PUBLISH_FAILED' }, ack: undefined });
    }
    for (const callback of held) callback(null, {}); // a `drain` that comes after all
    await microtasks();
    expect([a.calls.length, b.calls.length]).toEqual([1, 1]);
  });

  it('completes a QoS 0 write that finished on drain, and a later close does not fail it again', async () => {
    const { client, held } = fakeClient(() => false);
    const sender = createPublishSender(client);
    const a = recorder();
    sender.publish('t', payload, { qos: 0, retain: false }, a.done);
    held[0]?.(null, {});
    sender.socketClosed();
    await microtasks();
    expect(a.calls).toEqual([{ error: undefined, ack: { reasonCode: 0 } }]);
  });

  it('leaves QoS 1/2 to MQTT.js (re-sent from its store): a close does not settle them, the ack does', async () => {
    const { client, held } = fakeClient((qos) => qos === 0);
    const sender = createPublishSender(client);
    const [one, two] = [recorder(), recorder()];
    sender.publish('t', payload, { qos: 1, retain: false }, one.done);
    sender.publish('t', payload, { qos: 2, retain: false }, two.done);
    sender.socketClosed();
    await microtasks();
    expect([one.calls, two.calls]).toEqual([[], []]);
    held[0]?.(null, { reasonCode: 0x10 });
    held[1]?.(null, {});
    await microtasks();
    expect(one.calls).toEqual([{ error: undefined, ack: { reasonCode: 0x10 } }]);
    expect(two.calls).toEqual([{ error: undefined, ack: { reasonCode: 0 } }]);
  });

  it('hands a batch of QoS 1/2 acks over at once when it frees a quarter of the window, in order', async () => {
    const { client, held } = fakeClient(() => false);
    const sender = createPublishSender(client);
    const order: number[] = [];
    for (let i = 0; i < 8; i++) {
      sender.publish('t', payload, { qos: i % 2 === 0 ? 1 : 2, retain: false }, () => void order.push(i));
    }
    held[0]?.(null, {}); // 1 of 8 back: waits for the rest of the read
    expect(order).toEqual([]);
    held[1]?.(null, {}); // 2 back, 6 still awaited: a quarter of the window, handed over now
    expect(order).toEqual([0, 1]);
    held[2]?.(null, {});
    expect(order).toEqual([0, 1]);
    await microtasks(); // the rest of the batch goes at the end of the read, as before
    expect(order).toEqual([0, 1, 2]);
    for (const callback of held.slice(3)) callback(null, {});
    await microtasks();
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  /**
   * Sends `count` publishes of `qos` in one loop that stay unacknowledged, waits until all are handed to
   * MQTT.js (past the first 16, a microtask later); returns their callbacks and the order they settle in.
   */
  async function awaitingAcks(count: number, qos: 1 | 2) {
    const { client, held } = fakeClient(() => false);
    const sender = createPublishSender(client);
    const order: number[] = [];
    for (let i = 0; i < count; i++)
      sender.publish('t', payload, { qos, retain: false }, () => void order.push(i));
    await microtasks();
    expect(held).toHaveLength(count);
    return { held, order };
  }

  it('hands a thin QoS 2 window over at every second ack, the default window of 19 included', async () => {
    const { held, order } = await awaitingAcks(19, 2);
    held[0]?.(null, {});
    expect(order).toEqual([]); // one ack: waits for the rest of the read
    held[1]?.(null, {});
    expect(order).toEqual([0, 1]); // two acks, 17 still awaited: handed over now
    held[2]?.(null, {});
    expect(order).toEqual([0, 1]);
    held[3]?.(null, {});
    expect(order).toEqual([0, 1, 2, 3]);
    held[4]?.(null, {});
    await microtasks();
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('keeps the quarter rule for QoS 1 in a thin window, and for QoS 2 while 32 or more are awaited', async () => {
    const qos1 = await awaitingAcks(19, 1);
    for (let i = 0; i < 4; i++) qos1.held[i]?.(null, {});
    expect(qos1.order).toEqual([]); // 4 acks, 15 awaited: less than a quarter
    qos1.held[4]?.(null, {});
    expect(qos1.order).toEqual([0, 1, 2, 3, 4]); // 5 acks, 14 awaited
    const wide = await awaitingAcks(60, 2);
    for (let i = 0; i < 14; i++) wide.held[i]?.(null, {});
    expect(wide.order).toEqual([]); // 14 QoS 2 acks, 46 awaited: not thin, less than a quarter
    wide.held[14]?.(null, {});
    expect(wide.order).toHaveLength(15); // 15 acks, 45 awaited: a quarter
  });

  it('never settles from inside client.publish, not even a QoS 1 ack that would free the window', async () => {
    const { client } = fakeClient(() => true);
    const sender = createPublishSender(client);
    const a = recorder();
    sender.publish('t', payload, { qos: 1, retain: false }, a.done);
    expect(a.calls).toEqual([]);
    await microtasks();
    expect(a.calls).toEqual([{ error: undefined, ack: { reasonCode: 0 } }]);
  });

  it('keeps QoS 0 completions and errors for the end of the read', async () => {
    const { client, held } = fakeClient(() => false);
    const sender = createPublishSender(client);
    const calls: string[] = [];
    const code = (error: unknown) => (error as { code?: string } | undefined)?.code ?? 'ok';
    sender.publish('t', payload, { qos: 0, retain: false }, (error) => void calls.push(`0 ${code(error)}`));
    sender.publish('t', payload, { qos: 1, retain: false }, (error) => void calls.push(`1 ${code(error)}`));
    held[0]?.(null, {});
    held[1]?.(new Error('Connection closed'));
    expect(calls).toEqual([]);
    await microtasks();
    expect(calls).toEqual(['0 ok', '1 CLOSED']);
  });

  it('maps an error MQTT.js reports inside client.publish, once, without tracking the write', async () => {
    const client = {
      publish: (_t: string, _p: unknown, _o: unknown, callback: MqttCallback) =>
        callback(new Error('No connection to broker')),
    } as unknown as MqttClient;
    const sender = createPublishSender(client);
    const a = recorder();
    sender.publish('t', payload, { qos: 0, retain: false }, a.done);
    sender.socketClosed();
    await microtasks();
    expect(a.calls).toHaveLength(1);
    expect(a.calls[0]?.error).toMatchObject({
      code: 'PUBLISH_FAILED',
      message: expect.stringContaining('No connection'),
    });
  });
});

/**
 * A caller's loop of publishes: the first HANDED_AT_ONCE (16) go to MQTT.js at once, the rest one
 * microtask later, in order (so a window's writes never sit in the corked socket through the caller's
 * garbage collections; see HANDED_AT_ONCE in publish-sender.ts).
 */
describe('publish sender, a long synchronous run', () => {
  /** `prefix/0` … `prefix/(count - 1)`. */
  const names = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}/${i}`);

  it('hands the first 16 over at once and the rest after the run, in order, each completed once', async () => {
    const { client, topics } = fakeClient(() => true);
    const sender = createPublishSender(client);
    const completed: number[] = [];
    for (let i = 0; i < 50; i++)
      sender.publish(`t/${i}`, payload, { qos: i % 3 === 0 ? 0 : 1, retain: false }, (error) => {
        expect(error).toBeUndefined();
        completed.push(i);
      });
    expect(topics).toEqual(names('t', 16));
    await microtasks();
    expect(topics).toEqual(names('t', 50));
    expect(completed).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('starts every run afresh: 16 at once again after the previous run ended', async () => {
    const { client, topics } = fakeClient(() => true);
    const sender = createPublishSender(client);
    const done = () => undefined;
    for (let i = 0; i < 20; i++) sender.publish(`a/${i}`, payload, { qos: 0, retain: false }, done);
    await microtasks();
    expect(topics).toHaveLength(20);
    for (let i = 0; i < 20; i++) sender.publish(`b/${i}`, payload, { qos: 0, retain: false }, done);
    expect(topics.slice(20)).toEqual(names('b', 16));
    await microtasks();
    expect(topics.slice(20)).toEqual(names('b', 20));
  });

  it('keeps order when a later microtask publishes while some of the run are still put off', async () => {
    const { client, topics } = fakeClient(() => true);
    const sender = createPublishSender(client);
    const done = () => undefined;
    const publishAll = (prefix: string, count: number, qos: 0 | 1) => {
      for (let i = 0; i < count; i++) sender.publish(`${prefix}/${i}`, payload, { qos, retain: false }, done);
    };
    publishAll('a', 10, 0);
    // Runs after the run has ended (the counter is back at 0) but before the put-off a/16, a/17 are
    // handed over: b must still go behind them.
    queueMicrotask(() => publishAll('b', 3, 1));
    for (let i = 10; i < 18; i++) sender.publish(`a/${i}`, payload, { qos: 0, retain: false }, done);
    await microtasks();
    expect(topics).toEqual([...names('a', 18), ...names('b', 3)]);
  });
});

/**
 * What MQTT.js gets as the payload, in Node: a Buffer over the same bytes (test/unit/connector/mqtt-payload.test.ts
 * has the rules, browsers included).
 */
describe('publish sender, the payload MQTT.js gets', () => {
  const backing = new ArrayBuffer(64 * 1024);
  const view = new Uint8Array(backing, 1000, 5);
  view.set([1, 2, 3, 4, 5]);

  it('hands a Uint8Array view over to MQTT.js as a Buffer over the same bytes, not a copy', () => {
    const { client, payloads } = fakeClient(() => true);
    const sender = createPublishSender(client);
    sender.publish('t', view, { qos: 1, retain: false }, () => undefined);
    const handed = payloads[0] as Buffer;
    expect(Buffer.isBuffer(handed)).toBe(true);
    expect([handed.buffer, handed.byteOffset, handed.byteLength]).toEqual([backing, 1000, 5]);
    view[0] = 9; // the same memory: nothing was copied
    expect([...handed]).toEqual([9, 2, 3, 4, 5]);
    view[0] = 1;
  });
});

/**
 * The sender's own QoS 0 writes (direct-qos0.ts), with a socket stand-in that both the sender and the fake
 * MQTT.js write to: a write the socket took completes inside `publish`, without MQTT.js; what MQTT.js must
 * handle (properties, QoS 1/2, publishes put off to the end of a run) goes to it, and nothing overtakes
 * anything; a write left unfinished fails when the socket closes.
 */
describe('publish sender, its own QoS 0 writes', () => {
  /** A socket that records the PUBLISH topics in the order their bytes reach it; `hold` keeps writes pending. */
  function socketClient(highWaterMark: number, hold: boolean) {
    const order: string[] = [];
    const reader = parser({ protocolVersion: 4 });
    reader.on('packet', (packet) => order.push((packet as { topic: string }).topic));
    const held: (() => void)[] = [];
    const stream = new Writable({
      highWaterMark,
      writev(chunks, callback) {
        for (const { chunk } of chunks) reader.parse(chunk as Buffer);
        if (hold) held.push(() => callback());
        else callback();
      },
    });
    const mqttJsTopics: string[] = [];
    const client = {
      ...clientReadyToWrite(stream),
      // What MQTT.js does for a publish it writes at once: the packet into the same (corked) stream.
      publish(topic: string, message: Buffer, opts: { qos: 0 | 1 | 2 }, callback: MqttCallback) {
        mqttJsTopics.push(topic);
        writeLikeMqttPacket(
          stream,
          generate({ cmd: 'publish', topic, payload: message, qos: opts.qos, messageId: 1 } as never),
        );
        callback(null, {});
      },
    } as unknown as MqttClient;
    return { client, order, mqttJsTopics, stream, held };
  }

  it('completes a QoS 0 write the socket took inside publish, without MQTT.js', async () => {
    const { client, order, mqttJsTopics } = socketClient(16_384, false);
    const sender = createPublishSender(client, Buffer);
    const a = recorder();
    sender.publish('direct/0', payload, { qos: 0, retain: false }, a.done);
    expect(a.calls).toEqual([{ error: undefined, ack: { reasonCode: 0 } }]);
    await microtasks();
    expect(order).toEqual(['direct/0']);
    expect(mqttJsTopics).toEqual([]);
  });

  it('leaves publishes with properties and QoS 1/2 to MQTT.js, in the order of the calls', async () => {
    const { client, order, mqttJsTopics } = socketClient(16_384, false);
    const sender = createPublishSender(client, Buffer);
    const done = () => undefined;
    sender.publish('a', payload, { qos: 0, retain: false }, done);
    sender.publish('b', payload, { qos: 1, retain: false }, done);
    sender.publish('c', payload, { qos: 0, retain: false, properties: { contentType: 'text/plain' } }, done);
    sender.publish('d', payload, { qos: 0, retain: true }, done);
    await microtasks();
    expect(mqttJsTopics).toEqual(['b', 'c']);
    expect(order).toEqual(['a', 'b', 'c', 'd']);
  });

  it('does not overtake publishes put off to the end of a long run', async () => {
    const { client, order } = socketClient(16_384, false);
    const sender = createPublishSender(client, Buffer);
    const done = () => undefined;
    const expected: string[] = [];
    for (let i = 0; i < 40; i++) {
      const topic = `run/${i}`;
      expected.push(topic);
      sender.publish(topic, payload, { qos: i < 20 ? 1 : 0, retain: false }, done);
    }
    await microtasks();
    expect(order).toEqual(expected);
  });

  it('fails a QoS 0 write left unfinished in a full socket buffer when the socket closes', async () => {
    const { client } = socketClient(64, true);
    const sender = createPublishSender(client, Buffer);
    const calls = Array.from({ length: 10 }, () => recorder());
    calls.forEach((r, i) => sender.publish(`full/${i}`, payload, { qos: 0, retain: false }, r.done));
    const finishedAtOnce = calls.filter((r) => r.calls.length === 1);
    expect(finishedAtOnce.length).toBeGreaterThan(0);
    expect(finishedAtOnce.length).toBeLessThan(10);
    sender.socketClosed();
    await microtasks();
    for (const r of calls) expect(r.calls).toHaveLength(1);
    const failed = calls.filter((r) => r.calls[0]?.error !== undefined);
    expect(failed).toHaveLength(10 - finishedAtOnce.length);
    for (const r of failed)
      expect(r.calls[0]).toMatchObject({ error: { code: 'PUBLISH_FAILED' }, ack: undefined });
  });
});
