// Splits a prompt into lowercase words for embedding: contractions expanded, punctuation dropped, bounded work.

/** Longest text looked at; the rest of a huge prompt adds nothing a cache match needs. */
export const MAX_EMBED_CHARS = 8192;

const WORD = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*|%/gu;

const CONTRACTIONS: Record<string, string[]> = {
  "can't": ['can', 'not'], "won't": ['will', 'not'], "shan't": ['shall', 'not'], "ain't": ['is', 'not'],
  "i'm": ['i', 'am'], "let's": ['let', 'us'],
};

/** Lowercase words of `text` in order; "don't" → do, not; "it's" → it; "state-of-the-art" stays one word. */
export function words(text: string, maxChars = MAX_EMBED_CHARS): string[] {
  const input = text.length > maxChars ? text.slice(0, maxChars) : text;
  const out: string[] = [];
  // ASCII text (the common case) is scanned by char codes; anything else goes through the Unicode regex.
  const raw = /^[\x00-\x7f]*$/.test(input) ? asciiWords(input.toLowerCase()) : unicodeWords(input.toLowerCase());
  for (const w of raw) {
    if (!w.includes("'")) out.push(w);
    else expand(w, out);
  }
  return out;
}

function unicodeWords(lower: string): string[] {
  const out: string[] = [];
  for (const match of lower.matchAll(WORD)) out.push(match[0] === '%' ? 'percent' : match[0].replace(/’/g, "'"));
  return out;
}

const isAlnum = (c: number) => (c >= 97 && c <= 122) || (c >= 48 && c <= 57);

function asciiWords(lower: string): string[] {
  const out: string[] = [];
  const n = lower.length;
  let i = 0;
  while (i < n) {
    const c = lower.charCodeAt(i);
    if (c === 37) {
      out.push('percent');
      i++;
      continue;
    }
    if (!isAlnum(c)) {
      i++;
      continue;
    }
    let j = i + 1;
    for (;;) {
      while (j < n && isAlnum(lower.charCodeAt(j))) j++;
      const joiner = lower.charCodeAt(j);
      if ((joiner === 39 || joiner === 45) && j + 1 < n && isAlnum(lower.charCodeAt(j + 1))) j += 2;
      else break;
    }
    out.push(lower.slice(i, j));
    i = j;
  }
  return out;
}

function expand(w: string, out: string[]): void {
  const fixed = CONTRACTIONS[w];
  if (fixed) {
    out.push(...fixed);
  } else if (w.endsWith("n't")) {
    out.push(w.slice(0, -3), 'not');
  } else {
    const [head, tail] = w.split("'", 2) as [string, string];
    out.push(head);
    if (tail === 're') out.push('are');
    else if (tail === 've') out.push('have');
    else if (tail === 'll') out.push('will');
    else if (tail === 'd') out.push('would');
  }
}

/** A light suffix stripper so "boiling", "boiled" and "boils" share one lexical feature. */
export function stem(word: string): string {
  if (word.length <= 4) return word;
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.endsWith('ing') && word.length > 5) return trimDouble(word.slice(0, -3));
  if (word.endsWith('ed') && word.length > 4) return trimDouble(word.slice(0, -2));
  if (word.endsWith('es') && /(?:ch|sh|x|ss|z)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us')) return word.slice(0, -1);
  if (word.endsWith('ly') && word.length > 5) return word.slice(0, -2);
  return word;
}

function trimDouble(w: string): string {
  const n = w.length;
  return n > 2 && w[n - 1] === w[n - 2] && !'lsz'.includes(w[n - 1] as string) ? w.slice(0, -1) : w;
}
