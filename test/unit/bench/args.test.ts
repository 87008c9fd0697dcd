/**
 * The bench's flags: an optional number reads as absent or its number; a flag that may carry a count
 * (`--alloc`, `--alloc=10`) as absent, 0 or its number.
 */
import { Args } from '../../../bench/lib/args';

describe('Args.optionalNumber', () => {
  it('is undefined without the flag and the number given otherwise', () => {
    const args = new Args(['--broker-pid=4242', '--max-in-flight=0']);
    expect([args.optionalNumber('missing'), args.optionalNumber('broker-pid')]).toEqual([undefined, 4242]);
    expect(args.optionalNumber('max-in-flight')).toBe(0);
    expect(() => new Args(['--broker-pid']).optionalNumber('broker-pid')).toThrow(
      '--broker-pid must be a number',
    );
  });
});

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

describe('Args.protocolVersion', () => {
  it('reads 4 or 5, and falls back when absent', () => {
    expect(new Args([]).protocolVersion()).toBe(4);
    expect(new Args([]).protocolVersion(5)).toBe(5);
    expect(new Args(['--protocol=5']).protocolVersion(4, 'mosquitto')).toBe(5);
    expect(new Args(['--protocol=4']).protocolVersion(5, 'aedes')).toBe(4);
  });

  it('refuses another version, and MQTT 5 on aedes', () => {
    expect(() => new Args(['--protocol=3']).protocolVersion()).toThrow('--protocol must be 4 or 5');
    expect(() => new Args(['--protocol=5']).protocolVersion(4, 'aedes')).toThrow(
      'aedes speaks MQTT 3.1.1 only: --protocol=5 needs mosquitto',
    );
  });
});
