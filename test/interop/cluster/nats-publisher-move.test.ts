/**
 * The node a PUBLISHER is on is SIGKILLed mid-stream (nats-cluster.test.ts kills consumers' nodes). The
 * publisher has the list of the three nodes, starting with its own, and a persistent session
 * (`clean: false`; NATS keeps MQTT sessions in JetStream, replicated to all three nodes); a consumer with a
 * persistent session sits on another node. Publishes go out steadily before, during and after the move,
 * plus a burst just before the kill so that QoS 1 publishes are in flight when the node dies (the
 * connector's window: 100 on MQTT 3.1.1).
 *
 * What holds (12 of 12 runs, moves of 0.2–10 s): every publish() resolves,
 * none rejects; every message whose publish resolved reaches the consumer, also those in flight at the
 * kill (re-sent to the next node, whose session is the same JetStream-replicated one: sessionPresent true)
 * and those published during the move (queued by the connector); no duplicates were seen. Asserted: none
 * rejected, none of the resolved ones missing; duplicates are printed.
 */
import { waitForState } from '../../../src/testing/wait-for-state';
import { ARRIVE_MS, ClusterFixture, MOVE, missingAfter, movedOff, runId } from './cluster-fixture';
import { PhasedStream } from './phased-stream';

const fixture = new ClusterFixture().install();
test("killing the publisher's node moves it along its list; every publish() settles, and every one that resolved is received (QoS 1, duplicates counted)", async () => {
  const [n1, , n3] = fixture.nodes();
  const id = runId();
  const data = `cluster/${id}/publisher-move`;
  const MAX = 5000;
  const consumer = await fixture.consumer(n3, data, MAX, { clean: false, clientId: `pub-move-sub-${id}` });
  const publisher = fixture.connector({
    mqttBroker: fixture.listFrom(n1),
    clean: false,
    clientId: `pub-move-pub-${id}`,
  });
  expect(await publisher.connect()).toBe(true);
  expect(publisher.state.broker).toBe(n1.url);

  const stream = new PhasedStream(publisher, data, { max: MAX, afterCount: 200 }).start();
  try {
    await consumer.tracker.whenSeen(0, 50, ARRIVE_MS); // flowing before the kill
    stream.burst(300);
    const inFlightAtKill = publisher.metrics().inFlight;
    const killedAt = Date.now();
    await n1.kill();
    stream.phase = 'during';
    const moved = await waitForState(publisher, movedOff(n1.url), MOVE);
    const movedInMs = Date.now() - killedAt;
    stream.phase = 'after';
    await stream.done;
    await stream.settled(ARRIVE_MS);
    const resolved = stream.withOutcome('resolved');
    const rejected = stream.withOutcome('rejected');
    const missing = await missingAfter(consumer.tracker, resolved, ARRIVE_MS);
    const summary = consumer.tracker.summary();
    console.log(
      `nats cluster, publisher's node killed: moved from n1 to ${fixture.nameOf(moved.broker)} in ${movedInMs} ms ` +
        `(sessionPresent ${String(moved.sessionPresent)}); ${inFlightAtKill} publishes in flight at the kill; ` +
        `published ${stream.published} (before ${stream.numbers('before').length}, during ${stream.numbers('during').length}, after ${stream.numbers('after').length}); ` +
        `resolved ${resolved.length}, rejected ${rejected.length}; received ${summary.unique} distinct, missing ${missing.length} ` +
        `[${missing.slice(0, 10).join(', ')}]; ${summary.duplicates} duplicates; publisher reconnects ${publisher.metrics().reconnects}`,
    );
    expect(rejected).toEqual([]);
    expect(missing).toEqual([]);
    expect(consumer.errors).toEqual([]);
  } finally {
    stream.stop();
  }
}, 150_000);
