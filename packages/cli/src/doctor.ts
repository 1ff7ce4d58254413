// `vectorcache doctor`: checks the app's guard options (--config), the process environment and the project folder.
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { parseArgs } from 'node:util';
import { diagnoseOptions, optionsEnvironment, type Finding, type FindingStatus, type KeyStore } from '@vectorcache/core';
import { UsageError, type CliIo, type CommandGroup } from './context.js';
import { loadAppConfig, type AppConfig } from './doctor/config.js';
import { envEnvironment, envOptionChecks, envTransportChecks } from './doctor/env.js';
import { appKeyStoreChecks, envKeyStoreChecks } from './doctor/key-store.js';
import { projectChecks } from './doctor/project.js';

export { secretWeakness } from '@vectorcache/core';
export { scanForKeys } from './doctor/project.js';
export { ROTATION_DAYS } from './doctor/key-store.js';

export const DOCTOR_USAGE = `Usage:
  vectorcache doctor [--dir <path>] [--config <module>] [--json]

Checks a deployment against the security checklist: the guard options the app passes to
createGuard (--config: a module exporting them, or the guard; .js, .mjs, .cjs, or .ts through
tsx), else the VECTORCACHE_* variables of this process; the served TLS minimum and every outbound
URL (UPSTREAM_BASE_URL, stores); and the project folder (default: the current directory).
Prints one pass / warn / fail line per check with where its setting came from and the fix, and
exits 1 when any check fails (0 otherwise), so it can gate a deploy.
Never prints a key or a secret: keys are shown by their hint, secrets by their length.
`;

export type CheckStatus = FindingStatus;
/** One line of the report; `source` says where the judged setting came from. */
export type CheckResult = Finding;

export interface DoctorReport {
  environment: string;
  checks: CheckResult[];
}

const isKeyStore = (keys: unknown): keys is KeyStore =>
  typeof keys === 'object' && keys !== null && typeof (keys as KeyStore).list === 'function';

/** The app's own settings (from --config) in place of the environment's, with where each came from. */
async function appChecks(io: CliIo, dir: string, app: AppConfig): Promise<DoctorReport> {
  if (app.kind === 'options') {
    const { environment } = optionsEnvironment(app.options, { source: app.source, env: io.env });
    const keys = isKeyStore(app.options.keys) ? await appKeyStoreChecks(io, app.options.keys, environment, app.source) : [];
    return { environment, checks: [...diagnoseOptions(app.options, { source: app.source, env: io.env }), ...keys] };
  }
  const { guard } = app;
  const environment = guard.environment;
  const keys = await envKeyStoreChecks(io, dir, environment);
  if (typeof guard.doctor === 'function') {
    const found = await guard.doctor();
        // The guard judges its own options; the reader wants to know which module they came from.
    return { environment, checks: [...found.map((f) => ({ ...f, source: !f.source || f.source === 'guard' ? app.source : f.source })), ...keys] };
  }
  const notice: Finding = {
    id: 'config', status: 'warn', source: app.source,
    message: `${app.source.slice('config '.length)} exports a guard, not its options, and this guard has no doctor(): only the environment's settings were checked, not the app's.`,
    fix: 'Export the options object you pass to createGuard (default export or named `options`) and point --config at it.',
  };
    const environmentFinding: Finding = { id: 'environment', status: 'pass', source: app.source, message: `Environment ${environment}.` };
  return { environment, checks: [notice, environmentFinding, ...envOptionChecks(io.env).filter((f) => f.id !== 'environment'), ...keys] };
}

/** Runs every check; never throws for a bad configuration (that is what the results are for). */
export async function runDoctor(io: CliIo, dir: string, app?: AppConfig): Promise<DoctorReport> {
  let report: DoctorReport;
  if (app) {
    report = await appChecks(io, dir, app);
  } else {
    const environment = envEnvironment(io.env);
    report = { environment, checks: [...envOptionChecks(io.env), ...(await envKeyStoreChecks(io, dir, environment))] };
  }
  return { environment: report.environment, checks: [...projectChecks(dir), ...report.checks, ...envTransportChecks(io.env, report.environment)] };
}

const LABEL: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' };

/** One line per check: status, id, source, message; the fix below it, aligned with the message. */
export function formatReport(report: DoctorReport): string {
  const { checks } = report;
  const width = Math.max(...checks.map((r) => r.id.length));
  const sourceWidth = Math.max(...checks.map((r) => r.source.length));
  const indent = ' '.repeat(4 + 2 + width + 2 + sourceWidth + 2);
  const counts = { pass: 0, warn: 0, fail: 0 };
  let out = '';
  for (const r of checks) {
    counts[r.status]++;
    out += `${LABEL[r.status]}  ${r.id.padEnd(width)}  ${r.source.padEnd(sourceWidth)}  ${r.message}\n`;
    if (r.fix) out += `${indent}fix: ${r.fix}\n`;
  }
  return `${out}\n${counts.pass} passed, ${counts.warn} warning${counts.warn === 1 ? '' : 's'}, ${counts.fail} failed (environment ${report.environment})\n`;
}

function parse(args: string[]): { dir?: string; config?: string; json?: boolean; help?: boolean } {
  try {
    return parseArgs({
      args, strict: true, allowPositionals: false,
      options: { dir: { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }).values;
  } catch (error) {
    throw new UsageError(`doctor: ${(error as Error).message.split('\n')[0]!}`, 'doctor');
  }
}

export const doctorCommand: CommandGroup = {
  summary: 'Check the app\'s guard options, the environment and the project folder against the security checklist',
  usage: DOCTOR_USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const values = parse(args);
    if (values.help) {
      io.stdout.write(DOCTOR_USAGE);
      return 0;
    }
    const cwd = io.cwd ?? process.cwd();
    const dir = nodePath.resolve(cwd, values.dir ?? '.');
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`doctor: --dir ${values.dir ?? '.'} is not a directory`, 'doctor');
    const app = values.config === undefined ? undefined : await loadAppConfig(values.config, cwd);
    let report: DoctorReport;
    try {
      report = await runDoctor(io, dir, app);
    } finally {
      await app?.close();
    }
    const ok = report.checks.every((r) => r.status !== 'fail');
    if (values.json) {
      const counts = { pass: 0, warn: 0, fail: 0 };
      for (const r of report.checks) counts[r.status]++;
      io.stdout.write(JSON.stringify({ ok, environment: report.environment, dir, ...(values.config ? { config: values.config } : {}), counts, checks: report.checks }) + '\n');
    } else {
      io.stdout.write(formatReport(report));
    }
    return ok ? 0 : 1;
  },
};
