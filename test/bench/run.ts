// `pnpm bench [--quick] [--only=http|inprocess] [--profile[=<framework>[:<case>]]]`: runs the issue-9 benchmark, prints one table, writes results.json.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { casesFor, runHttp, type Framework, type HttpCase, type HttpRow, type HttpSettings } from './http.js';
import { gateRows, semanticRows, vectorRows } from './whole-gate.js';
import { IN_PROCESS_SETTINGS, runInProcess, type BenchRow } from './inprocess.js';
import { formatProfile, profileCase } from './profile.js';
import { evaluateGoals, machine, renderTable, type Results } from './report.js';

const HTTP_SETTINGS: Record<'full' | 'quick', HttpSettings> = {
  full: { rounds: 3, durationS: 5, warmupS: 1, connections: 10, frameworks: ['express', 'koa', 'fastify'] },
  quick: { rounds: 1, durationS: 2, warmupS: 0.5, connections: 10, frameworks: ['express', 'koa', 'fastify'] },
};

const USAGE = `usage: pnpm bench [--quick] [--only=http|inprocess] [--profile[=<framework>[:<case>]]]
  (no flag)   full run: HTTP 3 rounds × 5 s per case, in-process 7 rounds (under 10 minutes)
  --quick     HTTP 1 round × 2 s, in-process 5 short rounds (under 2 minutes)
  --only=…    run one part only (goals of the other part show n/a)
  --profile   CPU-profile one HTTP case under load and print its top 15 self-time frames;
              default express:miss (framework express|koa|fastify, case bare|miss|hit|peer10|peer1000)`;

interface Args {
  quick: boolean;
  only?: 'http' | 'inprocess';
  profile?: { framework: Framework; case: HttpCase };
}

function parseArgs(argv: string[]): Args {
  const out: Args = { quick: false };
  for (const arg of argv) {
    if (arg === '--') continue;
    if (arg === '--quick') out.quick = true;
    else if (arg === '--only=http' || arg === '--only=inprocess') out.only = arg.slice(7) as 'http' | 'inprocess';
    else if (arg === '--profile') out.profile = { framework: 'express', case: 'miss' };
    else if (/^--profile=(express|koa|fastify)(:\w+)?$/.test(arg)) {
      const [framework, c = 'miss'] = arg.slice(10).split(':') as [Framework, HttpCase?];
      if (!casesFor(framework).includes(c)) {
        console.error(`${framework} has no case ${c} (${casesFor(framework).join(', ')})`);
        process.exit(2);
      }
      out.profile = { framework, case: c };
    } else {
      console.error(arg === '--help' || arg === '-h' ? USAGE : `unknown argument ${arg}\n${USAGE}`);
      process.exit(arg === '--help' || arg === '-h' ? 0 : 2);
    }
  }
  return out;
}

const progress = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.profile) {
    const report = await profileCase(args.profile.framework, args.quick ? 4 : 10, args.profile.case);
    console.log(formatProfile(report));
    return;
  }
  const mode = args.quick ? 'quick' : 'full';
  const started = Date.now();
  const results: Results = {
    date: new Date().toISOString(),
    node: process.version,
    machine: machine(),
    mode,
    settings: { http: HTTP_SETTINGS[mode], inProcess: IN_PROCESS_SETTINGS[mode] },
    http: [] as HttpRow[],
    inProcess: [] as BenchRow[],
    goals: [],
  };
  if (results.machine.loadAverageAtStart[0]! > results.machine.cores * 0.5) {
    progress(`note: load average ${results.machine.loadAverageAtStart[0]} on ${results.machine.cores} cores; figures will be noisy`);
  }
  if (args.only !== 'inprocess') {
    progress(`HTTP (${mode}): ${HTTP_SETTINGS[mode].rounds} round(s) of ${HTTP_SETTINGS[mode].durationS} s per case`);
    results.http = await runHttp(HTTP_SETTINGS[mode], progress);
  }
  if (args.only !== 'http') {
    progress(`in-process (${mode})`);
    results.inProcess = await runInProcess(IN_PROCESS_SETTINGS[mode], progress);
    results.inProcess.push(...await gateRows(mode));
    progress('  whole gate done');
    // The embedder first: its table load and memory are measured on a fresh process state.
    results.inProcess.push(...semanticRows());
    progress('  semantic done');
    results.inProcess.push(...await vectorRows(mode, progress));
  }
  results.goals = evaluateGoals(results.http, results.inProcess);
  results.machine.loadAverageAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
  results.durationS = Math.round((Date.now() - started) / 100) / 10;
  console.log(renderTable(results));
  const file = fileURLToPath(new URL('./results.json', import.meta.url));
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  progress(`\n${results.durationS} s; wrote ${file}`);
  if (results.http.some((row) => row.check?.includes('INVALID'))) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
