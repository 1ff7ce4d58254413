// Starting, announcing and stopping an example server, the same way for all three frameworks.
import { createServer as createHttp, type RequestListener, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ExampleConfig } from './config.js';
import type { ChatResult } from './model.js';

/** Listens on the configured host and port, over TLS (1.3 minimum unless lowered) when TLS_CERT/TLS_KEY are set. */
export async function listen(config: ExampleConfig, listener: RequestListener): Promise<{ server: Server; url: string }> {
  const server = config.tls ? createHttps({ cert: config.tls.cert, key: config.tls.key, minVersion: config.tls.minVersion }, listener) : createHttp(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { server, url: `${config.tls ? 'https' : 'http'}://${host}:${address.port}` };
}

/** What a newcomer needs on the first screen: where it runs and a key to try it with. */
export function banner(config: ExampleConfig, url: string, framework: string): string {
  const lines = [`vectorcache ${framework}-chat listening on ${url} (environment ${config.environment})`];
  if (config.bootstrapKey) {
    lines.push(
      '',
      'Created a dev API key (shown once; only its hash is stored):',
      `  ${config.bootstrapKey}`,
      '',
      'Try it:',
      `  curl -s ${url}/v1/chat/completions -H "Authorization: Bearer ${config.bootstrapKey}" \\`,
      `    -H 'content-type: application/json' -d '{"model":"offline-1","messages":[{"role":"user","content":"Hello"}]}' -i`,
    );
  }
  return lines.join('\n');
}

/** Formats a streaming result as OpenAI-style server-sent events. */
export async function* sseEvents(result: Extract<ChatResult, { kind: 'stream' }>): AsyncIterable<string> {
  for await (const chunk of result.chunks) yield `data: ${chunk}\n\n`;
  yield 'data: [DONE]\n\n';
}

/** Runs `main`, printing configuration errors as one line and exiting 1 instead of a stack trace. */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message}\n`);
    process.exit(1);
  });
}

/** Stops on SIGINT/SIGTERM after closing the server and the guard's stores. */
export function closeOnSignal(close: () => Promise<void>): void {
  const stop = () => { close().finally(() => process.exit(0)); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
