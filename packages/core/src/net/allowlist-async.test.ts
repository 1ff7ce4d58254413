// The sliced compile gives the sync compile's verdicts and errors, yields to the event loop, and swaps atomically.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AllowlistHolder, compileAllowlist, compileAllowlistAsync } from './allowlist.js';

const v4 = (n: number): string => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
const v6 = (words: number[]): string => words.map((w) => w.toString(16)).join(':');
const mask4 = (prefix: number): number => (prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0);

/** A random canonical CIDR (host bits cleared) and a few addresses in and around it. */
const entryArb = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 32 })).map(([raw, prefix]) => {
    const net = (raw & mask4(prefix)) >>> 0;
    const last = (net | ~mask4(prefix)) >>> 0;
    return { cidr: `${v4(net)}/${prefix}`, probes: [v4(net), v4(last), v4((last + 1) >>> 0), `::ffff:${v4(net)}`] };
  }),
  fc.tuple(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), fc.integer({ min: 16, max: 64 })).map(([words, prefix]) => {
    const kept = words.map((w, i) => (i * 16 >= prefix ? 0 : i * 16 + 16 <= prefix ? w : w & (0xffff << (16 - (prefix - i * 16))) & 0xffff));
    const inside = kept.map((w, i) => (i === 7 ? w | 1 : w));
    return { cidr: `${v6(kept)}/${prefix}`, probes: [v6(kept), v6(inside), v6(words)] };
  }),
);

/** Resolves after `n` turns of the event loop. */
const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

function bigList(count: number, base: number): string[] {
  // Every other /24 from `base` up: nothing merges, so the compile has all of them to sort.
  return Array.from({ length: count }, (_, i) => `${v4((base + i * 512) >>> 0)}/24`);
}

describe('compileAllowlistAsync', () => {
  it('gives the same verdicts as the sync compile on random lists, in very short slices', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(entryArb, { minLength: 0, maxLength: 300 }), fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 20 }), async (entries, randoms) => {
        const cidrs = entries.map((e) => e.cidr);
        const sync = compileAllowlist(cidrs);
        const sliced = await compileAllowlistAsync(cidrs, 'ipAllowlist', { sliceMs: 0.1 });
        expect(sliced.size).toBe(sync.size);
        for (const probe of [...entries.flatMap((e) => e.probes), ...randoms.map(v4), 'not an address']) {
          expect(sliced.contains(probe)).toBe(sync.contains(probe));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('rejects with the sync compile’s error, naming the entry', async () => {
    const bad = [...bigList(3000, 0x0b000000), '192.0.2.1/24'];
    let syncMessage = '';
    try {
      compileAllowlist(bad);
    } catch (error) {
      syncMessage = (error as Error).message;
    }
    expect(syncMessage).toMatch(/entry 3000 .*did you mean 192\.0\.2\.0\/24/);
    await expect(compileAllowlistAsync(bad, 'ipAllowlist', { sliceMs: 0.5 })).rejects.toThrow(syncMessage);
    await expect(compileAllowlistAsync('10.0.0.0/8' as unknown as string[])).rejects.toThrow(/must be an array/);
    await expect(compileAllowlistAsync(['10.0.0.0/8'], 'ipAllowlist', { sliceMs: 0 })).rejects.toThrow(/sliceMs/);
  });

  it('lets other callbacks run while a 100,000-range list compiles', async () => {
    let ticks = 0;
    let done = false;
    const compiling = compileAllowlistAsync(bigList(100_000, 0x0b000000), 'ipAllowlist', { sliceMs: 2 }).finally(() => {
      done = true;
    });
    while (!done) {
      await turns(1);
      ticks++;
    }
    const list = await compiling;
    expect(list.contains('11.0.0.7')).toBe(true);
    expect(list.contains('11.0.1.7')).toBe(false);
    expect(ticks).toBeGreaterThan(5);
  });

  it('uses a copy of the list and stops when aborted', async () => {
    const cidrs = ['10.0.0.0/8'];
    const compiling = compileAllowlistAsync(cidrs);
    cidrs[0] = '192.0.2.0/24';
    expect((await compiling).contains('10.1.2.3')).toBe(true);
    const controller = new AbortController();
    const aborted = compileAllowlistAsync(bigList(50_000, 0x0b000000), 'ipAllowlist', { sliceMs: 1, signal: controller.signal });
    controller.abort(new Error('stop now'));
    await expect(aborted).rejects.toThrow('stop now');
  });
});

describe('AllowlistHolder.setAsync', () => {
  it('keeps serving the old list until the new one is complete, then swaps', async () => {
    const holder = new AllowlistHolder(['10.0.0.0/8']);
    let settled = false;
    const swapping = holder.setAsync(bigList(100_000, 0x0b000000), { sliceMs: 2 }).then((applied) => {
      settled = true;
      return applied;
    });
    let observed = 0;
    while (!settled) {
      // Every turn in between sees exactly the old list, never a half-built one.
      expect(holder.contains('10.9.9.9')).toBe(true);
      expect(holder.contains('11.0.0.7')).toBe(false);
      expect(holder.size).toBe(1);
      observed++;
      await turns(1);
    }
    expect(observed).toBeGreaterThan(5);
    expect(await swapping).toBe(true);
    expect(holder.contains('10.9.9.9')).toBe(false);
    expect(holder.contains('11.0.0.7')).toBe(true);
    expect(holder.size).toBe(100_000);
  });

  it('rejects a bad list and leaves the old one in force', async () => {
    const holder = new AllowlistHolder(['10.0.0.0/8']);
    await expect(holder.setAsync([...bigList(5000, 0x0b000000), '0.0.0.0/0'], { sliceMs: 1 })).rejects.toThrow(/entry 5000 .*matches every IPv4 address/);
    expect(holder.contains('10.1.1.1')).toBe(true);
    expect(holder.contains('11.0.0.7')).toBe(false);
  });

  it('the newest successful call wins, whatever order the compiles finish in', async () => {
    const holder = new AllowlistHolder(['10.0.0.0/8']);
    const slow = holder.setAsync(bigList(50_000, 0x0b000000), { sliceMs: 1 });
    holder.set(['192.0.2.0/24']);
    expect(await slow).toBe(false);
    expect(holder.contains('192.0.2.1')).toBe(true);
    expect(holder.contains('11.0.0.7')).toBe(false);

    // A newer call that fails does not cancel an older one that succeeds.
    const older = holder.setAsync(bigList(20_000, 0x0b000000), { sliceMs: 1 });
    await expect(holder.setAsync(['10.0.0.1/8'])).rejects.toThrow(/host bits/);
    expect(await older).toBe(true);
    expect(holder.contains('11.0.0.7')).toBe(true);

    expect(await holder.setAsync(null)).toBe(true);
    expect(holder.configured).toBe(false);
  });
});
