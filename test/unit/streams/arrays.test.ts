import { chunks, slotWithoutAll } from '../../../src/streams/arrays';

describe('slotWithoutAll', () => {
  const gone = new Set(['b', 'd']);

  it('keeps an empty slot, a single item that stays, and a list none of whose items go as they are', () => {
    const list = ['a', 'c'] as const;
    expect(slotWithoutAll(undefined, gone)).toBeUndefined();
    expect(slotWithoutAll('a', gone)).toBe('a');
    expect(slotWithoutAll(list, gone)).toBe(list);
  });

  it('removes a single item, and shrinks a list to a new list, a single item or nothing', () => {
    const list = ['a', 'b', 'c', 'd'];
    expect(slotWithoutAll('b', gone)).toBeUndefined();
    expect(slotWithoutAll(list, gone)).toEqual(['a', 'c']);
    expect(list).toEqual(['a', 'b', 'c', 'd']); // copy on write: a dispatch may be iterating it
    expect(slotWithoutAll(['b', 'c'], gone)).toBe('c');
    expect(slotWithoutAll(['b', 'd'], gone)).toBeUndefined();
  });
});

describe('chunks', () => {
  it('cuts a list into consecutive arrays of at most the size', () => {
    expect(chunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunks([1, 2], 2)).toEqual([[1, 2]]);
    expect(chunks([], 3)).toEqual([]);
  });
});
