// Runs a bench module in a fresh `node --expose-gc` child and reads the JSON line it prints last: for figures nothing else in the bench may touch (RSS).
import { spawn } from 'node:child_process';

/** `file` run with `args` in a child of this Node (sources through tsx, gc exposed); its last stdout line, parsed. */
export async function runJsonChild<T>(file: string, args: string[], what: string): Promise<T> {
  const child = spawn(process.execPath, ['--expose-gc', '--conditions=source', '--import', 'tsx', file, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${what} child exited with ${code}`);
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}
