/**
 * Soak against Mosquitto (MQTT 5, persistent sessions with session expiry): numbered messages from one
 * connector to another, both behind fault proxies, through at least 20 random cuts, resets, refusals and stalls
 * (stalls of 2–3 s with keepalive 1 s, so keepalives time out).
 *
 * The broker is configured NOT to drop: `max_queued_messages 0` and `max_queued_bytes 0`
 * (MOSQUITTO_NO_QUEUE_LIMITS). Stock mosquitto queues at most 1000 messages per offline or slow client and
 * silently drops QoS 1/2 beyond that (see limits.mosquitto.test.ts), which would make any "none lost" claim
 * about the connector meaningless. `max_inflight_messages` keeps its default (20): mosquitto announces it as
 * Receive Maximum and the connector's window follows it.
 */
import { MOSQUITTO_NO_QUEUE_LIMITS, startMosquitto, type MosquittoBroker } from '../../support/mosquitto';
import { formatSoakReport, runSoak, type SoakReport } from '../fault-helpers/soak';

/** Heap growth allowed over a soak (generous: it runs in a shared Jest worker with other files' leftovers). */
const HEAP_BOUND_BYTES = 50 * 1024 * 1024;

const FAULTS = {
  minFaults: 20,
  maxFaults: 40,
  gapMs: [300, 1200],
  stallMs: [2000, 3000],
  reconnectTimeoutMs: 60_000,
} as const;

let broker: MosquittoBroker;
beforeAll(async () => {
  broker = await startMosquitto({ config: MOSQUITTO_NO_QUEUE_LIMITS });
});
afterAll(() => broker?.close());

function expectHealthy(report: SoakReport): void {
  expect(report.incomplete).toBeUndefined();
  expect(report.completed).toBe(true);
  // every publish() settled, none rejected
  expect(report.published).toBe(report.received.total);
  expect(report.rejectionCodes).toEqual({});
  expect(report.fulfilled).toBe(report.published);
  // none lost
  expect(report.received.missingSample).toEqual([]);
  expect(report.received.unique).toBe(report.received.total);
  expect(report.received.foreign).toBe(0);
  // the faults really happened, on live connections, while messages were flowing
  expect(report.faults.applied).toBeGreaterThanOrEqual(FAULTS.minFaults);
  expect(report.faultsWhilePublishing).toBeGreaterThanOrEqual(FAULTS.minFaults);
  expect(report.publisherMetrics.reconnects + report.subscriberMetrics.reconnects).toBeGreaterThanOrEqual(
    FAULTS.minFaults,
  );
  // nothing left behind in the connectors
  expect(report.publisherMetrics).toMatchObject({ queued: 0, inFlight: 0, failed: 0, dropped: 0 });
  expect(report.subscriberMetrics.liveFilters).toBe(1);
  // no leak per reconnect
  expect(report.heapAfter.heapUsed - report.heapBefore.heapUsed).toBeLessThan(HEAP_BOUND_BYTES);
}

test('QoS 1, MQTT 5: 20,000 messages through >= 20 cuts, resets and keepalive-timeout stalls: every publish resolves, none lost, duplicates counted', async () => {
  const report = await runSoak({
    name: 'mosquitto-v5-qos1',
    brokerPort: broker.ports.plain as number,
    messages: 20_000,
    qos: 1,
    protocolVersion: 5,
    keepalive: 1,
    publishSpanMs: 35_000,
    faults: FAULTS,
    deadlineMs: 100_000,
  });
  console.log(formatSoakReport(report));
  expectHealthy(report);
  expect(report.received.duplicates).toBeGreaterThanOrEqual(0); // allowed for QoS 1; the figure is in the log
}, 150_000);

test('QoS 2, MQTT 5: 5,000 messages through >= 20 cuts, resets and keepalive-timeout stalls: none lost, none duplicated', async () => {
  const report = await runSoak({
    name: 'mosquitto-v5-qos2',
    brokerPort: broker.ports.plain as number,
    messages: 5_000,
    qos: 2,
    protocolVersion: 5,
    keepalive: 1,
    publishSpanMs: 35_000,
    faults: FAULTS,
    deadlineMs: 100_000,
  });
  console.log(formatSoakReport(report));
  expectHealthy(report);
  expect(report.received.duplicates).toBe(0);
}, 150_000);
