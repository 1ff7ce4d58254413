// Keeps the benchmark from rotting: the in-process part runs with tiny counts and must produce every row with finite figures (no timing asserted).
import { describe, expect, it } from 'vitest';
import { chatBody } from './chat-body.js';
import { gateRows, semanticRows, vectorRows } from './whole-gate.js';
import { IN_PROCESS_SETTINGS, runInProcess } from './inprocess.js';
import { topSelfFrames, type CpuProfile } from './profile.js';
import { evaluateGoals, machine, renderTable } from './report.js';

const EXPECTED_ROWS = [
  'key.verify', 'key.map',
  'allowlist.10', 'allowlist.1k', 'allowlist.100k', 'allowlist.ratio', 'allowlist.block.sync', 'allowlist.block.async',
  'pii.1kb.vectorcache', 'pii.1kb.redact-pii', 'pii.1kb.naive',
  'pii.100kb.vectorcache', 'pii.100kb.redact-pii', 'pii.100kb.naive',
  ...Array.from({ length: 9 }, (_, i) => `pii.hostile.${i}`), 'pii.hostile.redact-pii',
  'fernet.1kb.vectorcache', 'fernet.1kb.vectorcache-text', 'fernet.1kb.bare', 'fernet.1kb.npm', 'fernet.1kb.ratio',
  'fernet.64kb.vectorcache', 'fernet.64kb.vectorcache-text', 'fernet.64kb.bare', 'fernet.64kb.npm', 'fernet.64kb.ratio', 'fernet.derive',
  'entry.seal', 'entry.open',
  'cachekey.vectorcache', 'cachekey.plain',
  'cache.get', 'cache.set',
  'memory.rss', 'memory.churn',
  'stream.hit.json', 'stream.hit.sse', 'stream.hit.sse-cold', 'stream.capture', 'stream.coalesce',
];

describe('benchmark suite (smoke)', () => {
  it('produces every in-process row with finite figures, and goals for each', { timeout: 180_000 }, async () => {
    const rows = await runInProcess(IN_PROCESS_SETTINGS.tiny);
    expect(rows.map((r) => r.id)).toEqual(EXPECTED_ROWS);

    for (const row of rows) {
      if (row.section === 'Memory' || row.id.endsWith('.ratio')) {
        expect(row.result, row.id).toMatch(/\S/);
      } else {
        expect(Number.isFinite(row.ns) && row.ns! > 0, `${row.id}: ${row.ns}`).toBe(true);
      }
    }
    // The rows `pnpm bench` adds after the parts: the whole gate, the embedder and quality, the vector index.
    const extra = [...await gateRows('tiny'), ...semanticRows(), ...await vectorRows('tiny', () => {})];
    for (const id of ['gate.hit', 'gate.miss', 'gate.floor.hit', 'gate.floor.miss', 'embed.embed-1024-b-prompt', 'semantic.quality.vectorcache-offline-default', 'vindex.search.1000.16', 'semantic.miss.added']) {
      expect(extra.map((r) => r.id), id).toContain(id);
    }
    for (const row of extra) {
      if (row.ns === undefined) expect(row.result, row.id).toMatch(/\S/);
      else expect(Number.isFinite(row.ns) && row.ns > 0, `${row.id}: ${row.ns}`).toBe(true);
    }
    rows.push(...extra);
    const hostile = rows.filter((r) => /^pii\.hostile\.\d$/.test(r.id));
    for (const r of hostile) for (const k of ['ms10KB', 'ms100KB', 'ms1MB', 'growth']) expect(Number.isFinite(r.data![k]), `${r.id} ${k}`).toBe(true);
    // The byte bound is a correctness property, not a timing: it must hold even at tiny sizes.
    expect(rows.find((r) => r.id === 'memory.churn')!.result).toBe('holds');

    const goals = evaluateGoals([], rows);
    const inProcessGoals = goals.filter((g) => !/miss path|hit path|peer stack/.test(g.goal));
    expect(inProcessGoals).toHaveLength(25);
    // Every in-process goal is decided, except those judged only at full size (RSS at 100,000 entries, search at 100,000 vectors).
    for (const g of inProcessGoals) if (!g.goal.includes('RSS') && !g.goal.includes('100,000 vectors')) expect(typeof g.met, g.goal).toBe('boolean');
    expect(goals.filter((g) => /miss path|hit path|peer stack/.test(g.goal)).every((g) => g.met === null)).toBe(true);

    const table = renderTable({ date: 'd', node: process.version, machine: machine(), mode: 'tiny', settings: {}, http: [], inProcess: rows, goals });
    for (const row of rows) expect(table).toContain(row.label);
    for (const g of goals) expect(table).toContain(g.goal);
  });

  it('sends 1 KB chat bodies that differ per request', () => {
    const a = chatBody(1);
    const b = chatBody(2);
    expect(Buffer.byteLength(a)).toBe(1024);
    expect(Buffer.byteLength(b)).toBe(1024);
    expect(a).not.toBe(b);
    expect(JSON.parse(a)).toMatchObject({ model: 'gpt-4o-mini', messages: [{ role: 'system' }, { role: 'user' }] });
  });

  it('sums self time per frame inside the profile window only', () => {
    const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0, columnNumber: 0 });
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)') },
        { id: 2, callFrame: frame('startup', 'file:///x/boot.ts') },
        { id: 3, callFrame: frame('scan', 'file:///x/pii.ts') },
        { id: 4, callFrame: frame('(idle)') },
      ],
      startTime: 1_000,
      endTime: 1_600,
      // Sample times 1100, 1200, 1300, 1400, 1500; each counts until the next one.
      samples: [2, 3, 3, 4, 3],
      timeDeltas: [100, 100, 100, 100, 100],
    };
    const all = topSelfFrames(profile);
    expect(all.frames.map((f) => [f.frame, f.selfMs])).toEqual([['scan (/x/pii.ts)', 0.2], ['startup (/x/boot.ts)', 0.1]]);
    expect(all.idleMs).toBe(0.1);
    const windowed = topSelfFrames(profile, 15, 1_150, 1_600);
    expect(windowed.frames.map((f) => f.frame)).toEqual(['scan (/x/pii.ts)']);
    expect(windowed.frames[0]!.percent).toBe(100);
  });
});
