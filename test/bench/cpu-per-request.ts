// Server CPU time per request (user+system of the server process, from /proc), for bare and guarded servers side by side.
import { readFileSync } from 'node:fs';
import { load, startServer, type Framework, type HttpCase, SERVER_MODE } from './http.js';

function cpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // utime + stime in clock ticks (100 Hz)
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
      const before = cpuUs(s.child.pid!);
      const { result } = await load(s, c, 3, 10);
      results.get(c)!.push((cpuUs(s.child.pid!) - before) / result.requests.total);
    }
  }
} finally {
  await Promise.all(servers.map((s) => s.stop()));
}
for (const [c, xs] of results) console.log(`${fw} ${c.padEnd(6)} ${xs.map((x) => x.toFixed(0)).join(' / ')} µs CPU per request`);
