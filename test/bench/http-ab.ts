// Before/after over HTTP: this tree's guarded servers against another installed checkout's, one load generator, rounds alternating.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { load, SERVER_MODE, startServer, type Framework, type HttpCase, type RunningServer } from './http.js';
import { median } from './timing.js';

type Start = typeof startServer;
const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const basePath = arg('base');
if (!basePath) {
  process.stderr.write('usage: http-ab.ts --base=<path of another checkout, installed> [--frameworks=express,fastify] [--rounds=4] [--seconds=3]\n');
  process.exit(2);
}
const frameworks = (arg('frameworks') ?? 'express,koa,fastify').split(',') as Framework[];
const rounds = Number(arg('rounds') ?? 4);
const seconds = Number(arg('seconds') ?? 3);
// The base checkout's own http.ts starts its own servers (its guard, its adapters).
const baseStart = ((await import(pathToFileURL(join(basePath, 'test/bench/http.ts')).href)) as { startServer: Start }).startServer;

for (const framework of frameworks) {
  const cases: HttpCase[] = ['bare', 'miss', 'hit'];
  const servers = new Map<string, RunningServer>();
  try {
    for (const c of cases) {
      servers.set(`here ${c}`, await startServer(framework, SERVER_MODE[c]));
      if (c !== 'bare') servers.set(`base ${c}`, await baseStart(framework, SERVER_MODE[c]));
    }
    const rps = new Map<string, number[]>([...servers.keys()].map((k) => [k, []]));
    for (const [name, s] of servers) await load(s, name.endsWith('bare') ? 'bare' : (name.split(' ')[1] as HttpCase), 1, 10);
    for (let r = 0; r < rounds; r++) {
      const names = r % 2 ? [...servers.keys()].reverse() : [...servers.keys()];
      for (const name of names) {
        const { result } = await load(servers.get(name)!, name.split(' ')[1] as HttpCase, seconds, 10);
        if (result.non2xx || result.errors) throw new Error(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
        rps.get(name)!.push(result.requests.total / result.duration);
      }
    }
    const bare = rps.get('here bare')!;
    for (const c of ['miss', 'hit']) {
      const ratio = (side: string) => median(rps.get(`${side} ${c}`)!.map((x, i) => x / bare[i]!));
      const abs = (side: string) => Math.round(median(rps.get(`${side} ${c}`)!));
      console.log(`${framework} ${c.padEnd(4)} base ${abs('base')} req/s (${(ratio('base') * 100).toFixed(0)}% of bare) · here ${abs('here')} req/s (${(ratio('here') * 100).toFixed(0)}% of bare) · here/base ${(median(rps.get(`here ${c}`)!.map((x, i) => x / rps.get(`base ${c}`)![i]!))).toFixed(2)}`);
    }
    console.log(`${framework} bare ${Math.round(median(bare))} req/s`);
  } finally {
    await Promise.all([...servers.values()].map((s) => s.stop()));
  }
}
