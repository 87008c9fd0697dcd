/**
 * Variants of scenario 8 (bench/scenarios/mqtt5.ts) as pairs: raw MQTT.js and the connector on each MQTT
 * version, run in rotation, and the table rows and target lines that compare each pair's medians.
 */
import type { QoS } from '../../src/connector/types.js';
import type { TargetCheck } from './output.js';
import type { ScenarioContext } from './scenario.js';
import { fixed, int, repsMeeting, spread, spreadText, times } from './stats.js';
import { rotate } from './timing.js';

/** An MQTT protocol version as MQTT.js numbers it: 4 is MQTT 3.1.1. */
export type Version = 4 | 5;
/** MQTT 5 first: the table lists each pair's MQTT 5 rows above their MQTT 3.1.1 twins. */
const VERSIONS: readonly Version[] = [5, 4];

/** The version's name in a table row. */
export function versionName(version: Version): string {
  return version === 5 ? 'MQTT 5' : 'MQTT 3.1.1';
}

/** One variant of a part: raw MQTT.js or the connector, on one version. */
export interface Variant {
  readonly name: string;
  readonly version: Version;
  readonly raw: boolean;
}

/** Raw and connector on each version, in the order the table lists them. */
export function variantsOf(describeRaw: (version: Version) => string): Variant[] {
  return VERSIONS.flatMap((version) => [
    { name: describeRaw(version), version, raw: true },
    { name: `${versionName(version)}, connector`, version, raw: false },
  ]);
}

/**
 * Runs every variant `reps` times in rotating order, after one discarded warm-up each (`run(variant,
 * true)`); `reserveMs` is the time one rep may need.
 */
export async function repeat<R>(
  ctx: ScenarioContext,
  list: readonly Variant[],
  reps: number,
  run: (variant: Variant, warmUp: boolean) => Promise<R>,
  reserveMs: number,
): Promise<Map<Variant, R[]>> {
  for (const variant of list) await run(variant, true);
  const results = new Map<Variant, R[]>(list.map((v) => [v, []]));
  for (let rep = 0; rep < reps; rep++) {
    ctx.checkTime(reserveMs);
    for (const variant of rotate(list, rep)) results.get(variant)?.push(await run(variant, false));
  }
  return results;
}

/** Keeps a part's per-rep results in the run's JSON (`raw.mqtt5`), by variant name, for later analysis. */
export function keepRaw<R>(
  ctx: ScenarioContext,
  key: string,
  results: ReadonlyMap<Variant, readonly R[]>,
): void {
  const all = (ctx.out.raw.mqtt5 ??= {}) as Record<string, unknown>;
  all[key] = Object.fromEntries([...results].map(([variant, reps]) => [variant.name, reps]));
}

/** Raw's variant and the connector's on `version`. */
export function pairOf(list: readonly Variant[], version: Version): [raw: Variant, connector: Variant] {
  const raw = list.find((v) => v.version === version && v.raw) as Variant;
  const ours = list.find((v) => v.version === version && !v.raw) as Variant;
  return [raw, ours];
}

/** A part's runs: each one's rate and CPU per message, and why it failed, if it did. */
export interface Run {
  readonly rate: number;
  readonly cpu: number;
  readonly error?: string;
}

/** The rates of `variant`'s runs, in rep order. */
function ratesOf(results: ReadonlyMap<Variant, readonly Run[]>, variant: Variant): number[] {
  return (results.get(variant) ?? []).map((run) => run.rate);
}

/** The median of those rates. */
function medianRate(results: ReadonlyMap<Variant, readonly Run[]>, variant: Variant): number {
  return spread(ratesOf(results, variant)).median;
}

/**
 * The table rows of a throughput part: each variant's rates and CPU, the connector's median against raw's on
 * the same version, and `notes` (its runs' errors are added).
 */
export function rateRows<R extends Run>(
  measure: string,
  qos: QoS,
  list: readonly Variant[],
  results: ReadonlyMap<Variant, readonly R[]>,
  notes: (runs: readonly R[]) => string[] = () => [],
): string[][] {
  return list.map((variant) => {
    const runs = results.get(variant) ?? [];
    const [raw] = pairOf(list, variant.version);
    const errors = [...new Set(runs.flatMap((run) => (run.error === undefined ? [] : [run.error])))];
    const failed = runs.filter((run) => run.error !== undefined).length;
    return [
      measure,
      `${qos}`,
      variant.name,
      spreadText(spread(ratesOf(results, variant))),
      variant.raw ? '–' : times(medianRate(results, variant) / medianRate(results, raw)),
      fixed(spread(runs.map((run) => run.cpu)).median, 1),
      [...notes(runs), ...(failed > 0 ? [`FAILED ${failed}: ${errors.join('; ')}`] : [])].join('; '),
    ];
  });
}

/** The target line of a ratio: the connector's median against raw's on MQTT 5, and the reps that met it. */
export function ratioTarget(
  target: string,
  where: string,
  list: readonly Variant[],
  results: ReadonlyMap<Variant, readonly Run[]>,
  floor: number,
  valid: boolean,
): TargetCheck {
  const [raw, ours] = pairOf(list, 5);
  const ratio = medianRate(results, ours) / medianRate(results, raw);
  const failed = (results.get(ours) ?? []).some((run) => run.error !== undefined);
  return {
    target,
    where,
    measured: valid
      ? `${int(medianRate(results, ours))} vs ${int(medianRate(results, raw))} msgs/s = ${times(ratio)}`
      : 'raw failed or lost messages: no reference',
    met: valid ? !failed && ratio >= floor : null,
    reps: valid
      ? repsMeeting(ratesOf(results, ours), ratesOf(results, raw), (a, b) => a / b >= floor)
      : undefined,
  };
}
