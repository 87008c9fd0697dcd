/**
 * The flags of an A/B (bench/lib/ab-variants.ts abSetup), read the same way by bench/tools/ab.ts and by the
 * one-side processes of `--isolate`: the defaults, the combinations refused, and raw's row names.
 */
import { abMessages, abSetup, rawName } from '../../../bench/lib/ab-variants.js';
import { Args } from '../../../bench/lib/args.js';

const setup = (...flags: string[]) => abSetup(new Args(flags));

describe('abSetup', () => {
  it('defaults to 64 B publishes on mosquitto, MQTT 3.1.1, raw in its window', () => {
    expect(setup()).toEqual({
      kind: 'mosquitto',
      path: 'publish',
      size: 64,
      protocolVersion: 4,
      text: false,
      raw: 'window',
    });
  });

  it('reads every flag it knows', () => {
    expect(
      setup('--broker=aedes', '--size=1024', '--protocol=5', '--max-in-flight=20', '--text', '--raw=fire'),
    ).toEqual({
      kind: 'aedes',
      path: 'publish',
      size: 1024,
      protocolVersion: 5,
      maxInFlight: 20,
      text: true,
      raw: 'fire',
    });
    expect(setup('--path=e2e').path).toBe('e2e');
  });

  it('refuses what it cannot run, naming the flag', () => {
    expect(() => setup('--path=latency')).toThrow('--path must be publish or e2e');
    expect(() => setup('--protocol=3')).toThrow('--protocol must be 4 or 5');
    expect(() => setup('--raw=burst')).toThrow('--raw must be window, fire or promised-fire');
    // End to end, the connectors run with default options and raw in its window.
    expect(() => setup('--path=e2e', '--max-in-flight=20')).toThrow('--max-in-flight is for --path=publish');
    expect(() => setup('--path=e2e', '--text')).toThrow('--text is for --path=publish');
    expect(() => setup('--path=e2e', '--raw=fire')).toThrow('--raw=fire is for --path=publish');
  });
});

describe('rawName and abMessages', () => {
  it("names raw's pattern, with its window at the QoS (20 at QoS 2, else 100, or --max-in-flight)", () => {
    expect(rawName(setup(), 1)).toBe('raw, window 100');
    expect(rawName(setup(), 2)).toBe('raw, window 20');
    expect(rawName(setup('--max-in-flight=7'), 2)).toBe('raw, window 7');
    expect(rawName(setup('--protocol=5'), 1)).toBe('raw, window 100 within the Receive Maximum');
    expect(rawName(setup('--protocol=5'), 0)).toBe('raw, window 100');
    expect(rawName(setup('--raw=fire'), 1)).toBe('raw, all fired');
    expect(rawName(setup('--raw=promised-fire'), 1)).toBe('raw, all fired, a promise each, all awaited');
  });

  it('times 20,000 messages at QoS 2 and 50,000 otherwise', () => {
    expect([abMessages(0), abMessages(1), abMessages(2)]).toEqual([50_000, 50_000, 20_000]);
  });
});
