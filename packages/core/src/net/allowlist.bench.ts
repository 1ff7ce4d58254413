// Benchmark: compiled allowlist lookup vs a linear ipaddr.js scan at 10, 1,000 and 100,000 ranges.
import { pathToFileURL } from 'node:url';
import ipaddr from 'ipaddr.js';
import { compileAllowlist } from './allowlist.js';

/** One row of the benchmark: nanoseconds per lookup, string parsing included. */
export interface AllowlistBenchRow {
  ranges: number;
  compileMs: number;
  guardNsPerOp: number;
  guardIterations: number;
  linearNsPerOp: number;
  linearIterations: number;
  hitRate: number;
}

// Deterministic generator (mulberry32) so runs are comparable.
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const u32 = (r: () => number): number => Math.floor(r() * 4294967296);
const v4Text = (v: number): string => `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
const v6Text = (parts: number[]): string => new ipaddr.IPv6(parts).toRFC5952String();

interface Generated {
  cidrs: string[];
  probes: string[];
}

function generate(count: number, seed: number): Generated {
  const r = rng(seed);
  const cidrs: string[] = [];
  const hits: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 2 === 0) {
      const prefix = 16 + Math.floor(r() * 17);
      const mask = prefix === 32 ? 0xffffffff : ~(0xffffffff >>> prefix) >>> 0;
      const network = (u32(r) & mask) >>> 0;
      cidrs.push(`${v4Text(network)}/${prefix}`);
      if (hits.length < 512) hits.push(v4Text((network | (u32(r) & ~mask)) >>> 0));
    } else {
      const prefix = 32 + Math.floor(r() * 97);
      const parts = Array.from({ length: 8 }, () => Math.floor(r() * 65536));
      const address = new ipaddr.IPv6(parts);
      const network = ipaddr.IPv6.networkAddressFromCIDR(`${address.toRFC5952String()}/${prefix}`);
      cidrs.push(`${network.toRFC5952String()}/${prefix}`);
      if (hits.length < 512) hits.push(address.toRFC5952String());
    }
  }
  const probes: string[] = [];
  for (let i = 0; i < 1024; i++) {
    if (i % 2 === 0) probes.push(hits[(i >> 1) % hits.length]!);
    else if (i % 4 === 1) probes.push(v4Text(u32(r)));
    else probes.push(v6Text(Array.from({ length: 8 }, () => Math.floor(r() * 65536))));
  }
  return { cidrs, probes };
}

/** Process CPU time in ns: time the OS spends on other processes does not count (the machine may be shared). */
function cpuNs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) * 1000;
}

function time(iterations: number, probes: string[], lookup: (address: string) => boolean, clock: () => number = cpuNs): { ns: number; hits: number } {
  let hits = 0;
  const start = clock();
  for (let i = 0; i < iterations; i++) if (lookup(probes[i & 1023]!)) hits++;
  return { ns: (clock() - start) / iterations, hits };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;

/**
 * Runs the benchmark and returns one row per list size. Options default to the sizes.
 * The compiled lookups of all sizes are timed in interleaved rounds (median per size), so a burst
 * of load on a shared machine skews one round of every size instead of one size's whole figure.
 */
export function benchAllowlist(sizes: readonly number[] = [10, 1_000, 100_000], rounds = 15): AllowlistBenchRow[] {
  const setups = sizes.map((size) => {
    const { cidrs, probes } = generate(size, size);
    const compileStart = process.hrtime.bigint();
    const list = compileAllowlist(cidrs);
    const compileMs = Number(process.hrtime.bigint() - compileStart) / 1e6;
    const lookup = (a: string): boolean => list.contains(a);
    time(200_000, probes, lookup); // warm-up
    return { size, cidrs, probes, compileMs, lookup, samples: [] as number[], hits: 0 };
  });
  const perRound = 200_000;
  for (let r = 0; r < rounds; r++) {
    for (const setup of r % 2 === 0 ? setups : [...setups].reverse()) {
      const { ns, hits } = time(perRound, setup.probes, setup.lookup);
      setup.samples.push(ns);
      setup.hits += hits;
    }
  }
  return setups.map(({ size, cidrs, probes, compileMs, samples, hits }) => {
    const ranges = cidrs.map((c) => ipaddr.parseCIDR(c));
    const linear = (address: string): boolean => {
      let parsed: ipaddr.IPv4 | ipaddr.IPv6;
      try {
        parsed = ipaddr.process(address);
      } catch {
        return false;
      }
      const kind = parsed.kind();
      for (const range of ranges) if (range[0].kind() === kind && parsed.match(range)) return true;
      return false;
    };
    const linearIterations = Math.max(20, Math.min(200_000, Math.floor(20_000_000 / size)));
    time(Math.max(10, linearIterations >> 3), probes, linear); // warm-up
    const scan = time(linearIterations, probes, linear);
    return {
      ranges: size,
      compileMs,
      guardNsPerOp: median(samples),
      guardIterations: perRound * rounds,
      linearNsPerOp: scan.ns,
      linearIterations,
      hitRate: hits / (perRound * rounds),
    };
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = benchAllowlist();
  console.log(`node ${process.version}, ${process.arch}`);
  console.log('ranges    compile ms   guard ns/op   linear ipaddr.js ns/op   (iterations guard / linear, hit rate)');
  for (const row of rows) {
    console.log(
      `${String(row.ranges).padStart(7)}  ${row.compileMs.toFixed(1).padStart(10)}  ${row.guardNsPerOp.toFixed(0).padStart(12)}  ${row.linearNsPerOp
        .toFixed(0)
        .padStart(23)}   (${row.guardIterations} / ${row.linearIterations}, ${(row.hitRate * 100).toFixed(0)}%)`,
    );
  }
}
