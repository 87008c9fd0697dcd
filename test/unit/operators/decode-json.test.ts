import { of, Subject, throwError, concat } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { DecodeError } from '../../../src/connector/errors';
import { decodeJson } from '../../../src/operators/decode-json';
import { message } from './message-fixtures';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('decodeJson', () => {
  it('parses the raw bytes as JSON into payload, keeping the rest of the message', () => {
    const raw = message('a/b', '{"level":3}', { params: { id: 'b' }, qos: 1, retain: true });
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-|', { a: raw });
      expectObservable(source.pipe(decodeJson<{ level: number }>())).toBe('-a-|', {
        a: { ...raw, payload: { level: 3 } },
      });
    });
  });

  it('parses raw even when the payload was already decoded otherwise', () => {
    const values: unknown[] = [];
    of(message('a', '[1,2]', { payload: new Uint8Array([1]) }))
      .pipe(decodeJson())
      .subscribe((m) => values.push(m.payload));
    expect(values).toEqual([[1, 2]]);
  });

  it('skips what is not JSON, reports it to onError, and goes on (the stream does not error)', () => {
    const onError = jest.fn();
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-c-|', {
        a: message('t', '1'),
        b: message('t', '{oops'),
        c: message('t', '3'),
      });
      expectObservable(source.pipe(decodeJson({ onError }))).toBe('-a---c-|', {
        a: message('t', '1', { payload: 1 }),
        c: message('t', '3', { payload: 3 }),
      });
    });
    expect(onError).toHaveBeenCalledTimes(1);
    const error = onError.mock.calls[0]?.[0] as DecodeError;
    expect(error).toBeInstanceOf(DecodeError);
    expect(error).toMatchObject({
      code: 'DECODE_FAILED',
      topic: 't',
      raw: new TextEncoder().encode('{oops'),
    });
  });

  it('skips silently without onError, and survives a throwing onError', () => {
    const values: unknown[] = [];
    of(message('t', 'x'), message('t', '2'))
      .pipe(decodeJson())
      .subscribe((m) => values.push(m.payload));
    of(message('t', 'x'), message('t', '3'))
      .pipe(
        decodeJson({
          onError: () => {
            throw new Error('careless');
          },
        }),
      )
      .subscribe((m) => values.push(m.payload));
    expect(values).toEqual([2, 3]);
  });

  it('passes on the source error and unsubscribes from the source when unsubscribed', () => {
    const errors: unknown[] = [];
    concat(
      of(message('t', '1')),
      throwError(() => new Error('source failed')),
    )
      .pipe(decodeJson())
      .subscribe({ error: (error: unknown) => errors.push(error) });
    expect(errors).toEqual([new Error('source failed')]);
    const source = new Subject<ReturnType<typeof message>>();
    const subscription = source.pipe(decodeJson()).subscribe();
    expect(source.observed).toBe(true);
    subscription.unsubscribe();
    expect(source.observed).toBe(false);
  });
});
