/**
 * QoS 0 publishes written to the socket by the connector itself, as one chunk per packet, where MQTT.js
 * would write them at once anyway.
 *
 * MQTT.js sends a QoS 0 PUBLISH by building a packet object, running its topic-alias and store checks
 * and about ten `debug` calls, then mqtt-packet writes it as five chunks (header, length, topic length,
 * topic string, payload): five buffered writes for Node's Writable to queue, the topic string encoded
 * again for each. That is most of the CPU a QoS 0 publish costs, and QoS 0 is where the connector, with
 * its promise per message, has the least to spare against a raw MQTT.js loop (bench/ANALYSIS.md).
 *
 * The connector writes the packet only when MQTT.js would write it straight away itself: connected, not
 * disconnecting, not re-sending its stored messages and nothing queued behind them (so nothing can
 * overtake a publish MQTT.js still holds), and no automatic topic aliases (MQTT.js adds those). MQTT 5
 * properties other than the two the connector sets from the payload (Payload Format Indicator, Content
 * Type) also leave the publish to MQTT.js. Anything else goes through MQTT.js as before. The bytes are those mqtt-packet writes
 * (`publish-frame.ts`, checked against it in the tests), and the writes of one synchronous run leave in
 * one `writev`, as mqtt-packet's cork does. MQTT.js's `packetsend` event does not fire for these packets;
 * nothing in the connector listens for it on QoS 0 (the connector's own `events$` reports every publish it
 * hands over). Its debug log would not show them either, so while that log is on (`DEBUG=mqttjs*`, or a
 * `log` given through the `mqtt` option) the connector leaves QoS 0 to MQTT.js (mqtt-debug-log.ts).
 *
 * Node only: it needs Node's `Buffer` and `process.nextTick`. In browsers MQTT.js does the writing.
 *
 * @internal
 */
import type { MqttClient } from 'mqtt';
import { CorkHold, type FoundStream, nodeNextTick, openCorkable, type SocketStream } from './cork.js';
import { encodeQos0Publish, type FrameBuffer } from './publish-frame.js';
import type { MessageProperties } from './types.js';

/** What {@link DirectQos0Writer.write} did. */
export const DirectWrite = {
  /** Nothing written: the publish must go through MQTT.js. */
  NotWritten: 0,
  /** Written, and the write is finished (the socket's buffer had room). */
  Finished: 1,
  /** Written into a full buffer: the writer's `drained` hook gets the completion on the next `drain`. */
  Unfinished: 2,
} as const;
/** One of {@link DirectWrite}'s outcomes. */
export type DirectWrite = (typeof DirectWrite)[keyof typeof DirectWrite];

/** The MQTT.js client state that decides whether it would write a QoS 0 PUBLISH at once (5.16). */
interface ClientInternals {
  readonly connected: boolean;
  readonly disconnecting: boolean;
  readonly _storeProcessing?: boolean;
  readonly _storeProcessingQueue?: readonly unknown[];
  readonly stream?: FoundStream;
  readonly options: {
    readonly protocolVersion?: number;
    readonly autoUseTopicAlias?: boolean;
    readonly autoAssignTopicAlias?: boolean;
  };
}

/** Writes QoS 0 PUBLISH packets to the client's socket (see the module's comment). */
export interface DirectQos0Writer<Done> {
  /**
   * Writes a QoS 0 PUBLISH when MQTT.js would write it at once and the frame can carry its `properties`
   * (none, or those the connector sets from the payload: see `publish-frame.ts`); see {@link DirectWrite}
   * for the outcomes. `done` is kept only for an unfinished write.
   */
  write(
    topic: string,
    payload: Uint8Array,
    retain: boolean,
    properties: MessageProperties | undefined,
    done: Done,
  ): DirectWrite;
  /**
   * The socket closed: returns (and forgets) the completions still waiting for its `drain`, which will
   * never come.
   */
  takeUnfinished(): Done[];
}

/**
 * Creates the writer of `client`, or `undefined` where it cannot write (no Node `Buffer`, or a client
 * that assigns topic aliases by itself). `drained` gets the completion of each unfinished write once the
 * socket drained.
 */
export function createDirectQos0Writer<Done>(
  client: MqttClient,
  buffer: FrameBuffer | undefined,
  drained: (done: Done) => void,
): DirectQos0Writer<Done> | undefined {
  if (buffer === undefined) return undefined;
  const internals = client as unknown as ClientInternals;
  const { protocolVersion = 4, autoUseTopicAlias, autoAssignTopicAlias } = internals.options;
  if (autoUseTopicAlias === true || autoAssignTopicAlias === true) return undefined;
  const nextTick = nodeNextTick();
  if (nextTick === undefined) return undefined;

  // The socket is corked by a run's first write and uncorked on the next tick (as mqtt-packet does): the
  // writes of a run leave in one writev. A long run (a caller's loop of thousands of publishes) also
  // hands what it has to the socket whenever a buffer's worth has gathered, so the broker can start
  // reading while the loop goes on rather than after it, and the buffer never fills for want of a flush.
  const run = new CorkHold(nextTick);
  // Completions of writes that filled the socket's buffer, waiting for `drain` on `drainStream`.
  let unfinished: Done[] = [];
  let drainStream: SocketStream | undefined;
  const onDrain = () => {
    const done = unfinished;
    unfinished = [];
    drainStream = undefined;
    for (const each of done) drained(each);
  };

  function writableStream(): SocketStream | undefined {
    if (!internals.connected || internals.disconnecting || internals._storeProcessing) return undefined;
    if ((internals._storeProcessingQueue?.length ?? 0) > 0) return undefined;
    return openCorkable(internals.stream);
  }

  return {
    write(topic, payload, retain, properties, done) {
      const stream = writableStream();
      if (stream === undefined) return DirectWrite.NotWritten;
      const frame = encodeQos0Publish(buffer, topic, payload, retain, protocolVersion, properties);
      if (frame === undefined) return DirectWrite.NotWritten;
      // A run's first write corks the socket (should it have changed within a run, the old one is let go).
      run.holdForWrite(stream, frame.byteLength);
      if (stream.write(frame)) return DirectWrite.Finished;
      unfinished.push(done);
      if (drainStream !== stream) {
        drainStream?.off('drain', onDrain);
        drainStream = stream;
        stream.once('drain', onDrain);
      }
      return DirectWrite.Unfinished;
    },
    takeUnfinished() {
      drainStream?.off('drain', onDrain);
      drainStream = undefined;
      const done = unfinished;
      unfinished = [];
      return done;
    },
  };
}
