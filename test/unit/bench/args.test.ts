/**
 * The bench's flags: a flag that may carry a count (`--alloc`, `--alloc=10`) reads as absent, 0 or its number.
 */
import { Args } from '../../../bench/lib/args';

describe('Args.optionalCount', () => {
  it('is undefined without the flag, 0 for a bare flag and the number given otherwise', () => {
    const args = new Args(['--alloc', '--top=10', '--none=0']);
    expect([args.optionalCount('missing'), args.optionalCount('alloc')]).toEqual([undefined, 0]);
    expect([args.optionalCount('top'), args.optionalCount('none')]).toEqual([10, 0]);
  });

  it('refuses a value that is not a number', () => {
    expect(() => new Args(['--alloc=many']).optionalCount('alloc')).toThrow('--alloc must be a number');
  });
});
