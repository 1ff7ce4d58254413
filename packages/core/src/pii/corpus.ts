// Labelled test corpus for the PII detectors: true positives in varied formats and hard negatives.
// Credential-shaped values are assembled from pieces so that secret scanners do not flag this file.
import { generateApiKey } from '../keys/format.js';
import { base62 } from './secret.js';
import { crc32 } from '../keys/format.js';
import { EVASION_CORPUS } from './corpus-evasion.js';

export type { CorpusEntry } from './corpus-entry.js';
import type { CorpusEntry } from './corpus-entry.js';

/** Appends the Luhn check digit to a partial number. */
export function withLuhn(partial: string): string {
  for (let d = 0; d <= 9; d++) {
    const candidate = partial + d;
    let sum = 0;
    for (let i = 0; i < candidate.length; i++) {
      let v = candidate.charCodeAt(candidate.length - 1 - i) - 48;
      if (i % 2 === 1) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
      sum += v;
    }
    if (sum % 10 === 0) return candidate;
  }
  throw new Error('unreachable');
}

/** A Luhn-failing sibling of a valid number (last digit changed). */
function luhnBroken(valid: string): string {
  const last = valid.charCodeAt(valid.length - 1) - 48;
  return valid.slice(0, -1) + String((last + 1) % 10);
}

function groups(digits: string, sizes: number[], sep: string): string {
  const out: string[] = [];
  let at = 0;
  for (const size of sizes) {
    out.push(digits.slice(at, at + size));
    at += size;
  }
  if (at < digits.length) out.push(digits.slice(at));
  return out.join(sep);
}

function fullWidth(s: string): string {
  return s.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
}

export function githubToken(prefix: string, random30: string): string {
  return `${prefix}_${random30}${base62(crc32(random30), 6)}`;
}

const visa = '4111111111111111';
const visa2 = '4012888888881881';
const visa13 = '4222222222222';
const visa19 = withLuhn('411111111111111111');
const mc = '5555555555554444';
const mc2 = '5105105105105100';
const mc2series = withLuhn('222300312200322');
const mc2720 = withLuhn('272099000000000');
const amex = '378282246310005';
const amex2 = '371449635398431';
const discover = '6011111111111117';
const discover644 = withLuhn('644564456445644');
const discover65 = withLuhn('650000000000000');
const jcb = '3530111333300000';
const jcb2 = '3566002020360505';
const diners = '30569309025904';
const diners36 = '36227206271667';
const unionpay = withLuhn('620000000000000');
const unionpay19 = withLuhn('625094100652859912');
const maestro = withLuhn('675964982643845');
const mir = withLuhn('220012345678901');

const cards: CorpusEntry[] = [
  { text: `card ${visa}`, expect: ['credit_card'] },
  { text: `Visa: ${groups(visa, [4, 4, 4], ' ')}, exp 12/27`, expect: ['credit_card'] },
  { text: `pay with ${groups(visa2, [4, 4, 4], '-')} please`, expect: ['credit_card'] },
  { text: `old visa ${visa13}`, expect: ['credit_card'] },
  { text: `long visa ${groups(visa19, [4, 4, 4, 4], ' ')}`, expect: ['credit_card'] },
  { text: `MC ${mc}`, expect: ['credit_card'] },
  { text: `mastercard ${groups(mc2, [4, 4, 4], ' ')}`, expect: ['credit_card'] },
  { text: `2-series ${groups(mc2series, [4, 4, 4], ' ')}`, expect: ['credit_card'] },
  { text: `2720 range ${mc2720}`, expect: ['credit_card'] },
  { text: `amex ${groups(amex, [4, 6], ' ')}`, expect: ['credit_card'] },
  { text: `AMEX:${groups(amex2, [4, 6], '-')}`, expect: ['credit_card'] },
  { text: `discover ${discover}`, expect: ['credit_card'] },
  { text: `disc ${groups(discover644, [4, 4, 4], ' ')}`, expect: ['credit_card'] },
  { text: `disc65 ${discover65}.`, expect: ['credit_card'] },
  { text: `jcb ${jcb}`, expect: ['credit_card'] },
  { text: `JCB ${groups(jcb2, [4, 4, 4], '-')}`, expect: ['credit_card'] },
  { text: `diners ${groups(diners, [4, 6], ' ')}`, expect: ['credit_card'] },
  { text: `diners ${diners36}`, expect: ['credit_card'] },
  { text: `unionpay ${unionpay}`, expect: ['credit_card'] },
  { text: `unionpay19 ${unionpay19}`, expect: ['credit_card'] },
  { text: `maestro ${maestro}`, expect: ['credit_card'] },
  { text: `mir ${groups(mir, [4, 4, 4], ' ')}`, expect: ['credit_card'] },
  { text: `full width ${fullWidth(visa)}`, expect: ['credit_card'], note: 'full-width digits' },
  { text: `全角 ${fullWidth(groups(mc, [4, 4, 4], ' '))}`, expect: ['credit_card'] },
  { text: `nbsp ${groups(visa, [4, 4, 4], '\u00a0')}`, expect: ['credit_card'] },
  { text: `thin ${groups(amex, [4, 6], '\u2009')}`, expect: ['credit_card'] },
  { text: `narrow nbsp ${groups(jcb, [4, 4, 4], '\u202f')}`, expect: ['credit_card'] },
  { text: `en dash ${groups(discover, [4, 4, 4], '\u2013')}`, expect: ['credit_card'] },
  { text: `{"card":"${visa}","cvc":"123"}`, expect: ['credit_card'] },
  { text: `card${visa}end`, expect: ['credit_card'], note: 'letters around are not digits' },
];

