// Interop with Python's cryptography.fernet and hashlib: tokens, rotation and derived keys both ways.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { deriveFernetKey } from './derive.js';
import { Fernet } from './fernet.js';
import { MultiFernet } from './multi-fernet.js';

/** Runs a Python snippet with a JSON request on stdin and returns its JSON answer; nothing goes through a shell. */
// biome-ignore lint/suspicious/noExplicitAny: each test reads the fields of its own Python answer
function python(script: string, request: unknown): any {
  const prelude = 'import sys, json, base64, hashlib\nfrom cryptography.fernet import Fernet, MultiFernet, InvalidToken\nreq = json.load(sys.stdin)\n';
  const out = execFileSync('python3', ['-c', prelude + script], { input: JSON.stringify(request), encoding: 'utf8' });
  return JSON.parse(out);
}

describe('Python cryptography.fernet interop', () => {
  it('Python decrypts tokens made by Node (text, Unicode, binary, empty)', () => {
    const key = Fernet.generateKey();
    const f = new Fernet(key);
    const texts = ['hello', '', 'Grüße, 世界 🌍', 'x'.repeat(5000)];
    const binary = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff));
    const answer = python(
      'f = Fernet(req["key"].encode())\n' +
        'print(json.dumps({"texts": [f.decrypt(t.encode()).decode("utf-8") for t in req["texts"]],' +
        ' "binary": base64.b64encode(f.decrypt(req["binary"].encode())).decode(),' +
        ' "ts": f.extract_timestamp(req["texts"][0].encode())}))',
      { key, texts: texts.map((t) => f.encrypt(t, { now: new Date('2020-05-05T05:05:05Z') })), binary: f.encrypt(binary) },
    );
    expect(answer.texts).toEqual(texts);
    expect(Buffer.from(answer.binary, 'base64').equals(binary)).toBe(true);
    expect(answer.ts).toBe(Date.parse('2020-05-05T05:05:05Z') / 1000);
  });

  it('Node decrypts tokens made by Python, with a TTL, and with Python-generated keys', () => {
    const answer = python(
      'key = Fernet.generate_key()\nf = Fernet(key)\n' +
        'print(json.dumps({"key": key.decode(), "ts": 1700000000,' +
        ' "tokens": [f.encrypt_at_time(s.encode("utf-8"), 1700000000).decode() for s in req["texts"]]}))',
      { texts: ['hello', '', 'Grüße, 世界 🌍'] },
    );
    const f = new Fernet(answer.key as string);
    const now = new Date((answer.ts + 30) * 1000);
    expect((answer.tokens as string[]).map((t) => f.decryptText(t, { ttl: 60, now }))).toEqual(['hello', '', 'Grüße, 世界 🌍']);
    expect(() => f.decrypt(answer.tokens[0], { ttl: 10, now })).toThrow();
  });

  it('Python rejects a Node token under another key and Node rejects a tampered Python token', () => {
    const answer = python(
      'other = Fernet(Fernet.generate_key())\n' +
        'try:\n  other.decrypt(req["token"].encode())\n  ok = True\nexcept InvalidToken:\n  ok = False\n' +
        'key = Fernet.generate_key()\n' +
        'print(json.dumps({"accepted": ok, "key": key.decode(), "token": Fernet(key).encrypt(b"data").decode()}))',
      { token: new Fernet(Fernet.generateKey()).encrypt('x') },
    );
    expect(answer.accepted).toBe(false);
    const bytes = Buffer.from(answer.token as string, 'base64url');
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x80;
    const s = bytes.toString('base64url');
    expect(() => new Fernet(answer.key as string).decrypt(s + '='.repeat((4 - (s.length % 4)) % 4))).toThrow();
  });

  it('MultiFernet.rotate agrees with Python in both directions', () => {
    const oldKey = Fernet.generateKey();
    const newKey = Fernet.generateKey();
    const nodeOld = new Fernet(oldKey).encrypt('rotate me', { now: new Date(1_600_000_000_000) });
    const answer = python(
      'old, new = Fernet(req["old"].encode()), Fernet(req["new"].encode())\nm = MultiFernet([new, old])\n' +
        'py_rotated = m.rotate(old.encrypt_at_time(b"from python", 1500000000)).decode()\n' +
        'node_rotated = req["nodeRotated"].encode()\n' +
        'print(json.dumps({"pyRotated": py_rotated, "nodeRotated": new.decrypt(node_rotated).decode(),' +
        ' "nodeRotatedTs": new.extract_timestamp(node_rotated)}))',
      { old: oldKey, new: newKey, nodeRotated: new MultiFernet([new Fernet(newKey), new Fernet(oldKey)]).rotate(nodeOld) },
    );
    expect(answer.nodeRotated).toBe('rotate me');
    expect(answer.nodeRotatedTs).toBe(1_600_000_000);
    const onlyNew = new MultiFernet([new Fernet(newKey)]);
    expect(onlyNew.decryptText(answer.pyRotated)).toBe('from python');
    expect(onlyNew.extractTimestamp(answer.pyRotated)).toBe(1_500_000_000);
  });

  it('deriveFernetKey matches Python PBKDF2-HMAC-SHA256 + urlsafe_b64encode, and Python can use the key', async () => {
    const cases = [
      { secret: 'correct horse battery staple, and then some more', salt: 'vectorcache-guard/v1', iterations: 100_000 },
      { secret: 'Grüße 🔑', salt: 'sél', iterations: 1_000 },
      { secret: 'a', salt: '', iterations: 1 },
    ];
    const nodeKeys = await Promise.all(cases.map((c) => deriveFernetKey(c.secret, c.salt, { iterations: c.iterations })));
    const answer = python(
      'keys = [base64.urlsafe_b64encode(hashlib.pbkdf2_hmac("sha256", c["secret"].encode(), c["salt"].encode(), c["iterations"], 32)).decode() for c in req["cases"]]\n' +
        'print(json.dumps({"keys": keys, "text": Fernet(req["nodeKey"].encode()).decrypt(req["token"].encode()).decode()}))',
      { cases, nodeKey: nodeKeys[0], token: new Fernet(nodeKeys[0]!).encrypt('derived ok') },
    );
    expect(nodeKeys).toEqual(answer.keys);
    expect(answer.text).toBe('derived ok');
  });

  it('deriveFernetKey also matches cryptography’s PBKDF2HMAC class', async () => {
    const key = await deriveFernetKey('another-secret-of-decent-length!!', 'salt-2');
    const answer = python(
      'from cryptography.hazmat.primitives import hashes\nfrom cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC\n' +
        'kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=req["salt"].encode(), iterations=100000)\n' +
        'print(json.dumps(base64.urlsafe_b64encode(kdf.derive(req["secret"].encode())).decode()))',
      { secret: 'another-secret-of-decent-length!!', salt: 'salt-2' },
    );
    expect(key).toBe(answer);
  });
});
