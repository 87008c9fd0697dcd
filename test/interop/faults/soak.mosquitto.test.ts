/**
 * Soak against Mosquitto (MQTT 5, persistent sessions with session expiry): numbered messages from one
 * connector to another, both behind fault proxies, through at least 20 random faults, at least 4 of each
 * kind: cuts, resets, cuts followed by refused reconnects, and stalls of 2–3 s with keepalive 1 s (so
 * that every stall ends in a keepalive timeout). Each soak is bounded to a minute (its deadline).
 *
 * The broker is configured NOT to drop: `max_queued_messages 0` and `max_queued_bytes 0`
 * (MOSQUITTO_NO_QUEUE_LIMITS). Stock mosquitto queues at most 1000 messages per offline or slow client and
 * silently drops QoS 1/2 beyond that (see limits.mosquitto.test.ts), which would make any "none lost" claim
 * about the connector meaningless. `max_inflight_messages` keeps its default (20): mosquitto announces it as
 * Receive Maximum and the connector's window follows it.
 */
import { MOSQUITTO_NO_QUEUE_LIMITS, startMosquitto, type MosquittoBroker } from '../../support/mosquitto';
import { formatSoakReport, runSoak } from '../fault-helpers/soak';
import { expectSoakHealthy } from '../fault-helpers/soak-assertions';

const FAULTS = {
  minFaults: 20,
  minEach: 4,
  maxFaults: 40,
  gapMs: [300, 1200],
  stallMs: [2000, 3000],
  reconnectTimeoutMs: 30_000,
} as const;

/** Publishing is spread over 35 s; the deadline bounds the whole run (faults, re-sends, stragglers). */
const PUBLISH_SPAN_MS = 35_000;
const DEADLINE_MS = 60_000;
const TEST_TIMEOUT_MS = DEADLINE_MS + 20_000;

/**
 * Heap growth allowed over a soak: 8 MiB. Measured growth after full GCs: +0.2 to +2.4 MiB per soak (24–36
 * reconnects; most of it in the first soak of the file: code compiled, caches filled). The bound is about
 * 3× the worst, and with >= 20 reconnects a leak of 300 KiB per reconnect (or of 400 bytes per message of
 * the QoS 1 soak) would exceed it.
 */
const HEAP_GROWTH_BYTES = 8 * 1024 * 1024;

/**
 * QoS 1 duplicates come from messages in flight when a connection dies, and only those: the publisher
 * re-sends what it had not seen acknowledged (at most its window, the broker's Receive Maximum of 20;
 * the broker may already have had them), and mosquitto re-sends to the subscriber what it had not seen
 * acknowledged (at most its `max_inflight_messages`, 20). So at most 20 per reconnect of either side.
 */
const IN_FLIGHT_WINDOW = 20;

let broker: MosquittoBroker;
beforeAll(async () => {
  broker = await startMosquitto({ config: MOSQUITTO_NO_QUEUE_LIMITS });
});
afterAll(() => broker?.close());

/** One soak of `messages` at `qos`; prints its figures, then asserts them. */
async function soak(qos: 1 | 2, messages: number, duplicatesPerReconnect: number): Promise<void> {
  const report = await runSoak({
    name: `mosquitto-v5-qos${qos}`,
    brokerPort: broker.ports.plain as number,
    messages,
    qos,
    protocolVersion: 5,
    keepalive: 1,
    publishSpanMs: PUBLISH_SPAN_MS,
    faults: FAULTS,
    deadlineMs: DEADLINE_MS,
  });
  console.log(formatSoakReport(report, HEAP_GROWTH_BYTES));
  expectSoakHealthy(report, {
    messages,
    minFaults: FAULTS.minFaults,
    minEach: FAULTS.minEach,
    heapGrowthBytes: HEAP_GROWTH_BYTES,
    duplicatesPerReconnect,
  });
}

test(
  'QoS 1, MQTT 5: 20,000 messages through >= 20 faults (>= 4 each of cuts, resets, refusals, keepalive-timeout stalls): every publish resolves, none lost, duplicates counted and bounded by the in-flight windows',
  () => soak(1, 20_000, IN_FLIGHT_WINDOW),
  TEST_TIMEOUT_MS,
);

test(
  'QoS 2, MQTT 5: 5,000 messages through >= 20 faults (>= 4 each of cuts, resets, refusals, keepalive-timeout stalls): none lost, none duplicated',
  () => soak(2, 5_000, 0), // exactly once: no duplicate at all
  TEST_TIMEOUT_MS,
);
