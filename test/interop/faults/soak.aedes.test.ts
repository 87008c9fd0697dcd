/**
 * Soak against aedes (MQTT 3.1.1, `clean: false` sessions, aedes in its own process so that the heap
 * figures are the connectors' alone): 20,000 QoS 1 messages between two connectors behind fault proxies,
 * through at least 20 random faults, at least 4 each of cuts, resets, refused reconnects and
 * keepalive-timeout stalls; bounded to a minute (its deadline). aedes keeps offline messages of a
 * persistent session in memory without a cap, so the broker itself drops nothing here.
 *
 * Duplicates are counted, not bounded: on MQTT 3.1.1 nothing announces a window, and aedes has no limit on
 * the QoS 1 messages in flight to a subscriber, so everything written towards a subscriber that was cut
 * can come again.
 */
import { startAedesProcess, type AedesProcess } from '../../support/aedes-process';
import { formatSoakReport, runSoak } from '../fault-helpers/soak';
import { expectSoakHealthy } from '../fault-helpers/soak-assertions';

const MIN_FAULTS = 20;
const MIN_EACH = 4;
const DEADLINE_MS = 60_000;
/** Heap growth allowed: 8 MiB, as for the Mosquitto soak (measured here: +1.3 to +2.1 MiB per soak). */
const HEAP_GROWTH_BYTES = 8 * 1024 * 1024;

let broker: AedesProcess;
beforeAll(async () => {
  broker = await startAedesProcess({ noDelay: true });
});
afterAll(() => broker?.close());

test(
  'QoS 1, MQTT 3.1.1: 20,000 messages through >= 20 faults (>= 4 each of cuts, resets, refusals, keepalive-timeout stalls): every publish resolves, none lost, duplicates counted',
  async () => {
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
        minEach: MIN_EACH,
        maxFaults: 40,
        gapMs: [300, 1200],
        stallMs: [2000, 3000],
        reconnectTimeoutMs: 30_000,
      },
      deadlineMs: DEADLINE_MS,
    });
    console.log(formatSoakReport(report, HEAP_GROWTH_BYTES));
    expectSoakHealthy(report, {
      messages: 20_000,
      minFaults: MIN_FAULTS,
      minEach: MIN_EACH,
      heapGrowthBytes: HEAP_GROWTH_BYTES,
    });
  },
  DEADLINE_MS + 20_000,
);
