/**
 * Soak against aedes (MQTT 3.1.1, `clean: false` sessions, aedes in its own process so that the heap
 * figures are the connectors' alone): 20,000 QoS 1 messages between two connectors behind fault proxies,
 * through at least 20 random cuts, resets and keepalive-timeout stalls. aedes keeps offline messages of a
 * persistent session in memory without a cap, so the broker itself drops nothing here.
 */
import { startAedesProcess, type AedesProcess } from '../../support/aedes-process';
import { formatSoakReport, runSoak } from '../fault-helpers/soak';

const HEAP_BOUND_BYTES = 50 * 1024 * 1024;
const MIN_FAULTS = 20;

let broker: AedesProcess;
beforeAll(async () => {
  broker = await startAedesProcess({ noDelay: true });
});
afterAll(() => broker?.close());

test('QoS 1, MQTT 3.1.1: 20,000 messages through >= 20 cuts, resets and keepalive-timeout stalls: every publish resolves, none lost, duplicates counted', async () => {
  const report = await runSoak({
    name: 'aedes-v4-qos1',
    brokerPort: broker.port,
    messages: 20_000,
    qos: 1,
    protocolVersion: 4,
    keepalive: 1,
    publishSpanMs: 35_000,
    faults: {
      minFaults: MIN_FAULTS,
      maxFaults: 40,
      gapMs: [300, 1200],
      stallMs: [2000, 3000],
      reconnectTimeoutMs: 60_000,
    },
    deadlineMs: 100_000,
  });
  console.log(formatSoakReport(report));
  expect(report.incomplete).toBeUndefined();
  expect(report.completed).toBe(true);
  expect(report.rejectionCodes).toEqual({});
  expect(report.fulfilled).toBe(20_000);
  expect(report.received.missingSample).toEqual([]);
  expect(report.received.unique).toBe(20_000);
  expect(report.received.foreign).toBe(0);
  expect(report.faultsWhilePublishing).toBeGreaterThanOrEqual(MIN_FAULTS);
  expect(report.publisherMetrics.reconnects + report.subscriberMetrics.reconnects).toBeGreaterThanOrEqual(
    MIN_FAULTS,
  );
  expect(report.publisherMetrics).toMatchObject({ queued: 0, inFlight: 0, failed: 0, dropped: 0 });
  expect(report.subscriberMetrics.liveFilters).toBe(1);
  expect(report.heapAfter.heapUsed - report.heapBefore.heapUsed).toBeLessThan(HEAP_BOUND_BYTES);
}, 150_000);
