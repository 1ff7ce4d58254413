import { createGuard, createKey, MemoryKeyStore, MemoryCacheStore } from '@vectorcache/core';
const keys = new MemoryKeyStore();
const { key } = await createKey(keys, { environment: 'dev', name: 'b', scopes: ['cache:read', 'cache:write'] });
const ranges: string[] = [];
for (let i = 0; i < 100000; i++) ranges.push(`${10 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`);
ranges.push('127.0.0.0/8');
const guard = createGuard({ environment: 'dev', keys, cache: new MemoryCacheStore(), ipAllowlist: ranges, encryption: { secret: 'x'.repeat(40) + 'abc' }, silenceWarnings: ['VC_ENCRYPTION_SECRET_WHITESPACE'] });
await guard.ready();
const prompt = 'Explain how a response cache in front of a language model reduces cost and latency. '.repeat(12);
const view = (i: number) => ({ method: 'POST', url: '/v1/chat/completions', remoteAddress: '127.0.0.1', encrypted: false,
  headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': '1100' },
  body: { model: 'gpt-4o', messages: [{ role: 'user', content: prompt + i }] } });
const N = Number(process.argv[2] ?? 20000);
// miss path incl. complete()
let t = process.hrtime.bigint();
for (let i = 0; i < N; i++) {
  const d = await guard.handle(view(i));
  if (d.kind === 'pass' && d.ticket) await guard.complete(d.ticket, { status: 200, headers: { 'content-type': 'application/json' }, body: '{"choices":[{"message":{"role":"assistant","content":"A cache avoids repeated upstream calls."}}]}' }).done;
}
console.log('miss+store µs/op', Number(process.hrtime.bigint() - t) / N / 1000);
t = process.hrtime.bigint();
for (let i = 0; i < N; i++) { const d = await guard.handle(view(i % 1000)); if (d.kind !== 'respond') throw new Error('expected hit ' + d.kind); }
console.log('hit µs/op', Number(process.hrtime.bigint() - t) / N / 1000);