const cardNegatives: CorpusEntry[] = [
  { text: `Luhn fails: ${luhnBroken(visa)}`, expect: [] },
  { text: `Luhn fails: ${groups(luhnBroken(mc), [4, 4, 4], ' ')}`, expect: [] },
  { text: `Luhn fails: ${luhnBroken(amex)}`, expect: [] },
  { text: `tracking 1234567812345678`, expect: [] },
  { text: `inside a longer run 9${visa}1`, expect: [] },
  { text: `20 digits ${visa}0000`, expect: [] },
  { text: `no issuer ${withLuhn('990000000000000')}`, expect: [] },
  { text: `no issuer ${withLuhn('100000000000000')}`, expect: [] },
  { text: `epoch ms 1700000000123`, expect: [] },
  { text: `account 0000 0000 0000 0000`, expect: [] },
];

const ssns: CorpusEntry[] = [
  { text: 'SSN 536-22-1234', expect: ['ssn'] },
  { text: 'my social is 401.55.7890', expect: ['ssn'] },
  { text: 'ss: 212 67 4321 on file', expect: ['ssn'] },
  { text: 'SSN: 536221234', expect: ['ssn'], note: 'bare with context' },
  { text: 'social security number 401557890', expect: ['ssn'] },
  { text: 'soc sec #: 212674321', expect: ['ssn'] },
  { text: '"ssn":"772-12-3456"', expect: ['ssn'] },
  { text: 'employee (SSN 899-99-0001)', expect: ['ssn'] },
];

const ssnNegatives: CorpusEntry[] = [
  { text: 'area 000: 000-12-3456', expect: [] },
  { text: 'area 666: 666-12-3456', expect: [] },
  { text: 'area 9xx: 912-12-3456', expect: [] },
  { text: 'group 00: 536-00-1234', expect: [] },
  { text: 'serial 0000: 536-22-0000', expect: [] },
  { text: 'Woolworth wallet card 078-05-1120', expect: [] },
  { text: 'ad number 219-09-9999', expect: [] },
  { text: 'example 123-45-6789', expect: [] },
  { text: 'mixed separators 536-22.1234', expect: [] },
  { text: 'bare nine digits 536221234 without context', expect: [] },
  { text: 'part of a longer id 536-22-1234-99', expect: [] },
];

const emails: CorpusEntry[] = [
  { text: 'mail john.doe@example.com', expect: ['email'] },
  { text: 'John <john.doe+newsletter@mail.example.co.uk>', expect: ['email'] },
  { text: 'reach me: jane_o\'neil@sub.domain.example.org', expect: ['email'] },
  { text: 'UPPER.CASE@EXAMPLE.COM', expect: ['email'] },
  { text: 'first.last-1990@uni-heidelberg.de.', expect: ['email'] },
  { text: 'mailto:info@xn--mller-kva.de', expect: ['email'], note: 'punycode domain' },
  { text: 'idn müller@münchen.de', expect: ['email'] },
  { text: '用户@例子.广告', expect: ['email'] },
  { text: 'a@xn--fsq.xn--0zwm56d', expect: ['email'] },
  { text: '"email": "x@y.io"', expect: ['email'] },
  { text: 'ops%team@corp.example.net', expect: ['email'] },
  { text: 'list: -bob@example.com', expect: ['email'] },
  { text: 'support@company.travel is open', expect: ['email'] },
  { text: 'two: a.b@c.de, e.f@g.hi', expect: ['email'] },
  { text: 'ＡＢＣ＠ｅｘａｍｐｌｅ．ｃｏｍ', expect: ['email'], note: 'full-width' },
];

