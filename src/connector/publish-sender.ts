/**
 * The publish side of the connector's MQTT.js client: hands PUBLISH packets to MQTT.js and reports each
 * one's completion (written, acknowledged, refused) to the publish pipeline, exactly once.
 *
 * @internal
 */
import type { MqttClient } from 'mqtt';
import type { OutgoingPublishOptions, PublishAck } from '../streams/port.js';
import { createDirectQos0Writer, DirectWrite } from './direct-qos0.js';
import { PublishFailedError } from './errors.js';
import { toPublishError } from './failures.js';
import { forMqttJs } from './mqtt-payload.js';
import { toOutgoingProperties } from './packets.js';
import type { FrameBuffer } from './publish-frame.js';
import type { QoS } from './types.js';

/** A publish completion as the pipeline's callback port takes it. */
export type Completion = (error: unknown, ack: PublishAck | undefined) => void;

/** The acknowledgement of every successful publish on MQTT 3.1.1 (shared: no object per ack). */
const ACK_OK: PublishAck = Object.freeze({ reasonCode: 0 });

/**
 * A batch of QoS 1/2 acks is handed over at once when it holds at least 1/REFILL_SHARE of the
 * publishes that were awaiting an ack (a quarter of a full window).
 */
export const REFILL_SHARE = 4;

/**
 * Below this many publishes awaiting an ack, a batch is handed over as soon as it holds two QoS 2 acks:
 * a quarter of a small QoS 2 window (the default of 19) leaves too few messages at the broker to keep
 * it busy. Larger windows keep the quarter rule, which writes less.
 */
const THIN_WINDOW = 32;

/**
 * How many publishes of one synchronous run (a caller's loop, one batch of acks) are handed to MQTT.js at
 * once; the rest follow one microtask later, after the run, in order. A caller firing thousands of
 * publishes in one loop would otherwise hand a whole window to MQTT.js at its start and leave those writes
 * pending in the corked socket (mqtt-packet uncorks it on the next tick) through the garbage collections
 * the rest of its loop causes (its promises, the queued jobs). V8, seeing ≥ 100 of Node's buffered-write
 * and `nextTick` objects survive a collection, then allocates those in the old generation from then on,
 * for the whole process (allocation-site pretenuring), and every later write is slower: 50,000 awaited QoS
 * 0 publishes ran ~35% slower in a process where that had happened. Held back, the rest of the window is
 * handed over after the caller's loop and its allocations, and V8 no longer tenures those sites
 * (`--trace-pretenuring-statistics`: 6–13 decisions per process before, 1–2 after; bench/ANALYSIS.md).
 * QoS 0 publishes the sender writes itself are not held back: they create none of those objects per
 * message, and leave the socket a buffer at a time while the loop runs (direct-qos0.ts).
 */
const HANDED_AT_ONCE = 16;

/** Sends publishes through one MQTT.js client. */
export interface PublishSender {
  /**
   * `MqttPort.publishCallback`: `done` runs exactly once, with an error or the ack: in a microtask, or
   * (a QoS 1/2 ack) at once when its batch frees a quarter of the window, or holds two QoS 2 acks of a
   * thin one (see {@link createPublishSender}), or, for a QoS 0 publish the sender wrote to the socket
   * itself and the socket took, before `publish` returns (direct-qos0.ts). The publish reaches the socket
   * or MQTT.js at once, or, past the first `HANDED_AT_ONCE` (16) of a synchronous run handed to MQTT.js,
   * one microtask later in the order of the calls.
   */
  publish(topic: string, payload: Uint8Array, options: OutgoingPublishOptions, done: Completion): void;
  /**
   * The socket closed: fails the QoS 0 publishes whose write it left unfinished (see {@link
   * createPublishSender}); MQTT.js's own callbacks for them, should they ever come, are ignored.
   */
  socketClosed(): void;
}

/**
 * Creates the sender of `client`. With `buffer` (Node's `Buffer`), QoS 0 publishes are written to the
 * socket by the sender itself wherever MQTT.js would write them at once and the frame can carry their
 * properties (direct-qos0.ts).
 *
 * QoS 0 writes that do not finish at once: when the socket's buffer is full, MQTT.js completes a QoS 0
 * publish on the socket's next `drain`, registered on *that* socket. If the socket dies first, `drain`
 * never comes, so without help the publish would never settle and would hold its window slot for good
 * (after `maxPendingWrites` of them, QoS 0 would stop altogether). So the sender tracks the writes that
 * did not finish inside `client.publish` and fails them when the socket closes (MQTT.js handles one
 * socket at a time: the connector opens the next one only after the previous one's `close`).
 *
 * They fail rather than being sent again after the reconnect: QoS 0 means at most once, and part or
 * all of such a message may already have reached the broker (Node hands a write to the kernel before
 * it counts as finished), so sending it again could deliver it twice; the caller, told so, decides.
 */
