/**
 * Bad input is refused at the call with a typed error, and the pipeline keeps working: each bad
 * publish in the table is followed by a good one that must go through. Also broker limits (MQTT 5
 * CONNACK) and the MQTT 5 properties the pipeline adds.
 */
import type { PublishOptions } from '../../../src/streams/publish-types.js';
import { PublishPipeline } from '../../../src/streams/publish-pipeline.js';
import { createPipeline, VirtualClock } from './support/harness.js';
import { FakePort } from './support/fake-port.js';
import { BAD_INPUTS } from './support/bad-inputs.js';

describe('PublishPipeline validation at the call', () => {
  const clock = new VirtualClock();
  const { pipeline, port } = createPipeline(clock.scheduler);
  pipeline.resume();

  it.each(BAD_INPUTS)(
    '%s → rejects with the typed error; a good publish then works',
    async (_, topic, message, options, code) => {
      const sentBefore = port.sent.length;
      await expect(
        pipeline.publish(topic as string, message, options as PublishOptions),
      ).rejects.toMatchObject({
        code,
        name: expect.stringMatching(/Error$/),
      });
      expect(port.sent).toHaveLength(sentBefore);
      await expect(pipeline.publish('ok/topic', 'fine', { qos: 1 })).resolves.toMatchObject({
        status: 'acknowledged',
      });
      expect([pipeline.queuedCount(), pipeline.inFlightCount()]).toEqual([0, 0]);
    },
  );

  it('never throws synchronously, even for a topic whose description throws', () => {
    const hostile = {
      toString: () => {
        throw new Error('no');
      },
    };
    expect(
      () => void pipeline.publish(hostile as unknown as string, 'x').catch(() => undefined),
    ).not.toThrow();
  });

  it('refuses a packet beyond the protocol limit (268,435,455 bytes after the header)', async () => {
    const huge = new Uint8Array(268_435_455 - 2 - 1 + 1); // topic "t": 2 + 1 bytes + payload = limit + 1
    await expect(pipeline.publish('t', huge)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const fits = new Uint8Array(1024);
    await expect(pipeline.publish('t', fits)).resolves.toMatchObject({ bytes: 1024 });
  });
});

describe('PublishPipeline broker limits (MQTT 5 CONNACK)', () => {
  function pipelineWith(connack: Partial<NonNullable<FakePort['connack']>>) {
    const clock = new VirtualClock();
    const port = new FakePort(clock.scheduler);
    port.connack = { sessionPresent: false, broker: 'mqtt://fake', ...connack };
    const pipeline = new PublishPipeline(port, {
      throttleInterval: 0,
      scheduler: clock.scheduler,
      protocolVersion: 5,
    });
    pipeline.resume();
    return { pipeline, port, clock };
  }

  it('refuses a payload over the Maximum Packet Size at the call', async () => {
    const { pipeline } = pipelineWith({ maximumPacketSize: 64 });
    await expect(pipeline.publish('t', new Uint8Array(100))).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
    await expect(pipeline.publish('t', new Uint8Array(10))).resolves.toMatchObject({ status: 'written' });
  });

  it('refuses a QoS above Maximum QoS and retain when Retain Available is 0', async () => {
    const { pipeline } = pipelineWith({ maximumQoS: 1, retainAvailable: false });
    await expect(pipeline.publish('t', 'x', { qos: 2 })).rejects.toMatchObject({
      code: 'INVALID_QOS',
      message: expect.stringContaining('Maximum QoS 1'),
    });
    await expect(pipeline.publish('t', 'x', { retain: true })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(pipeline.publish('t', 'x', { qos: 1 })).resolves.toMatchObject({ status: 'acknowledged' });
  });

  it('checks queued publishes again against the limits of the broker they are finally sent to', async () => {
    const clock = new VirtualClock();
    const port = new FakePort(clock.scheduler);
    port.connack = undefined; // offline: limits unknown at the call
    const pipeline = new PublishPipeline(port, {
      throttleInterval: 0,
      scheduler: clock.scheduler,
      protocolVersion: 5,
    });
    const big = pipeline.publish('t', new Uint8Array(500));
    const small = pipeline.publish('t', new Uint8Array(5));
    port.connack = { sessionPresent: false, broker: 'mqtt://fake', maximumPacketSize: 100 };
    pipeline.resume();
    await expect(big).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    await expect(small).resolves.toMatchObject({ status: 'written' });
    expect(port.sent.map((s) => s.payload.byteLength)).toEqual([5]);
  });
});

describe('PublishPipeline MQTT 5 properties', () => {
  function v5() {
    const clock = new VirtualClock();
    const port = new FakePort(clock.scheduler);
    const pipeline = new PublishPipeline(port, {
      throttleInterval: 0,
      scheduler: clock.scheduler,
      protocolVersion: 5,
    });
    pipeline.resume();
    return { pipeline, port };
  }

  it('adds contentType application/json to JSON and the UTF-8 indicator to text; bytes get nothing', async () => {
    const { pipeline, port } = v5();
    await pipeline.publish('t', { a: 1 });
    await pipeline.publish('t', 'text');
    await pipeline.publish('t', new Uint8Array([1, 2]));
    expect(port.sent.map((s) => s.properties)).toEqual([
      { payloadFormatIndicator: true, contentType: 'application/json' },
      { payloadFormatIndicator: true },
      undefined,
    ]);
  });

  it("passes the caller's properties through; the caller's values win", async () => {
    const { pipeline, port } = v5();
    const correlationData = new Uint8Array([9, 9]);
    await pipeline.publish(
      't',
      { a: 1 },
      {
        properties: {
          contentType: 'application/vnd.example+json',
          userProperties: { trace: 'abc', tags: ['x', 'y'] },
          messageExpiryInterval: 60,
          responseTopic: 'reply/1',
          correlationData,
        },
      },
    );
    expect(port.sent[0]?.properties).toEqual({
      payloadFormatIndicator: true,
      contentType: 'application/vnd.example+json',
      userProperties: { trace: 'abc', tags: ['x', 'y'] },
      messageExpiryInterval: 60,
      responseTopic: 'reply/1',
      correlationData,
    });
  });

  it('keeps a user property whose key is "__proto__" as an ordinary pair', async () => {
    const { pipeline, port } = v5();
    // JSON.parse makes "__proto__" an own key, as a decoded message or a config file would
    const userProperties = JSON.parse('{"__proto__": ["a", "b"], "k": "v"}') as Record<string, string[]>;
    await pipeline.publish('t', new Uint8Array([1]), { properties: { userProperties } });
    const sent = port.sent[0]?.properties?.userProperties as object;
    expect(Object.getPrototypeOf(sent)).toBe(Object.prototype);
    expect(Object.entries(sent)).toEqual([
      ['__proto__', ['a', 'b']],
      ['k', 'v'],
    ]);
  });

  it('sends no properties on MQTT 3.1.1', async () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler);
    pipeline.resume();
    await pipeline.publish('t', { a: 1 }, { properties: { userProperties: { a: 'b' } } });
    expect(port.sent[0]?.properties).toBeUndefined();
  });

  it('uses an encoder spec and its content type', async () => {
    const clock = new VirtualClock();
    const port = new FakePort(clock.scheduler);
    const pipeline = new PublishPipeline(port, {
      throttleInterval: 0,
      scheduler: clock.scheduler,
      protocolVersion: 5,
      encoder: {
        encode: (message) => new Uint8Array([0xc0, typeof message === 'string' ? 1 : 2]),
        contentType: 'application/msgpack',
      },
    });
    pipeline.resume();
    await pipeline.publish('t', 'hi');
    await pipeline.publish('t', new Uint8Array([7]));
    expect(port.sent.map((s) => [Array.from(s.payload), s.properties])).toEqual([
      [[0xc0, 1], { contentType: 'application/msgpack' }],
      [[7], undefined],
    ]);
  });
});

