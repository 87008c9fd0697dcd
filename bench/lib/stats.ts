/**
 * Summary statistics and number formatting for the bench tables.
 */

/** Min, median and max of a series (NaN when empty). */
export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
  readonly count: number;
}

/** Sorted copy, ascending. */
function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** The median (mean of the two middle values for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = sorted(values);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = sorted(values);
  const rank = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)));
  return s[rank - 1] as number;
}

/** Min / median / max. */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { min: Number.NaN, median: Number.NaN, max: Number.NaN, count: 0 };
  const s = sorted(values);
  return { min: s[0] as number, median: median(s), max: s[s.length - 1] as number, count: s.length };
}

/** Integer with thousands separators ("12,345"); "–" for NaN. */
export function int(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return Math.round(value).toLocaleString('en-US');
}

/** Fixed decimals; "–" for NaN. */
export function fixed(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return '–';
  return value.toFixed(digits);
}

/** A difference with its sign, formatted by `format`: "+8", "-2", "0" (no sign where it shows as zero). */
export function signed(difference: number, format: (value: number) => string = int): string {
  const text = format(difference);
  return difference > 0 && text !== format(0) ? `+${text}` : text;
}

/** A number with about three significant digits (0.285, 28.5, 2,850). */
export function sig(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 100) return int(value);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

/** "min / **median** / max" with a formatter. */
export function spreadText(s: Spread, format: (value: number) => string = int): string {
  if (s.count === 0) return '–';
  return `${format(s.min)} / **${format(s.median)}** / ${format(s.max)}`;
}

/**
 * How many reps meet a target on their own, as "3 of 5": rep i of `ours` against rep i of `reference`
 * (one rotation of the variants runs them side by side). Beside a verdict on medians it tells a row that
 * the machine's spells decide (reps both ways) from a steady gap (none, or all). `undefined` when a side
 * has no reps, or a failed run left the two series out of step (`inStep` false).
 */
export function repsMeeting(
  ours: readonly number[],
  reference: readonly number[],
  meets: (ours: number, reference: number) => boolean,
  inStep = true,
): string | undefined {
  const count = Math.min(ours.length, reference.length);
  if (count === 0 || !inStep) return undefined;
  let met = 0;
  for (let i = 0; i < count; i++) if (meets(ours[i] as number, reference[i] as number)) met++;
  return `${met} of ${count}`;
}

/** A ratio as "0.93×". */
export function times(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return '–';
  if (value >= 100) return `${int(value)}×`;
  return `${value.toFixed(digits)}×`;
}