export function createPublishSender(client: MqttClient, buffer?: FrameBuffer): PublishSender {
  // QoS 0 writes not finished inside client.publish (waiting for the socket's `drain`).
  const unfinishedWrites = new Set<Completion>();
  // The completion of the publish being handed to MQTT.js now, until its callback runs or it returns.
  let handing: Completion | undefined;
  // QoS 1/2 publishes handed to MQTT.js whose callback has not run yet.
  let awaitingAck = 0;

  // Publishes handed over in the current synchronous run (reset by a microtask after its first).
  let handedThisRun = 0;
  // Publishes put off to the end of the run (see HANDED_AT_ONCE), in order: parallel arrays, as an
  // object per entry would itself be a surviving allocation site in a large window.
  const putOffTopics: string[] = [];
  const putOffPayloads: Uint8Array[] = [];
  const putOffOptions: OutgoingPublishOptions[] = [];
  const putOffDones: Completion[] = [];

  function publish(
    topic: string,
    payload: Uint8Array,
    options: OutgoingPublishOptions,
    done: Completion,
  ): void {
    // Not past publishes put off to the end of the run: a write of our own would overtake them.
    if (putOffDones.length === 0 && writtenByUs(topic, payload, options, done)) return;
    if (putOffDones.length > 0 || handedThisRun >= HANDED_AT_ONCE) {
      if (putOffDones.push(done) === 1) queueMicrotask(handOverPutOff);
      putOffTopics.push(topic);
      putOffPayloads.push(payload);
      putOffOptions.push(options);
      return;
    }
    if (handedThisRun++ === 0) queueMicrotask(runEnded);
    handToMqttJs(topic, payload, options, done);
  }

  /**
   * Writes a QoS 0 publish ourselves where we can (direct-qos0.ts); returns false when MQTT.js must. A
   * write the socket took settles here, at once: nothing of MQTT.js's runs, so settling cannot re-enter
   * it, and the window slot it frees lets the caller's next publish go out in the same loop.
   */
  function writtenByUs(
    topic: string,
    payload: Uint8Array,
    options: OutgoingPublishOptions,
    done: Completion,
  ): boolean {
    if (options.qos !== 0 || direct === undefined) return false;
    const outcome = direct.write(topic, payload, options.retain, options.properties, done);
    if (outcome === DirectWrite.Finished) done(undefined, ACK_OK);
    return outcome !== DirectWrite.NotWritten;
  }

  function runEnded(): void {
    handedThisRun = 0;
  }

  function handOverPutOff(): void {
    // Nothing settles inside client.publish (see handToMqttJs), but our own writes settle at once: a
    // publish arriving during this loop finds the list not yet empty, joins its end, and is handed over
    // by this same loop, in order.
    for (let i = 0; i < putOffDones.length; i++) {
      const topic = putOffTopics[i] as string;
      const payload = putOffPayloads[i] as Uint8Array;
      const options = putOffOptions[i] as OutgoingPublishOptions;
      const done = putOffDones[i] as Completion;
      if (!writtenByUs(topic, payload, options, done)) handToMqttJs(topic, payload, options, done);
    }
    putOffTopics.length = 0;
    putOffPayloads.length = 0;
    putOffOptions.length = 0;
    putOffDones.length = 0;
  }

  function handToMqttJs(
    topic: string,
    payload: Uint8Array,
    options: OutgoingPublishOptions,
    done: Completion,
  ): void {
    const qos = options.qos;
    // Only pass `properties` when there are some: MQTT.js 5.16 does measurably more work per message otherwise.
    const opts = options.properties
      ? { qos, retain: options.retain, properties: toOutgoingProperties(options.properties) }
      : { qos, retain: options.retain };
    handing = done;
    if (qos !== 0) awaitingAck++;
    // MQTT.js accepts any Uint8Array at run time (its types name only Buffer and string); forMqttJs keeps
    // its stored copy of a QoS 1/2 message to the message's own bytes.
    client.publish(topic, forMqttJs(payload, qos) as unknown as string, opts, (error, packet) => {
      // Inside a client.publish of ours (this one's or another's): settling now would re-enter it.
      const duringPublish = handing !== undefined;
      if (handing === done)
        handing = undefined; // finished inside client.publish
      else if (qos === 0 && !unfinishedWrites.delete(done)) return; // already failed: its socket closed
      if (qos !== 0) awaitingAck--;
      if (error) return completeLater(done, toPublishError(error), undefined);
      const reasonCode = (packet as { reasonCode?: number } | undefined)?.reasonCode ?? 0;
      completeLater(done, undefined, reasonCode === 0 ? ACK_OK : { reasonCode });
      if (qos !== 0 && !duringPublish) handOverEarly(qos);
    });
    if (handing === done) {
      handing = undefined;
      if (qos === 0) unfinishedWrites.add(done);
    }
  }

  // QoS 0 publishes the connector writes itself where MQTT.js would write them at once (direct-qos0.ts).
  const direct = createDirectQos0Writer<Completion>(client, buffer, (done) =>
    completeLater(done, undefined, ACK_OK),
  );

  function socketClosed(): void {
    const unfinishedDirect = direct?.takeUnfinished() ?? [];
    if (unfinishedWrites.size === 0 && unfinishedDirect.length === 0) return;
    const error = new PublishFailedError(
      'The connection was lost before this QoS 0 message was completely written to it: it most likely ' +
        'did not reach the broker, and QoS 0 messages are never sent again (publish it again, or use QoS 1)',
    );
    for (const done of unfinishedDirect) completeLater(done, error, undefined);
    for (const done of unfinishedWrites) completeLater(done, error, undefined);
    unfinishedWrites.clear();
  }

  // MQTT.js handles the packets of one socket read one per process.nextTick, and mqtt-packet uncorks the
  // socket on the next tick after each write: a publish sent from inside an ack callback would be written
  // on its own (one writev per message). Completions are therefore handed to the pipeline together, in one
  // microtask after MQTT.js has handled the whole read: the window refills with several publishes at once.
  // (In Node, read-batched-writes.ts also holds every write made while a read is handled, so the refill
  // leaves in one write either way; the batching here still decides how large each refill is, and it is
  // the only batching in browsers.)
  // Waiting for the whole read has its own cost: the window refills in waves, and a broker that answers
  // a burst ack by ack (aedes) sits idle between them (QoS 2 ran at 0.8x the raw window pattern). So a
  // batch of QoS 1/2 acks is also handed over at once when it frees a quarter of the window: the refill
  // still leaves in one write of several publishes, and the broker never has less than 3/4 of the window.
  // Measured A/B (64 B, all fired): aedes QoS 1 +27%, QoS 2 +22%; mosquitto QoS 1 -2%, QoS 2 -9% (still
  // 1.16x raw); bench/ANALYSIS.md, "Refilling the window".
  // A quarter of a thin QoS 2 window is still too coarse: with 19, aedes (about 25 us per QoS 2 message)
  // ran dry while the client finished its read. Below THIN_WINDOW a second QoS 2 ack hands the batch
  // over: aedes QoS 2 +19 to +33% (0.97-1.01x raw), mosquitto -7% (1.07x raw). Not for QoS 1: at a
  // window of 19 on aedes the quarter rule was 18% faster than every second ack.
  const pendingDone: Completion[] = [];
  const pendingError: unknown[] = [];
  const pendingAck: (PublishAck | undefined)[] = [];
  // QoS 1/2 acks read from the socket in the current batch.
  let acksInBatch = 0;
  let qos2AcksInBatch = 0;
  const flushCompletions = () => {
    // Settling can send more (and so queue more completions): take the current batch first.
    const count = pendingDone.length;
    acksInBatch = 0;
    qos2AcksInBatch = 0;
    const dones = pendingDone.splice(0, count);
    const errors = pendingError.splice(0, count);
    const acks = pendingAck.splice(0, count);
    for (let i = 0; i < count; i++) (dones[i] as Completion)(errors[i], acks[i]);
  };
  function completeLater(done: Completion, error: unknown, ack: PublishAck | undefined): void {
    if (pendingDone.push(done) === 1) queueMicrotask(flushCompletions);
    pendingError.push(error);
    pendingAck.push(ack);
  }
  /**
   * A QoS 1/2 ack joined the batch: hands the batch over now if it frees a quarter of the window, or
   * holds two QoS 2 acks of a thin one.
   */
  function handOverEarly(qos: QoS): void {
    acksInBatch++;
    if (qos === 2) qos2AcksInBatch++;
    const thinQos2 = qos2AcksInBatch >= 2 && awaitingAck < THIN_WINDOW;
    if (thinQos2 || acksInBatch * (REFILL_SHARE - 1) >= awaitingAck) flushCompletions();
  }

  return { publish, socketClosed };
}
