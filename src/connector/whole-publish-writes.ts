/**
 * QoS 1/2 PUBLISH packets that MQTT.js writes, handed to the socket as one chunk each instead of the five
 * or more mqtt-packet writes them in.
 *
 * MQTT.js keeps QoS 1/2 messages itself (packet identifiers, its store, re-sending after a reconnect) and
 * writes each through `_writePacket`, where mqtt-packet writes the fixed header, the Remaining Length, the
 * topic's length, the topic, the packet identifier (a new two-byte Buffer with `writeCache: false`) and the
 * payload as chunks of their own, after six `debug` calls that build their arguments whether or not its
 * log is on. Each chunk is an entry that Node's corked Writable queues and an iovec of the `writev` that
 * sends it. Here that one step is replaced for PUBLISH packets at QoS 1 and 2: the same bytes
 * (`publish-frame.ts`, checked against mqtt-packet in the tests), in one chunk, written the way MQTT.js
 * writes them (the `packetsend` event, the socket corked until the next tick as mqtt-packet does, the
 * callback at once or on `drain`). Everything before it, the store, the identifiers, the topic aliases
 * and re-sending, stays MQTT.js's. A packet the frame cannot carry (MQTT 5 properties other than the two
 * the connector sets from the payload, such as a topic alias MQTT.js added) is left to mqtt-packet.
 *
 * Node only, and only while MQTT.js's own log is off (mqtt-debug-log.ts): a debugging session sees every
 * packet in it, written by MQTT.js.
 *
 * @internal
 */
import type { MqttClient } from 'mqtt';
import { CorkHold, type FoundStream, nodeNextTick, openCorkable } from './cork.js';
import { encodePublish, type FrameBuffer, type PublishFlags } from './publish-frame.js';
import type { MessageProperties } from './types.js';

/** The PUBLISH packet object MQTT.js hands `_writePacket` (the fields the frame needs). */
interface OutgoingPacket extends PublishFlags {
  readonly cmd: string;
  readonly topic: unknown;
  readonly payload: unknown;
  readonly properties?: MessageProperties;
}

/** MQTT.js 5.16's internals this module replaces or reads. */
interface ClientInternals {
  _writePacket?: (packet: OutgoingPacket, callback?: () => void) => void;
  noop?: () => void;
  readonly stream?: FoundStream;
  readonly options: { readonly protocolVersion?: number };
}

/**
 * Makes `client` write its QoS 1/2 PUBLISH packets as one chunk each, built with `buffer` (Node's `Buffer`);
 * does nothing without one, outside Node, or with an MQTT.js that has no `_writePacket`.
 */
export function writePublishesWhole(client: MqttClient, buffer: FrameBuffer | undefined): void {
  const internals = client as unknown as ClientInternals;
  const writePacket = internals._writePacket;
  const nextTick = nodeNextTick();
  if (buffer === undefined || nextTick === undefined || typeof writePacket !== 'function') return;
  const protocolVersion = internals.options.protocolVersion ?? 4;
  // Corked by a run's first write, uncorked on the next tick, as mqtt-packet does for each packet: the
  // writes of a run leave in one writev. A long run hands what it has to the socket whenever a buffer's
  // worth has gathered.
  const run = new CorkHold(nextTick);

  internals._writePacket = (packet: OutgoingPacket, callback?: () => void): void => {
    // Every packet MQTT.js sends passes here (a subscriber's PUBACKs too): the cheapest test first.
    const stream = packet.cmd === 'publish' && packet.qos > 0 ? openCorkable(internals.stream) : undefined;
    const frame = stream && frameOf(buffer, packet, protocolVersion);
    if (stream === undefined || frame === undefined) return writePacket.call(client, packet, callback);
    client.emit('packetsend', packet as never);
    run.holdForWrite(stream, frame.byteLength);
    // MQTT.js's own rule: a callback waits for `drain` when the socket's buffer is full.
    if (!stream.write(frame) && callback !== undefined && callback !== internals.noop) {
      stream.once('drain', callback);
    } else {
      callback?.();
    }
  };
}

/** `packet` encoded as one frame, or undefined when the frame cannot carry it (see `encodePublish`). */
function frameOf(buffer: FrameBuffer, packet: OutgoingPacket, protocolVersion: number): Buffer | undefined {
  const { topic, payload } = packet;
  if (typeof topic !== 'string' || !(payload instanceof Uint8Array)) return undefined;
  return encodePublish(buffer, packet, topic, payload, protocolVersion, packet.properties);
}