const emailNegatives: CorpusEntry[] = [
  { text: 'retina icon@2x.png', expect: [] },
  { text: 'logo@3x.webp and sprite@2x.svg', expect: [] },
  { text: 'user@localhost', expect: [] },
  { text: 'root@server', expect: [] },
  { text: 'twitter handle @vectorcache', expect: [] },
  { text: 'npm i @types/node@20.1.0', expect: [] },
  { text: 'a@b.c single-letter tld', expect: [] },
  { text: 'numeric tld user@host.123', expect: [] },
  { text: 'trailing dot local john.@example.com', expect: [] },
  { text: 'decorator @Component({})', expect: [] },
];

const phones: CorpusEntry[] = [
  { text: 'call (415) 555-2671', expect: ['phone'] },
  { text: 'office 415-555-2671 ext', expect: ['phone'] },
  { text: 'cell 415.555.2671', expect: ['phone'] },
  { text: 'intl +1 415 555 2671', expect: ['phone'] },
  { text: 'e164 +14155552671', expect: ['phone'] },
  { text: 'London +44 20 7946 0958', expect: ['phone'] },
  { text: 'Berlin +49 30 12345678', expect: ['phone'] },
  { text: 'Berlin 030 12345678', expect: ['phone'], note: 'DE national' },
  { text: 'Paris +33 1 42 68 53 00', expect: ['phone'] },
  { text: 'Paris 01 42 68 53 00', expect: ['phone'], note: 'FR national' },
  { text: 'Paris 01.42.68.53.00', expect: ['phone'] },
  { text: 'Mumbai +91 98765 43210', expect: ['phone'] },
  { text: 'mobile: 4155552671', expect: ['phone'], note: 'bare digits with context' },
  { text: 'tel:+442079460958', expect: ['phone'] },
  { text: 'UK mobile 07911 123456', expect: ['phone'] },
  { text: 'Sydney +61 2 9374 4000', expect: ['phone'] },
  { text: 'Tokyo +81 3-1234-5678', expect: ['phone'] },
  { text: 'full width ＋１ ４１５ ５５５ ２６７１', expect: ['phone'] },
  { text: 'nbsp +44\u00a020\u00a07946\u00a00958', expect: ['phone'] },
];

const phoneNegatives: CorpusEntry[] = [
  { text: 'meeting 2024-01-15 10:30:00', expect: [] },
  { text: 'ISO 2024-01-15T10:30:00Z', expect: [] },
  { text: 'date 01/15/2024 and 15.01.2024', expect: [] },
  { text: 'slashes 2024/01/15', expect: [] },
  { text: 'time 10:30:45.123', expect: [] },
  { text: 'Order #4155552671', expect: [] },
  { text: 'order 112-3456789-1234567', expect: [] },
  { text: 'invoice INV-2024-000123', expect: [] },
  { text: 'version 10.2.13', expect: [] },
  { text: 'release v2.14.1-beta.3', expect: [] },
  { text: 'ZIP+4 94105-1234', expect: [] },
  { text: 'ZIP+4 12345-6789', expect: [] },
  { text: 'uuid 550e8400-e29b-41d4-a716-446655440000', expect: [] },
  { text: 'uuid 123e4567-e89b-12d3-a456-426614174000', expect: [] },
  { text: 'commit 9fceb02d0ae598e95dc970b74767f19372d61af8', expect: [] },
  { text: 'sha 1234567890abcdef1234567890abcdef12345678', expect: [] },
  { text: 'short sha 4155552', expect: [] },
  { text: 'price $1,234,567.89', expect: [] },
  { text: 'price €4155552671', expect: [] },
  { text: 'ip 192.168.100.200', expect: [] },
  { text: 'ip 10.0.0.1 and 172.16.254.1', expect: [] },
  { text: 'colour #ff5733 and #FFF', expect: [] },
  { text: 'hex 0x7fffffff', expect: [] },
  { text: 'unix time 1700000000', expect: [] },
  { text: 'pi 3.14159265358979', expect: [] },
  { text: 'coordinates 37.7749, -122.4194', expect: [] },
  { text: 'ISBN 978-3-16-148410-0', expect: [] },
  { text: 'UPS 1Z999AA10123456784', expect: [] },
  { text: 'percent 12345678%', expect: [] },
  { text: 'amount=4155552671', expect: [] },
  { text: 'path /var/log/4155552671', expect: [] },
  { text: 'port 8080 pid 31337', expect: [] },
];