describe('PublishPipeline options', () => {
  it.each([
    [{ throttleInterval: -1 }],
    [{ throttleInterval: Number.NaN }],
    [{ throttleMode: 'fast' }],
    [{ overflow: 'drop' }],
    [{ maxQueued: { messages: -1 } }],
    [{ maxQueued: { bytes: 1.5 } }],
    [{ maxInFlight: 0 }],
    [{ maxInFlight: 65_536 }],
    [{ maxInFlight: Number.POSITIVE_INFINITY }],
    [{ maxPendingWrites: 0 }],
    [{ publishTimeout: -1 }],
    [{ protocolVersion: 3 }],
    [{ encoder: 'msgpack' }],
    [{ topicThrottle: {} }],
  ])('refuses %j with INVALID_OPTIONS', (options) => {
    const port = new FakePort(new VirtualClock().scheduler);
    expect(() => new PublishPipeline(port, options as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
  });
});

describe('maxInFlight at the top of its range', () => {
  it('accepts 65,535 (every packet identifier) and keeps that many QoS 1 publishes in flight', () => {
    const clock = new VirtualClock();
    const { pipeline, port } = createPipeline(clock.scheduler, { maxInFlight: 65_535 });
    port.ackMode = { kind: 'manual' };
    pipeline.resume();
    for (let i = 0; i < 300; i++) void pipeline.publish('t', `m${i}`, { qos: 1 });
    // 300 is above the default window of 100: only the option lets them all out unacknowledged
    expect(port.sent).toHaveLength(300);
    expect(pipeline.inFlightCount()).toBe(300);
    expect(pipeline.queuedCount()).toBe(0);
  });
});
