// Example-server processes and HTTP calls for the multi-instance and fault suites; every child is killed, even on failure.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

export interface ExampleProcess {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** Everything this module started and not yet stopped, so `stopAll` can clean up after a failure. */
const running = new Set<() => Promise<void>>();

/**
 * Starts `examples/<name>/src/server.ts` (PORT 0) and resolves with its URL. Unlike the e2e helper,
 * a process that fails to start in time is killed, and its temp folder is removed on stop.
 */
export async function startExample(name: 'express-chat' | 'koa-chat' | 'fastify-chat', env: Record<string, string>): Promise<ExampleProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'vc-multi-'));
  const child: ChildProcess = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', `examples/${name}/src/server.ts`], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', OFFLINE_MODEL_DELAY_MS: '100', INIT_CWD: dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { out += c.toString(); });
  const stop = async (): Promise<void> => {
    running.delete(stop);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      // The server closes its stores on SIGTERM; a store stuck on a dead Redis must not stall the suite.
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  running.add(stop);
  try {
    const url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`example ${name} did not start within 30 s:\n${out}`)), 30_000);
      child.stdout!.on('data', () => {
        const match = /listening on (https?:\/\/\S+)/.exec(out);
        if (match) { clearTimeout(timer); resolveUrl(match[1]!); }
      });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`example ${name} exited with ${code}:\n${out}`)); });
    });
    return { url, output: () => out, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Stops every example process still running (afterAll). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((stop) => stop()));
}

export interface Reply {
  status: number;
  /** X-Vectorcache-Status. */
  cache: string | null;
  /** X-Vectorcache-Reason. */
  reason: string | null;
  /** The problem code of a denial. */
  code: string | undefined;
  body: unknown;
  ms: number;
}

export interface CallOptions {
  key?: string;
  method?: string;
  body?: unknown;
  /** Client address as the trusted loopback proxy reports it (the servers trust loopback). */
  client?: string;
  subject?: string;
}

/** One HTTP call with a hard 5 s deadline, so a hanging server fails the test instead of stalling it. */
export async function call(base: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.client) headers['x-forwarded-for'] = options.client;
  if (options.subject) headers['x-vectorcache-subject'] = options.subject;
  const started = performance.now();
  const res = await fetch(`${base}${path}`, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await res.text();
  const ms = performance.now() - started;
  let body: unknown = text;
  try { body = JSON.parse(text); } catch { /* not JSON */ }
  const code = typeof body === 'object' && body !== null ? (body as { code?: string }).code : undefined;
  return { status: res.status, cache: res.headers.get('x-vectorcache-status'), reason: res.headers.get('x-vectorcache-reason'), code, body, ms };
}

/** A chat completion for the offline model. */
export function chat(content: string): Record<string, unknown> {
  return { model: 'offline-1', messages: [{ role: 'user', content }] };
}

/** Retries `check` every `everyMs` until it returns true or `ms` pass; returns the elapsed time or throws. */
export async function until(what: string, ms: number, check: () => Promise<boolean>, everyMs = 20): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > ms) throw new Error(`${what}: not true within ${ms} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