const ibans: CorpusEntry[] = [
  { text: 'IBAN DE89 3704 0044 0532 0130 00', expect: ['iban'] },
  { text: 'iban: DE89370400440532013000', expect: ['iban'] },
  { text: 'GB82 WEST 1234 5698 7654 32 is mine', expect: ['iban'] },
  { text: 'gb82west12345698765432', expect: ['iban'], note: 'lower case' },
  { text: 'FR14 2004 1010 0505 0001 3M02 606', expect: ['iban'] },
  { text: 'NL91ABNA0417164300', expect: ['iban'] },
  { text: 'CH93 0076 2011 6238 5295 7', expect: ['iban'] },
  { text: 'ES91 2100 0418 4502 0005 1332', expect: ['iban'] },
  { text: 'IT60X0542811101000000123456', expect: ['iban'] },
  { text: '(BE68539007547034)', expect: ['iban'] },
];

const ibanNegatives: CorpusEntry[] = [
  { text: 'bad check DE89 3704 0044 0532 0130 01', expect: [] },
  { text: 'wrong length DE89370400440532013', expect: [] },
  { text: 'unknown country ZZ89370400440532013000', expect: [] },
  { text: 'glued XDE89370400440532013000', expect: [] },
  { text: 'model number AB12 rev C', expect: [] },
];

const random30 = 'aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0';
const ghp = githubToken('ghp', random30);
const gho = githubToken('gho', 'Zy9Xw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0');
const ghpBad = `ghp_${random30}${'AAAAAA'}`;
const jwtHeader = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
const jwtPayload = Buffer.from(JSON.stringify({ sub: '1234567890', name: 'Jane', iat: 1516239022 })).toString('base64url');
const jwt = `${jwtHeader}.${jwtPayload}.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c`;
const notJwtHeader = Buffer.from('{"typ":"JWT"}').toString('base64url');
const vcKey = generateApiKey('prod').key;
const vcKeyBad = vcKey.slice(0, -1) + (vcKey.endsWith('A') ? 'B' : 'A');
const alnum40 = 'Q7w8E9r0T1y2U3i4O5p6A7s8D9f0G1h2J3k4L5z6';
const pemType = 'RSA PRIVATE KEY';

const secrets: CorpusEntry[] = [
  { text: `aws_access_key_id = ${'AKIA'}IOSFODNN7EXAMPLE`, expect: ['secret'] },
  { text: `temp creds ${'ASIA'}Y34FZKBOKMUTVV7A`, expect: ['secret'] },
  { text: `token ${ghp}`, expect: ['secret'] },
  { text: `GITHUB_TOKEN=${gho}`, expect: ['secret'] },
  { text: `fine grained ${'github_pat_'}11ABCDEFG0123456789abc_${alnum40}${'Zx9Yw8Vu7Ts6Rq5Po4N'}`, expect: ['secret'] },
  { text: `OPENAI_API_KEY=${'sk-'}proj-${alnum40}_${alnum40}`, expect: ['secret'] },
  { text: `legacy ${'sk-'}${alnum40}`, expect: ['secret'] },
  { text: `anthropic ${'sk-ant-'}api03-${alnum40}-${alnum40}_${alnum40}AA`, expect: ['secret'] },
  { text: `stripe ${'sk_'}live_${alnum40.slice(0, 24)}`, expect: ['secret'] },
  { text: `stripe ${'rk_'}live_${alnum40.slice(0, 24)}`, expect: ['secret'] },
  { text: `stripe test ${'sk_'}test_${alnum40.slice(0, 24)}`, expect: ['secret'] },
  { text: `slack ${'xoxb-'}1234567890-1234567890123-${alnum40.slice(0, 24)}`, expect: ['secret'] },
  { text: `slack user ${'xoxp-'}1234567890-1234567890123-1234567890123-${alnum40.slice(0, 32)}`, expect: ['secret'] },
  { text: `slack app ${'xapp-'}1-A0123456789-1234567890123-${alnum40}`, expect: ['secret'] },
  { text: `Authorization: Bearer ${jwt}`, expect: ['secret'] },
  { text: `-----BEGIN ${pemType}-----\nMIIEowIBAAKCAQEA${alnum40}\n-----END ${pemType}-----`, expect: ['secret'] },
  { text: `-----BEGIN ${'PRIVATE KEY'}-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END ${'PRIVATE KEY'}-----`, expect: ['secret'] },
  { text: `-----BEGIN ${'OPENSSH PRIVATE KEY'}-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ`, expect: ['secret'] },
  { text: `our key ${vcKey}`, expect: ['secret'] },
];

