// The availability-event throttle: one event per key and window, with the count held back in between.
import { describe, expect, it } from 'vitest';
import { EventThrottle } from './throttle.js';

describe('EventThrottle', () => {
  it('lets the first through, mutes the rest of the window, then reports how many it held back', () => {
    const throttle = new EventThrottle(60_000);
    expect(throttle.pass('acme\0embedder_failed', 1_000)).toBe(0);
    expect(throttle.pass('acme\0embedder_failed', 2_000)).toBeUndefined();
    expect(throttle.pass('acme\0embedder_failed', 60_999)).toBeUndefined();
    // Another key has a window of its own.
    expect(throttle.pass('globex\0embedder_failed', 2_000)).toBe(0);
    expect(throttle.pass('acme\0embedder_failed', 61_000)).toBe(2);
    expect(throttle.pass('acme\0embedder_failed', 61_001)).toBeUndefined();
  });

  it('stays bounded under a flood of distinct keys', () => {
    const throttle = new EventThrottle(60_000, 3);
    for (let i = 0; i < 3; i++) expect(throttle.pass(`t${i}`, 0)).toBe(0);
    expect(throttle.pass('t0', 1)).toBeUndefined();
    // The fourth key clears the table: t0 may speak again, at the price of a lost count.
    expect(throttle.pass('t3', 2)).toBe(0);
    expect(throttle.pass('t0', 3)).toBe(0);
  });
});
