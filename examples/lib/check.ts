/**
 * What each example shows is also checked: a check that fails throws, so the example (and `npm run
 * examples` in CI) exits non-zero instead of printing something wrong.
 */
import { deepStrictEqual } from 'node:assert/strict';

/** Throws unless `actual` deeply equals `expected`; prints the check when it holds. */
export function check<T>(what: string, actual: T, expected: T): void {
  deepStrictEqual(actual, expected, `${what}: expected ${show(expected)}, got ${show(actual)}`);
  console.log(`check: ${what}: ${show(actual)}`);
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
