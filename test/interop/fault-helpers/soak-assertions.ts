/**
 * What every soak asserts, from its {@link SoakReport}: every publish settled, none lost, the planned
 * faults really happened (each kind, every stall a keepalive timeout), nothing left behind in the
 * connectors, duplicates within what the in-flight windows allow, and the heap within a stated bound.
 */
import { heapGrowth, reconnectsOf, type SoakReport } from './soak';

/** The limits a soak is held to. */
export interface SoakBounds {
  readonly messages: number;
  /** Faults applied at least, all while messages were still being published. */
  readonly minFaults: number;
  /** Faults of each kind (cut, reset, refuse, stall) at least. */
  readonly minEach: number;
  /** Heap growth (after − before, both after full GCs) allowed over the whole soak, bytes. */
  readonly heapGrowthBytes: number;
  /**
   * Duplicates allowed per reconnect (publisher's plus subscriber's); 0 for exactly once. Omit when no
   * in-flight window bounds them (then only the delivery arithmetic is checked).
   */
  readonly duplicatesPerReconnect?: number;
}

/** Asserts what every soak must show (see the module documentation). */
export function expectSoakHealthy(report: SoakReport, bounds: SoakBounds): void {
  expect(report.incomplete).toBeUndefined();
  expect(report.completed).toBe(true);
  // every publish() settled, none rejected
  expect(report.published).toBe(bounds.messages);
  expect(report.rejectionCodes).toEqual({});
  expect(report.fulfilled).toBe(bounds.messages);
  // none lost, nothing foreign; every delivery is a first one or a counted duplicate
  const received = report.received;
  expect(received.missingSample).toEqual([]);
  expect(received.unique).toBe(bounds.messages);
  expect(received.foreign).toBe(0);
  expect(received.deliveries).toBe(received.unique + received.duplicates);
  expect(received.duplicatedNumbers).toBeLessThanOrEqual(received.duplicates);
  expect(report.subscriberMetrics.received).toBe(received.deliveries);
  if (bounds.duplicatesPerReconnect !== undefined) {
    expect(received.duplicates).toBeLessThanOrEqual(bounds.duplicatesPerReconnect * reconnectsOf(report));
  }
  // the faults really happened, on live connections, while messages were flowing: each kind, and every
  // stall long enough that a keepalive timed out
  const faults = report.faults;
  expect(faults.applied).toBeGreaterThanOrEqual(bounds.minFaults);
  expect(report.faultsWhilePublishing).toBeGreaterThanOrEqual(bounds.minFaults);
  for (const count of [faults.cuts, faults.resets, faults.refusals, faults.stalls]) {
    expect(count).toBeGreaterThanOrEqual(bounds.minEach);
  }
  expect(faults.stallsThatDropped).toBe(faults.stalls);
  expect(reconnectsOf(report)).toBeGreaterThanOrEqual(bounds.minFaults);
  // nothing left behind in the connectors
  expect(report.publisherMetrics).toMatchObject({ queued: 0, inFlight: 0, failed: 0, dropped: 0 });
  expect(report.subscriberMetrics.liveFilters).toBe(1);
  // no leak per reconnect: both readings after full GCs, growth within the stated bound
  expect(report.heapBefore.collected).toBe(true);
  expect(report.heapAfter.collected).toBe(true);
  expect(heapGrowth(report)).toBeLessThanOrEqual(bounds.heapGrowthBytes);
}
