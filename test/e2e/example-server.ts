// Spawns an example server as its own process on a free port and reads its URL and dev key from the banner.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface RunningExample {
  url: string;
  key: string | undefined;
  dir: string;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts `examples/<name>/src/server.ts` with its own key file in a fresh temp folder. */
export async function startExample(name: 'express-chat' | 'koa-chat' | 'fastify-chat', env: Record<string, string> = {}): Promise<RunningExample> {
  const dir = mkdtempSync(join(tmpdir(), 'vc-e2e-'));
  const child: ChildProcess = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', `examples/${name}/src/server.ts`], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', OFFLINE_MODEL_DELAY_MS: '100', INIT_CWD: dir, VECTORCACHE_KEY_STORE: `file:${join(dir, 'keys.json')}`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { out += c.toString(); });
  const url = await new Promise<string>((resolveUrl, reject) => {
    // A server that does not come up is killed, so a failed start never leaves a process behind.
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`example ${name} did not start:\n${out}`)); }, 20_000);
    const check = () => {
      const match = /listening on (https?:\/\/\S+)/.exec(out);
      if (match && (out.includes('vc_') || !out.includes('Created a dev API key'))) {
        // Give the banner a moment to be fully written.
        setTimeout(() => { clearTimeout(timer); resolveUrl(match[1]!); }, 50);
        return true;
      }
      return false;
    };
    child.stdout!.on('data', () => check());
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`example ${name} exited with ${code}:\n${out}`)); });
  });
  const key = /^\s+(vc_dev_[0-9A-Za-z]+)\s*$/m.exec(out)?.[1];
  return {
    url, key, dir, output: () => out,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const forced = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(forced);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
