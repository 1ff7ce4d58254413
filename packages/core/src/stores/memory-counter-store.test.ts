// Unit tests of MemoryCounterStore bounds and windows on a controlled clock.
import { describe, expect, it } from 'vitest';
import { MemoryCounterStore } from './memory-counter-store.js';

describe('MemoryCounterStore', () => {
  it('uses fixed windows: later increments do not move the window end', () => {
    let now = 1_000;
    const store = new MemoryCounterStore({ now: () => now });
    expect(store.increment('k', 100)).toEqual({ count: 1, resetAt: 1_100 });
    now = 1_099;
    expect(store.increment('k', 100)).toEqual({ count: 2, resetAt: 1_100 });
    now = 1_100;
    expect(store.get('k')).toBeUndefined();
    expect(store.increment('k', 100)).toEqual({ count: 1, resetAt: 1_200 });
  });

  it('keeps at most maxKeys counters, so a flood of addresses costs bounded memory', () => {
    const store = new MemoryCounterStore({ maxKeys: 100 });
    for (let i = 0; i < 10_000; i++) store.increment(`ip:${i}`, 60_000);
    let kept = 0;
    for (let i = 0; i < 10_000; i++) if (store.get(`ip:${i}`)) kept++;
    expect(kept).toBe(100);
    expect(store.get('ip:9999')?.count).toBe(1); // the most recent survive
  });

  it('caps set sizes at maxSetSize', () => {
    const store = new MemoryCounterStore({ maxSetSize: 3 });
    const sizes = ['a', 'b', 'c', 'd', 'e'].map((m) => store.addToSet('s', m, 60_000));
    expect(sizes).toEqual([1, 2, 3, 3, 3]);
  });

  it('rejects bad options and windows', () => {
    expect(() => new MemoryCounterStore({ maxKeys: 0 })).toThrow(/`maxKeys`/);
    expect(() => new MemoryCounterStore({ maxSetSize: 2.5 })).toThrow(/`maxSetSize`/);
    expect(() => new MemoryCounterStore({ max: 5 } as never)).toThrow(/`MemoryCounterStore.max`/);
    const store = new MemoryCounterStore();
    expect(() => store.increment('k', 0)).toThrow(TypeError);
    expect(() => store.addToSet('k', 'm', Number.NaN)).toThrow(TypeError);
  });
});
