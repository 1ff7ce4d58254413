// Labelled-corpus accuracy test: per-detector precision and recall, every positive found, every negative clean.
import { describe, expect, it } from 'vitest';
import { CORPUS } from './corpus.js';
import { scanPii } from './scanner.js';

const DETECTORS = ['credit_card', 'ssn', 'email', 'phone', 'iban', 'secret'];

describe('PII corpus', () => {
  it('has at least 150 labelled strings with positives for every detector and hard negatives', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(150);
    for (const d of DETECTORS) expect(CORPUS.filter((e) => e.expect.includes(d)).length).toBeGreaterThanOrEqual(8);
    expect(CORPUS.filter((e) => e.expect.length === 0).length).toBeGreaterThanOrEqual(80);
  });

  it('detects every listed positive with the right detector and leaves every negative clean', () => {
    const stats = new Map(DETECTORS.map((d) => [d, { tp: 0, fp: 0, fn: 0 }]));
    const failures: string[] = [];
    for (const entry of CORPUS) {
      const found = new Set(scanPii(entry.text).map((f) => f.detector));
      for (const d of DETECTORS) {
        const s = stats.get(d)!;
        const want = entry.expect.includes(d);
        const got = found.has(d);
        if (want && got) s.tp++;
        else if (got) s.fp++;
        else if (want) s.fn++;
      }
      const want = [...entry.expect].sort().join(',');
      const got = [...found].sort().join(',');
      if (want !== got) failures.push(`#${CORPUS.indexOf(entry)} expected [${want}] got [${got}]${entry.note ? ` (${entry.note})` : ''}`);
    }
    const table = DETECTORS.map((d) => {
      const { tp, fp, fn } = stats.get(d)!;
      return { detector: d, tp, fp, fn, precision: tp + fp ? (tp / (tp + fp)).toFixed(3) : 'n/a', recall: tp + fn ? (tp / (tp + fn)).toFixed(3) : 'n/a' };
    });
    console.log(`PII corpus: ${CORPUS.length} strings`);
    console.table(table);
    // Failures name the entry index, never the text (it may be a credential-shaped value).
    expect(failures).toEqual([]);
  });
});
