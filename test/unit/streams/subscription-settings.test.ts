/**
 * `subscribe()` options resolved into settings: checked at every call, and shared between calls with the
 * same values, so that subscribing each filter with `{ qos: 1 }` does not hold a settings object per
 * subscription.
 */
import { InvalidArgumentError, InvalidQosError } from '../../../src/connector/errors';
import type { SubscribeOptions } from '../../../src/streams/subscribe-types';
import { resolveSettings } from '../../../src/streams/subscription-settings';
import { parseFilter } from '../../../src/streams/topic-filter';

const resolve = (options?: SubscribeOptions<unknown>, filter = 'a/b') =>
  resolveSettings(parseFilter(filter), options, 0);

describe('resolveSettings', () => {
  it('shares one settings object between calls with the same option values', () => {
    const first = resolve({ qos: 1 });
    expect(resolve({ qos: 1 })).toBe(first);
    expect(resolve({ qos: 1, decode: 'auto', replayRetained: true, retainHandling: 0 })).toBe(first);
    expect(resolve({ qos: 1 }, 'other/+filter')).toBe(first);
    expect(first).toEqual({
      qos: 1,
      decoder: expect.objectContaining({ name: 'auto' }),
      onDecodeError: undefined,
      gracePeriod: 0,
      replayRetained: true,
      noLocal: false,
      retainAsPublished: false,
      retainHandling: 0,
    });
  });

  it('gives other values other objects, each with its own values', () => {
    const variants: SubscribeOptions<unknown>[] = [
      {},
      { qos: 2 },
      { decode: 'json' },
      { gracePeriod: 500 },
      { replayRetained: false },
      { noLocal: true },
      { retainAsPublished: true },
      { retainHandling: 2 },
    ];
    const settings = variants.map((options) => resolve(options));
    expect(new Set(settings).size).toBe(variants.length);
    expect(settings.map((s) => [s.qos, s.decoder.name, s.gracePeriod])).toEqual([
      [0, 'auto', 0],
      [2, 'auto', 0],
      [0, 'json', 0],
      [0, 'auto', 500],
      [0, 'auto', 0],
      [0, 'auto', 0],
      [0, 'auto', 0],
      [0, 'auto', 0],
    ]);
    expect(settings.map((s) => [s.replayRetained, s.noLocal, s.retainAsPublished, s.retainHandling])).toEqual(
      [
        [true, false, false, 0],
        [true, false, false, 0],
        [true, false, false, 0],
        [true, false, false, 0],
        [false, false, false, 0],
        [true, true, false, 0],
        [true, false, true, 0],
        [true, false, false, 2],
      ],
    );
  });

  it('does not share settings holding the caller’s own decoder or error callback', () => {
    const decode = (payload: Uint8Array) => payload.length;
    const onDecodeError = () => undefined;
    expect(resolve({ decode })).not.toBe(resolve({ decode }));
    expect(resolve({ onDecodeError })).not.toBe(resolve({ onDecodeError }));
    expect(resolve({ onDecodeError }).onDecodeError).toBe(onDecodeError);
  });

  it('still checks every call after equal valid options were shared', () => {
    resolve({ qos: 1 });
    expect(() => resolve({ qos: 3 as 1 })).toThrow(InvalidQosError);
    expect(() => resolve({ decode: 'text' as 'json' })).toThrow(InvalidArgumentError);
    expect(() => resolve({ noLocal: true }, '$share/g/a')).toThrow(InvalidArgumentError);
    expect(() => resolve({ gracePeriod: -1 })).toThrow(InvalidArgumentError);
  });

  it('keeps at most 256 shared settings; the others are resolved per call', () => {
    const many = Array.from({ length: 300 }, (_, i) => resolve({ gracePeriod: 10_000 + i }));
    expect(many.map((s) => s.gracePeriod)).toEqual(Array.from({ length: 300 }, (_, i) => 10_000 + i));
    const last = resolve({ gracePeriod: 10_299 });
    expect(last).not.toBe(many[299]);
    expect(last).toEqual(many[299]);
    expect(resolve({ gracePeriod: 10_000 })).toBe(many[0]);
  });
});
