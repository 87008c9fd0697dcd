/**
 * The bench's per-rep reading of a target (bench/lib/stats.ts repsMeeting): rep i against rep i, so a
 * verdict on medians can say how many reps met it on their own.
 */
import { fixed, repsMeeting, signed } from '../../../bench/lib/stats.js';

const atLeast = (floor: number) => (ours: number, reference: number) => ours / reference >= floor;

describe('repsMeeting', () => {
  it('pairs rep i with rep i, not sorted values', () => {
    // Sorted, every ours would beat its reference; paired by rep, only the first and last do.
    expect(repsMeeting([100, 50, 90], [100, 90, 50], atLeast(0.9))).toBe('2 of 3');
  });

  it('counts over the shorter series (a variant that runs in the first reps only)', () => {
    expect(repsMeeting([10, 10, 10, 10, 10], [1, 2, 1], (a, b) => a / b >= 10)).toBe('2 of 3');
  });

  it('takes any comparison, e.g. a latency that must stay within 1.2× of its reference', () => {
    expect(repsMeeting([120, 130], [100, 100], (a, b) => a / b <= 1.2)).toBe('1 of 2');
  });

  it('says nothing when a side has no reps or a failed run put the series out of step', () => {
    expect(repsMeeting([], [1, 2], atLeast(0.8))).toBeUndefined();
    expect(repsMeeting([1, 2], [1, 2], atLeast(0.8), false)).toBeUndefined();
  });
});

describe('signed', () => {
  it('puts + before a positive difference, nothing before one that shows as zero, and keeps the minus', () => {
    expect(signed(8.4)).toBe('+8');
    expect(signed(-2.2)).toBe('-2');
    expect(signed(0.3)).toBe('0');
    expect(signed(1234)).toBe('+1,234');
    expect(signed(1.625, (v) => fixed(v, 2))).toBe('+1.63');
    expect(signed(-0.4, (v) => fixed(v, 2))).toBe('-0.40');
    expect(signed(0.001, (v) => fixed(v, 2))).toBe('0.00');
  });
});
