// `--profile`: the guarded miss path under `node --cpu-prof`, reduced to its top self-time frames for removing per-request work.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load, SERVER_MODE, startServer, type Framework, type HttpCase } from './http.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

/** The JSON `--cpu-prof` writes (the DevTools Profiler.Profile shape). Times in microseconds. */
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Frame {
  /** `function (file:line)`; V8 pseudo-frames such as `(garbage collector)` keep their name. */
  frame: string;
  selfMs: number;
  /** Share of all samples in the window that were not idle. */
  percent: number;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function fileOf(f: CallFrame): string {
  if (!f.url) return '';
  let file = f.url.startsWith('file://') ? fileURLToPath(f.url) : f.url;
  if (file.startsWith(ROOT)) file = relative(ROOT, file);
  return file.replace(/^.*node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?/, '');
}

/**
 * `function (file:line)`. tsx emits each TypeScript module on one line, so for our sources V8's
 * line is always 1 and only the function name locates the frame: the line is left out there.
 */
function frameName(f: CallFrame): string {
  const name = f.functionName || '(anonymous)';
  const file = fileOf(f);
  if (!file) return name;
  return f.lineNumber > 0 ? `${name} (${file}:${f.lineNumber + 1})` : `${name} (${file})`;
}

/**
 * Self time per frame, summed over nodes with the same function and location. Only samples
 * taken between `fromUs` and `toUs` (the monotonic clock the profile uses) count, so start-up
 * (module loading, allowlist compilation) does not drown the per-request work.
 */
export function topSelfFrames(
  profile: CpuProfile,
  limit = 15,
  fromUs = -Infinity,
  toUs = Infinity,
): { frames: Frame[]; files: Frame[]; windowMs: number; idleMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const perFile = new Map<string, number>();
  let t = profile.startTime;
  let busy = 0;
  let idle = 0;
  let windowUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    // A sample stands for the interval up to the next one.
    const span = profile.timeDeltas[i + 1] ?? 0;
    if (t < fromUs || t > toUs) continue;
    windowUs += span;
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    const name = frameName(node.callFrame);
    if (name === '(idle)') {
      idle += span;
      continue;
    }
    busy += span;
    self.set(name, (self.get(name) ?? 0) + span);
    const file = fileOf(node.callFrame) || name;
    perFile.set(file, (perFile.get(file) ?? 0) + span);
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([frame, us]) => ({ frame, selfMs: us / 1000, percent: busy > 0 ? (100 * us) / busy : 0 }));
  return { frames: top(self, limit), files: top(perFile, 10), windowMs: windowUs / 1000, idleMs: idle / 1000 };
}

export interface ProfileReport {
  framework: Framework;
  case: HttpCase;
  profilePath: string;
  requests: number;
  rps: number;
  windowMs: number;
  idleMs: number;
  frames: Frame[];
  /** Self time summed per source file (or V8 pseudo-frame). */
  files: Frame[];
}

/**
 * Runs one case (by default the guarded miss path) of `framework` under `--cpu-prof` for
 * `durationS` seconds of load and reads the profile back. Profiling `bare` too shows which
 * frames are the framework's own.
 */
export async function profileCase(framework: Framework, durationS: number, c: HttpCase = 'miss', connections = 10): Promise<ProfileReport> {
  const dir = mkdtempSync(join(tmpdir(), 'vectorcache-prof-'));
  const server = await startServer(framework, SERVER_MODE[c], ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  let requests = 0;
  let rps = 0;
  let fromUs = 0;
  let toUs = 0;
  try {
    await load(server, c, 1, connections); // warm-up: let the JIT settle before the window opens
    fromUs = Number(process.hrtime.bigint() / 1000n);
    const { result } = await load(server, c, durationS, connections);
    toUs = Number(process.hrtime.bigint() / 1000n);
    requests = result.requests.total;
    rps = requests / result.duration;
  } finally {
    await server.stop(); // SIGTERM → process.exit → the profile is written
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile written in ${dir}`);
  const profilePath = join(dir, file);
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile;
  let top = topSelfFrames(profile, 15, fromUs, toUs);
  // Both clocks are CLOCK_MONOTONIC on Linux; elsewhere they may differ, then fall back to the whole profile.
  if (top.windowMs === 0) top = topSelfFrames(profile, 15);
  return { framework, case: c, profilePath, requests, rps, windowMs: top.windowMs, idleMs: top.idleMs, frames: top.frames, files: top.files };
}

export function formatProfile(report: ProfileReport): string {
  const lines = [
    `CPU profile of ${report.framework} ${report.case} under load: ${report.requests} requests, ${Math.round(report.rps)} req/s`,
    `window ${report.windowMs.toFixed(0)} ms, idle ${report.idleMs.toFixed(0)} ms; profile: ${report.profilePath}`,
    'self ms   % busy  frame',
  ];
  for (const f of report.frames) lines.push(`${f.selfMs.toFixed(1).padStart(8)}  ${f.percent.toFixed(1).padStart(6)}  ${f.frame}`);
  lines.push('', 'self ms   % busy  file');
  for (const f of report.files) lines.push(`${f.selfMs.toFixed(1).padStart(8)}  ${f.percent.toFixed(1).padStart(6)}  ${f.frame}`);
  return lines.join('\n');
}
