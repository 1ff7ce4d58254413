// Finds the parts of a prompt a semantic match must keep identical: literals, named entities, negation.

/**
 * Spans found in this order, each pattern run only when its cheap precondition holds: code, URLs,
 * e-mail-like tokens, quoted strings, paths, identifiers, letter-and-digit codes, numbers.
 */
const PATTERNS: Array<[string, RegExp, RegExp]> = [
  ['c', /`/, /```[\s\S]*?```|`[^`\n]+`/g],
  ['u', /:\/\//, /\b(?:https?|ftp|wss?):\/\/[^\s<>"'`]+/gi],
  ['e', /@/, /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.\p{L}{2,}/gu],
  ['q', /["“']/, /"[^"\n]{1,200}"|“[^”\n]{1,200}”|(?<![\p{L}\p{N}])'[^'\n]{1,200}'(?![\p{L}\p{N}])/gu],
  ['p', /[\\/]/, /(?:~|\.{1,2}|[A-Za-z]:)?(?:[\\/][\w.@+-]+){2,}[\\/]?|(?:~|\.{1,2})[\\/][\w.@+-]+/g],
  ['i', /[._$]\p{L}|\p{Ll}\p{Lu}|\p{Lu}\p{Ll}+\p{Lu}|_/u, /\b(?:[\p{L}_$][\p{L}\p{N}_$]*(?:\.[\p{L}_$][\p{L}\p{N}_$]*)+|[\p{Ll}]+[\p{Lu}][\p{L}\p{N}]*|[\p{Lu}][\p{Ll}\p{N}]+[\p{Lu}][\p{L}\p{N}]*|[\p{L}\p{N}]*_[\p{L}\p{N}_]*)\b/gu],
  // Letters and digits in one token (xr750, python3, build7u65): model, version and product codes.
  // Their digits are not numbers to the pattern below, and an embedder sees such a token through a few
  // hashed character features, so two codes sharing a prefix can score above any threshold.
  ['a', /\p{L}\p{N}/u, /(?<![\p{L}\p{N}_$])\p{L}[\p{L}\p{N}]*\p{N}[\p{L}\p{N}]*(?![\p{L}\p{N}_$])/gu],
  ['n', /\d/, /(?<![\p{L}\p{N}])\d+(?:[.,]\d+)*\p{L}*/gu],
];

// "one" is left out: it is mostly a pronoun ("which one") or an article ("in one go").
const NUMBER_WORDS: Record<string, number> = {
  zero: 0, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18,
  nineteen: 19, twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90,
  hundred: 100, thousand: 1000, million: 1e6, billion: 1e9, trillion: 1e12, dozen: 12, half: 0.5, twice: 2,
};

const NUMBER_WORD = new RegExp(`(?<![\\p{L}])(?:${Object.keys(NUMBER_WORDS).join('|')})(?![\\p{L}])`, 'giu');

const NEGATION = new RegExp(
  '(?<![\\p{L}])(?:not|no|never|none|nobody|nothing|nowhere|neither|nor|cannot|without|except|excluding|unless|nope|' +
    'dont|doesnt|didnt|cant|wont|isnt|arent|wasnt|werent|shouldnt|wouldnt|couldnt|havent|hasnt|hadnt|mustnt|neednt|aint)(?![\\p{L}])' +
    "|\\p{L}n['’]t(?![\\p{L}])",
  'iu',
);

export interface Found {
  kind: string;
  value: string;
  at: number;
}

/** Literals grouped by kind, in order of appearance within a kind; found spans are blanked so a URL's digits count once. */
export function findLiterals(text: string): { literals: Found[]; rest: string } {
  let rest = text;
  const found: Found[] = [];
  for (const [kind, precondition, pattern] of PATTERNS) {
    if (!precondition.test(rest)) continue;
    rest = rest.replace(pattern, (match: string, ...args: unknown[]) => {
      const at = args.find((a) => typeof a === 'number') as number;
      const value = canonicalLiteral(kind, match);
      if (value !== undefined) found.push({ kind, value, at });
      return ' '.repeat(match.length);
    });
  }
  for (const match of rest.matchAll(NUMBER_WORD)) {
    found.push({ kind: 'n', value: String(NUMBER_WORDS[match[0].toLowerCase()]), at: match.index });
  }
  // Order counts within a kind (12 minus 8 is not 8 minus 12), not across kinds (`map` before or after JavaScript).
  found.sort((a, b) => (a.kind === b.kind ? a.at - b.at : a.kind < b.kind ? -1 : 1));
  return { literals: found, rest };
}

function canonicalLiteral(kind: string, raw: string): string | undefined {
  switch (kind) {
    case 'c':
      return raw.replace(/^`+|`+$/g, '').replace(/\s+/g, ' ').trim();
    case 'u':
      return raw.replace(/[.,;:!?)\]]+$/, '').replace(/^[a-z]+:\/\/[^/]+/i, (origin) => origin.toLowerCase());
    case 'e':
    case 'a':
      return raw.toLowerCase();
    case 'q':
      return raw.slice(1, -1).replace(/\s+/g, ' ').trim();
    case 'n': {
      const [, digits = '', unit = ''] = /^([\d.,]+)(.*)$/su.exec(raw) ?? [];
      const plain = digits.replace(/,(?=\d{3}(?:\D|$))/g, '').replace(',', '.');
      const value = Number(plain);
      return (Number.isFinite(value) ? String(value) : plain) + unit.toLowerCase();
    }
    default:
      return raw;
  }
}

const CAPITALISED = /\p{Lu}[\p{L}\p{N}'’-]*/gu;
const ACRONYM = /^\p{Lu}[\p{Lu}\p{N}]+$/u;
const WORD_CHAR = /[\p{L}\p{N}]/u;

/** Runs of capitalised words not at a sentence start, and all-caps acronyms anywhere, lowercased, in order. */
export function findEntities(rest: string): Found[] {
  const found: Found[] = [];
  let run: string[] = [];
  let runAt = 0;
  let runEnd = 0;
  const flush = () => {
    if (run.length > 0) found.push({ kind: 'x', value: run.join(' ').toLowerCase(), at: runAt });
    run = [];
  };
  for (const match of rest.matchAll(CAPITALISED)) {
    const at = match.index;
    if (at > 0 && WORD_CHAR.test(rest[at - 1] as string)) continue; // a capital inside a word (iPhone)
    const word = match[0].replace(/['’]s?$|-+$/u, '');
    if (!ACRONYM.test(word) && (word === 'I' || atSentenceStart(rest, at))) {
      flush();
      continue;
    }
    if (run.length > 0 && !/^[ \t]+$/.test(rest.slice(runEnd, at))) flush();
    if (run.length === 0) runAt = at;
    run.push(word);
    runEnd = at + match[0].length;
  }
  flush();
  return found;
}

/** True at the text's start or after . ! ? : ; or a line break (opening quotes and brackets skipped). */
function atSentenceStart(text: string, at: number): boolean {
  for (let i = at - 1; i >= 0; i--) {
    const c = text[i] as string;
    if ('.!?:;\n'.includes(c)) return true;
    if (!' \t\r("\'“‘[{'.includes(c)) return false;
  }
  return true;
}

/** True when the text contains a negation word ("not", "never", "without", "don't"…). */
export function hasNegation(text: string): boolean {
  return NEGATION.test(text);
}
