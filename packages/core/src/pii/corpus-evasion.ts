// Labelled corpus part for evasion (issue 13 item 6): folded positives and the hard negatives folding must leave clean.
import type { CorpusEntry } from './corpus-entry.js';

/** Evasions each detector must see through. */
const evasions: CorpusEntry[] = [
  { text: 'card 4111\u200b1111\u200b1111\u200b1111', expect: ['credit_card'], note: 'zero-width spaces' },
  { text: '5555\u00ad5555\u00ad5555\u00ad4444 is my card', expect: ['credit_card'], note: 'soft hyphens' },
  { text: 'pay with 4111.1111.1111.1111', expect: ['credit_card'], note: 'dots' },
  { text: 'number 4111/1111/1111/1111 please', expect: ['credit_card'], note: 'slashes' },
  { text: 'ref 5555_5555_5555_4444', expect: ['credit_card'], note: 'underscores' },
  { text: 'card: 4111   1111   1111   1111', expect: ['credit_card'], note: 'several spaces' },
  { text: 'بطاقتي ٤١١١ ١١١١ ١١١١ ١١١١', expect: ['credit_card'], note: 'Arabic-Indic digits' },
  { text: 'कार्ड ४१११ ११११ ११११ ११११', expect: ['credit_card'], note: 'Devanagari digits' },
  { text: 'card 𝟒𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏', expect: ['credit_card'], note: 'mathematical bold digits' },
  { text: 'card 4111\u2060-1111\ufeff-1111-1111', expect: ['credit_card'], note: 'word joiner and BOM' },
  { text: 'mail jane\u200b.doe@exa\u2060mple.com', expect: ['email'], note: 'zero-width in email' },
  { text: 'mail jane.doe%40example.com', expect: ['email'], note: 'percent-encoded @' },
  { text: 'mail jane.doe&#64;example.com', expect: ['email'], note: 'decimal entity' },
  { text: 'mail jane.doe&#x40;example.org', expect: ['email'], note: 'hex entity' },
  { text: 'mail jane&commat;example.co.uk', expect: ['email'], note: 'named entity' },
  { text: 'my SSN is 536\u200b-22-1234', expect: ['ssn'], note: 'zero-width in SSN' },
  { text: 'SSN ٥٣٦-٢٢-١٢٣٤', expect: ['ssn'], note: 'Arabic-Indic SSN' },
  { text: 'call +44\u200b 20 7946\ufeff 0958', expect: ['phone'], note: 'zero-width in phone' },
  { text: 'call +४४ २० ७९४६ ०९५८', expect: ['phone'], note: 'Devanagari phone' },
  { text: 'call +1 (415) 555\u202c-2671', expect: ['phone'], note: 'bidi control in phone' },
];

/** Clean text that looks like what folding now reads: separators, entities, escapes, other scripts. */
const negatives: CorpusEntry[] = [
  { text: 'Versions 4.12.1, 4.12.2 and 4.13.0 ship today.', expect: [] },
  { text: 'Rows use ids like user_1234_5678 and order_9876.', expect: [] },
  { text: 'A space is %20 in URLs and %2F is a slash.', expect: [] },
  { text: 'Tom &amp; Jerry; 5 &lt; 6 &gt; 4 &#38; more.', expect: [] },
  { text: 'Arabic-Indic numerals ٠١٢٣٤٥٦٧٨٩ are digits too.', expect: [] },
  { text: 'السعر ١٢٫٥٠ ريال للكيلو', expect: [] },
  { text: 'Zero\u200bwidth\u200bspaces\u200bbetween words.', expect: [] },
  { text: 'Dates 2024/03/05 and 2024/03/06 are holidays.', expect: [] },
  { text: 'Hosts 192.168.100.200 and 10.0.0.1 answer on port 8080.', expect: [] },
  { text: 'Coordinates 48.8566, 2.3522 and 51.5074, -0.1278.', expect: [] },
  { text: 'Soft\u00adhyphen\u00adated words are fine.', expect: [] },
  { text: '𝐇𝐞𝐥𝐥𝐨 𝐰𝐨𝐫𝐥𝐝 in bold, ２０２４ in full width.', expect: [] },
  { text: 'Timestamp 2024.03.05 14:00, build 1.2.3.4567.', expect: [] },
  { text: 'The ratio was 12 / 34 / 56 / 78 across the four runs.', expect: [] },
  { text: 'Matrix   1   2   3   4   5   6   7   8   9', expect: [] },
  { text: 'ISBN 978-3-16-148410-0 and ISBN 978 0 306 40615 7', expect: [] },
  { text: 'नमस्ते, कमरा १०४ में बैठक है।', expect: [] },
  { text: 'Emoji 👍🏽 and flags 🇫🇷 with ZWJ 👨\u200d👩\u200d👧 sequences.', expect: [] },
  { text: 'Percent: 40%40 of the time the load was 40 % 40.', expect: [] },
  { text: 'Price 1.299.000 or 1_000_000 units in 3.141.592 steps.', expect: [] },
];

export const EVASION_CORPUS: CorpusEntry[] = [...evasions, ...negatives];
