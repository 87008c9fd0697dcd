/** FlushWait: the wait of a flushing close, ended by draining or on demand. */
import { FlushWait } from '../../../src/streams/flush-wait';

const settledFlags = (promises: Promise<void>[]) => {
  const flags = promises.map(() => false);
  promises.forEach((p, i) => void p.then(() => (flags[i] = true)));
  return flags;
};
const microtasks = () => new Promise<void>((resolve) => setImmediate(resolve));

test('waits until a check finds the pipeline drained; every waiter ends together', async () => {
  let drained = false;
  const flush = new FlushWait(() => drained);
  const flags = settledFlags([flush.wait(), flush.wait()]);
  expect(flush.waiting).toBe(true);

  flush.check();
  await microtasks();
  expect(flags).toEqual([false, false]);

  drained = true;
  flush.check();
  await microtasks();
  expect([flags, flush.waiting]).toEqual([[true, true], false]);
});

test('end() releases the waiters at once, drained or not, and a later check does nothing', async () => {
  const flush = new FlushWait(() => false);
  const flags = settledFlags([flush.wait()]);
  flush.end();
  flush.check();
  await microtasks();
  expect([flags, flush.waiting]).toEqual([[true], false]);
});

test('check() and end() without a waiter are harmless', () => {
  const flush = new FlushWait(() => true);
  flush.check();
  flush.end();
  expect(flush.waiting).toBe(false);
});
