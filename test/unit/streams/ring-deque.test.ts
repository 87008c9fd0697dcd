/**
 * RingDeque behaves like an array queue (push / shift) under any sequence of operations.
 */
import fc from 'fast-check';
import { RingDeque } from '../../../src/streams/ring-deque.js';

describe('RingDeque', () => {
  it('matches an array model for random push / shift / retain sequences', () => {
    const op = fc.oneof(
      fc.record({ push: fc.integer() }),
      fc.constant({ shift: true as const }),
      fc.constant({ retainEven: true as const }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const deque = new RingDeque<number>();
        const model: number[] = [];
        for (const step of ops) {
          if ('push' in step) {
            deque.push(step.push);
            model.push(step.push);
          } else if ('shift' in step) {
            expect(deque.shift()).toBe(model.shift());
          } else {
            deque.retain((n) => n % 2 === 0);
            model.splice(0, model.length, ...model.filter((n) => n % 2 === 0));
          }
          expect(deque.size).toBe(model.length);
          expect(deque.peek()).toBe(model[0]);
        }
        expect(deque.drain()).toEqual(model);
        expect(deque.size).toBe(0);
      }),
    );
  });

  it('keeps O(1) shift for large queues (100,000 items in and out, in order)', () => {
    const deque = new RingDeque<number>();
    for (let i = 0; i < 100_000; i++) deque.push(i);
    let expected = 0;
    for (let item = deque.shift(); item !== undefined; item = deque.shift()) {
      if (item !== expected) throw new Error(`out of order at ${expected}`);
      expected++;
    }
    expect(expected).toBe(100_000);
  });
});
