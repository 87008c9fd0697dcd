import { DecodeError } from '../../../src/connector/errors';
import { DecodeFailure, PendingDecode } from '../../../src/streams/decode';
import { InOrder } from '../../../src/streams/in-order';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const failure = () => new DecodeFailure(new DecodeError('t', new Uint8Array(), 'bad'));
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function recorder(limit = 10) {
  const events: string[] = [];
  const order = new InOrder<string>(
    {
      value: (value, context) => events.push(`${context}=${String(value)}`),
      failure: (_failure, context) => events.push(`${context}:failed`),
      overflow: (context) => events.push(`${context}:overflow`),
    },
    limit,
  );
  return { events, order };
}

describe('InOrder', () => {
  it('passes synchronous outcomes straight through', () => {
    const { events, order } = recorder();
    order.push(1, 'a');
    order.push(failure(), 'b');
    order.push(3, 'c');
    expect(events).toEqual(['a=1', 'b:failed', 'c=3']);
    expect(order.waiting).toBe(false);
  });

  it('keeps arrival order when an earlier outcome is asynchronous and slower', async () => {
    const { events, order } = recorder();
    const slow = deferred<unknown>();
    const fast = deferred<unknown>();
    order.push(0, 'm0');
    order.push(new PendingDecode(slow.promise), 'm1');
    order.push(2, 'm2');
    order.push(new PendingDecode(fast.promise), 'm3');
    order.push(failure(), 'm4');
    order.push(5, 'm5');
    expect(order.waiting).toBe(true);
    fast.resolve(3);
    await flush();
    expect(events).toEqual(['m0=0']);
    slow.resolve(failure());
    await flush();
    expect(events).toEqual(['m0=0', 'm1:failed', 'm2=2', 'm3=3', 'm4:failed', 'm5=5']);
    expect(order.waiting).toBe(false);
    order.push(6, 'm6');
    expect(events.at(-1)).toBe('m6=6');
  });

  it('refuses outcomes beyond the limit while waiting', async () => {
    const { events, order } = recorder(2);
    const slow = deferred<unknown>();
    order.push(new PendingDecode(slow.promise), 'm0');
    order.push(1, 'm1');
    order.push(2, 'm2');
    expect(events).toEqual(['m2:overflow']);
    slow.resolve(0);
    await flush();
    expect(events).toEqual(['m2:overflow', 'm0=0', 'm1=1']);
  });

  it('delivers nothing after close', async () => {
    const { events, order } = recorder();
    const slow = deferred<unknown>();
    order.push(new PendingDecode(slow.promise), 'm0');
    order.push(1, 'm1');
    order.close();
    slow.resolve(0);
    await flush();
    order.push(2, 'm2');
    expect(events).toEqual([]);
  });
});

describe('InOrder.whenIdle', () => {
  it('calls back at once when nothing waits, else after the last pending outcome', async () => {
    const { events, order } = recorder();
    order.whenIdle(() => events.push('idle-now'));
    const slow = deferred<unknown>();
    order.push(new PendingDecode(slow.promise), 'm0');
    order.push(1, 'm1');
    order.whenIdle(() => events.push('idle'));
    expect(events).toEqual(['idle-now']);
    slow.resolve(0);
    await flush();
    expect(events).toEqual(['idle-now', 'm0=0', 'm1=1', 'idle']);
  });
});
