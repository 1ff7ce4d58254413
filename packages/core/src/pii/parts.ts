// Content parts of one message scanned together: a number split across two text parts is still found.
import type { PiiFinding } from './types.js';
import { isPlainObject, type Slot } from './walk.js';

/** One scanned string with its findings (UTF-16 offsets into `slot.text`). */
export interface Hit {
  slot: Slot;
  findings: PiiFinding[];
}

interface Piece {
  holder: Record<string, unknown>;
  start: number;
  text: string;
}

/**
 * Scans the concatenation of each array's `text` parts (what the model reads as one message) and
 * adds to `hits` the findings no single part showed: each is split into per-part spans, so
 * redaction replaces every piece. Returns the detector of each added finding, for the counts.
 */
export function scanJoinedParts(
  partArrays: readonly unknown[][],
  find: (text: string) => PiiFinding[] | undefined,
  hits: Hit[],
  merge: (findings: PiiFinding[]) => PiiFinding[],
): string[] {
  const byHolder = new Map<object, Hit>();
  for (const hit of hits) if (!hit.slot.isKey && hit.slot.key === 'text' && hit.slot.holder) byHolder.set(hit.slot.holder, hit);
  const added: string[] = [];
  for (const parts of partArrays) {
    const pieces: Piece[] = [];
    let joined = '';
    for (const part of parts) {
      if (!isPlainObject(part) || typeof part.text !== 'string') continue;
      pieces.push({ holder: part, start: joined.length, text: part.text });
      joined += part.text;
    }
    const findings = find(joined);
    if (findings === undefined) continue;
    for (const f of findings) {
      const spans = pieces
        .map((piece) => ({ piece, start: Math.max(f.start, piece.start) - piece.start, end: Math.min(f.end, piece.start + piece.text.length) - piece.start }))
        .filter((span) => span.end > span.start);
      // Already reported when each piece's share lies inside a finding of the same detector in that part's own scan.
      const known = spans.every(({ piece, start, end }) =>
        byHolder.get(piece.holder)?.findings.some((g) => g.detector === f.detector && g.start <= start && g.end >= end) === true);
      if (known) continue;
      added.push(f.detector);
      for (const { piece, start, end } of spans) {
        let hit = byHolder.get(piece.holder);
        if (hit === undefined) {
          hit = { slot: { holder: piece.holder, key: 'text', isKey: false, text: piece.text }, findings: [] };
          hits.push(hit);
          byHolder.set(piece.holder, hit);
        }
        hit.findings = merge([...hit.findings, { detector: f.detector, start, end }]);
      }
    }
  }
  return added;
}
