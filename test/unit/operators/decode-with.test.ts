import { Subject, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { z } from 'zod';
import type { DecodeError } from '../../../src/connector/errors';
import type { MqttMessage } from '../../../src/connector/types';
import { decodeJson } from '../../../src/operators/decode-json';
import { decodeWith } from '../../../src/operators/decode-with';
import type { StandardSchemaV1 } from '../../../src/streams/standard-schema';
import { message } from './message-fixtures';

const Reading = z.object({ celsius: z.number() });

describe('decodeWith (Standard Schema)', () => {
  it('emits the schema output as payload, typed, and skips refused payloads with their issues', () => {
    const onError = jest.fn();
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('-a-b-|', {
        a: message('s/1', '{"celsius":21}', { payload: { celsius: 21 } }),
        b: message('s/1', '{"celsius":"hot"}', { payload: { celsius: 'hot' } }),
      });
      const decoded = source.pipe(decodeWith(Reading, { onError }));
      expectObservable(decoded).toBe('-a---|', {
        a: message('s/1', '{"celsius":21}', { payload: { celsius: 21 } }),
      });
    });
    const error = onError.mock.calls[0]?.[0] as DecodeError;
    expect(error).toMatchObject({ code: 'DECODE_FAILED', topic: 's/1' });
    expect(error.issues[0]?.path).toEqual(['celsius']);
  });

  it('types the payload as the schema output after decodeJson', () => {
    const seen: number[] = [];
    of(message('s', '{"celsius":5}'))
      .pipe(decodeJson(), decodeWith(Reading.transform((r) => r.celsius * 2)))
      .subscribe((m: MqttMessage<number>) => seen.push(m.payload));
    expect(seen).toEqual([10]);
  });

  it('keeps arrival order with an asynchronous schema and completes after the last validation', async () => {
    const delays: Record<number, number> = { 1: 30, 2: 1, 3: 10 };
    const slow: StandardSchemaV1<unknown, number> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: (value) =>
          new Promise((resolve) =>
            setTimeout(
              () => resolve(value === 2 ? { issues: [{ message: 'no twos' }] } : { value: value as number }),
              delays[value as number],
            ),
          ),
      },
    };
    const source = new Subject<MqttMessage<unknown>>();
    const values: unknown[] = [];
    const errors: string[] = [];
    const done = new Promise<void>((resolve) =>
      source
        .pipe(decodeWith(slow, { onError: (e) => errors.push(e.issues[0]?.message ?? '') }))
        .subscribe({ next: (m) => values.push(m.payload), complete: resolve }),
    );
    for (const n of [1, 2, 3]) source.next(message('t', String(n), { payload: n }));
    source.complete();
    await done;
    expect(values).toEqual([1, 3]);
    expect(errors).toEqual(['no twos']);
  });

  it('skips and reports beyond maxPending asynchronous validations', async () => {
    const never: StandardSchemaV1<unknown, unknown> = {
      '~standard': { version: 1, vendor: 'test', validate: () => new Promise(() => undefined) },
    };
    const errors: DecodeError[] = [];
    const source = new Subject<MqttMessage<unknown>>();
    const subscription = source
      .pipe(decodeWith(never, { maxPending: 2, onError: (e) => errors.push(e) }))
      .subscribe();
    for (const n of [1, 2, 3]) source.next(message('t', String(n)));
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/2 asynchronous validations already waiting/),
    ]);
    subscription.unsubscribe();
  });
});