const secretNegatives: CorpusEntry[] = [
  { text: `github checksum wrong ${ghpBad}`, expect: [] },
  { text: `our key with a typo ${vcKeyBad}`, expect: [] },
  { text: 'sk-short key', expect: [] },
  { text: `publishable ${'pk_'}live_${alnum40.slice(0, 24)}`, expect: [] },
  { text: `not a jwt ${notJwtHeader}.${jwtPayload}.abc`, expect: [] },
  { text: '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----', expect: [] },
  { text: '-----BEGIN CERTIFICATE-----', expect: [] },
  { text: 'AKIA too short AKIA1234', expect: [] },
  { text: 'base64 blob SGVsbG8gV29ybGQhIFRoaXMgaXMgYSB0ZXN0Lg==', expect: [] },
  { text: 'css class xoxo-button', expect: [] },
];

const mixed: CorpusEntry[] = [
  { text: `Hi, I'm Jane (jane@example.com, +1 415 555 2671), card ${groups(visa, [4, 4, 4], ' ')}`, expect: ['email', 'phone', 'credit_card'] },
  { text: `Wire to DE89 3704 0044 0532 0130 00, SSN 536-22-1234`, expect: ['iban', 'ssn'] },
  { text: `deploy with ${'AKIA'}IOSFODNN7EXAMPLE and mail ops@corp.example`, expect: ['secret', 'email'] },
];

const cleanText: CorpusEntry[] = [
  { text: 'Summarise the attached quarterly report in three bullet points.', expect: [] },
  { text: 'What is the capital of France?', expect: [] },
  { text: 'Translate "good morning" into German.', expect: [] },
  { text: 'Write a haiku about autumn leaves.', expect: [] },
  { text: 'Explain the difference between TCP and UDP in 200 words.', expect: [] },
  { text: 'The meeting is on 2024-03-05 at 14:00 in room 4.12.', expect: [] },
  { text: 'Node 20.11.1 and pnpm 9.1.0 are required.', expect: [] },
  { text: 'The function returned 42 after 1500 ms.', expect: [] },
  { text: 'Use the regex ^[a-z]+$ to validate.', expect: [] },
  { text: 'In 1969, 600 million people watched the landing.', expect: [] },
  { text: 'Population of Tokyo: 13,960,000 (2021).', expect: [] },
  { text: 'Call stack overflow at depth 10000.', expect: [] },
  { text: 'Price went from 1,299.00 to 1,099.00 USD.', expect: [] },
  { text: 'The SHA-256 of "abc" begins with ba7816bf.', expect: [] },
  { text: 'Email me later; I am at the office.', expect: [] },
  { text: 'Phone numbers are personal data under GDPR.', expect: [] },
  { text: 'See RFC 5322 section 3.4.1 for addr-spec.', expect: [] },
  { text: 'Matrix 3x3: [[1,2,3],[4,5,6],[7,8,9]]', expect: [] },
  { text: 'Temperature ranged from -12.5 to 38.7 degrees.', expect: [] },
  { text: 'Build #20240115 passed in 3m 12s.', expect: [] },
];

/** Everything, labelled. */
export const CORPUS: CorpusEntry[] = [
  ...cards, ...cardNegatives, ...ssns, ...ssnNegatives, ...emails, ...emailNegatives,
  ...phones, ...phoneNegatives, ...ibans, ...ibanNegatives, ...secrets, ...secretNegatives,
  ...mixed, ...cleanText, ...EVASION_CORPUS,
];

/** Card numbers used by property tests, one per issuer family. */
export const SAMPLE_CARD_PREFIXES = ['4', '51', '55', '2221', '2720', '34', '37', '6011', '65', '644', '3528', '3589', '300', '36', '62'];
