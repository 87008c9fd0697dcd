import { TestScheduler } from 'rxjs/testing';
import { onlyRetained, skipRetained } from '../../../src/operators/retained';
import { message } from './message-fixtures';

describe('onlyRetained / skipRetained', () => {
  const retained = message('lamp', 'on', { retain: true });
  const live = message('lamp', 'off');

  it('split a stream into retained state and live messages', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('-r-l-r-l-|', { r: retained, l: live });
      expectObservable(source.pipe(onlyRetained())).toBe('-r---r---|', { r: retained });
      expectObservable(source.pipe(skipRetained())).toBe('---l---l-|', { l: live });
    });
  });

  it('pass the source error on', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-r-#', { r: retained }).pipe(onlyRetained())).toBe('-r-#', { r: retained });
    });
  });
});
