// Server CPU time per request (user+system of the server process, as it reports it), for bare and guarded servers side by side.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { load, startServer, type Framework, type HttpCase, type RunningServer, SERVER_MODE } from './http.js';

/** The server's own CPU time in µs: it prints `{ cpuUs }` on SIGUSR2 (servers/common.ts). */
async function cpuUs(server: RunningServer): Promise<number> {
  const lines = createInterface({ input: server.child.stdout! });
  try {
    const line = once(lines, 'line') as Promise<[string]>;
    server.child.kill('SIGUSR2');
    const [text] = await line;
    return (JSON.parse(text) as { cpuUs: number }).cpuUs;
  } finally {
    lines.close();
  }
}

const fw = (process.argv[2] ?? 'express') as Framework;
const cases = (process.argv[3] ?? 'bare,miss,hit').split(',') as HttpCase[];
const rounds = Number(process.argv[4] ?? 3);
const servers = await Promise.all(cases.map((c) => startServer(fw, SERVER_MODE[c])));
const results = new Map<HttpCase, number[]>(cases.map((c) => [c, []]));
try {
  for (const [i, c] of cases.entries()) await load(servers[i]!, c, 1, 10);
  for (let r = 0; r < rounds; r++) {
    for (const [i, c] of cases.entries()) {
      const s = servers[i]!;
      const before = await cpuUs(s);
      const { result } = await load(s, c, 3, 10);
      results.get(c)!.push(((await cpuUs(s)) - before) / result.requests.total);
    }
  }
} finally {
  await Promise.all(servers.map((s) => s.stop()));
}
for (const [c, xs] of results) console.log(`${fw} ${c.padEnd(6)} ${xs.map((x) => x.toFixed(0)).join(' / ')} µs CPU per request`);
