/**
 * Corking shared by the connector's own writes and its per-read batching, over real Node Writables:
 * `flushCorked` hands over what gathered and keeps every cork level; `CorkHold` holds one socket until one
 * scheduled release; `nodeNextTick` finds Node's `process.nextTick` and nothing else.
 */
import { CorkHold, flushCorked, nodeNextTick, openCorkable } from '../../../src/connector/cork.js';
import { recordingWritable } from '../../support/recording-writable';

describe('flushCorked', () => {
  it('hands what gathered to the socket in one batch and leaves every cork level in place', () => {
    const { stream, batches } = recordingWritable();
    stream.cork();
    stream.cork();
    stream.write('a');
    stream.write('b');
    flushCorked(stream);
    expect(batches).toEqual([['a', 'b']]);
    expect(stream.writableCorked).toBe(2);
  });
});

describe('CorkHold', () => {
  it('corks a socket once per release and reports only the first hold', () => {
    const { stream, batches } = recordingWritable();
    const releases: (() => void)[] = [];
    const hold = new CorkHold((release) => releases.push(release));
    expect([hold.hold(stream), hold.hold(stream)]).toEqual([true, false]);
    stream.write('a');
    stream.write('b');
    expect(releases).toHaveLength(1);
    expect(batches).toHaveLength(0);
    releases[0]?.();
    expect(batches).toEqual([['a', 'b']]);
    expect(stream.writableCorked).toBe(0);
    expect(hold.hold(stream)).toBe(true); // held again after the release
  });

  it('holds for a write, and first hands the gathered writes over when it would reach the high-water mark', () => {
    const { stream, batches } = recordingWritable(8);
    const releases: (() => void)[] = [];
    const hold = new CorkHold((release) => releases.push(release));
    hold.holdForWrite(stream, 4);
    stream.write('abcd');
    hold.holdForWrite(stream, 3); // 4 + 3 bytes: still under 8
    stream.write('efg');
    expect(batches).toEqual([]);
    hold.holdForWrite(stream, 1); // 7 + 1: the gathered writes go first
    expect(batches).toEqual([['abcd', 'efg']]);
    expect(stream.writableCorked).toBe(1);
    stream.write('h');
    releases[0]?.();
    expect(batches).toEqual([['abcd', 'efg'], ['h']]);
    expect(stream.writableCorked).toBe(0);
  });

  it('lets the previous socket go at once when another is held, and releases the new one later', () => {
    const old = recordingWritable();
    const next = recordingWritable();
    const releases: (() => void)[] = [];
    const hold = new CorkHold((release) => releases.push(release));
    hold.hold(old.stream);
    old.stream.write('old');
    expect(hold.hold(next.stream)).toBe(true);
    expect(old.batches).toEqual([['old']]);
    expect(old.stream.writableCorked).toBe(0);
    next.stream.write('new');
    expect(releases).toHaveLength(1); // the one pending release now lets the new socket go
    releases[0]?.();
    expect(next.batches).toEqual([['new']]);
    expect(next.stream.writableCorked).toBe(0);
  });
});

describe('openCorkable', () => {
  it('is an open Writable, and undefined once it is ended or destroyed, or for something that is not one', () => {
    const { stream } = recordingWritable();
    expect(openCorkable(stream)).toBe(stream);
    const ended = recordingWritable().stream;
    ended.end();
    expect(openCorkable(ended)).toBeUndefined();
    const destroyed = recordingWritable().stream;
    destroyed.destroy();
    expect(openCorkable(destroyed)).toBeUndefined();
    expect(openCorkable(undefined)).toBeUndefined();
    expect(openCorkable({ write: () => true })).toBeUndefined(); // no cork()
  });
});

describe('nodeNextTick', () => {
  /** Runs `check` with `globalThis.process` replaced by `stand-in` (restored before it returns). */
  function withProcess(standIn: unknown, check: () => void): void {
    const real = Object.getOwnPropertyDescriptor(globalThis, 'process') as PropertyDescriptor;
    Object.defineProperty(globalThis, 'process', { value: standIn, configurable: true, writable: true });
    try {
      check();
    } finally {
      Object.defineProperty(globalThis, 'process', real);
    }
  }

  it("is Node's process.nextTick in Node", () => {
    expect(nodeNextTick()).toBe(process.nextTick);
  });

  it('is undefined for a browser polyfill of process (no versions.node) and without process', () => {
    const polyfill = { nextTick: (run: () => void) => setTimeout(run, 0), versions: {} };
    withProcess(polyfill, () => expect(nodeNextTick()).toBeUndefined());
    withProcess(undefined, () => expect(nodeNextTick()).toBeUndefined());
  });
});
