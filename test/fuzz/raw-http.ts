// Raw HTTP/1.1 over a socket for the fuzz suite: any header lines and bytes, a hard timeout, the answer as sent.
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawRequest {
  method: string;
  path: string;
  /** Header lines in order, duplicates allowed; Host, Content-Length and Connection are added. */
  headers: ReadonlyArray<readonly [string, string]>;
  body?: Buffer;
}

/** Decodes a chunked body (what Koa and Express send for streamed answers). */
function dechunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    if (eol === -1) break;
    const size = parseInt(raw.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

function parse(raw: Buffer): RawResponse | undefined {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(statusLine!.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    headers[name] = headers[name] === undefined ? line.slice(colon + 1).trim() : `${headers[name]}, ${line.slice(colon + 1).trim()}`;
  }
  const rest = raw.subarray(end + 4);
  const body = headers['transfer-encoding']?.includes('chunked') ? dechunk(rest) : rest;
  return { status, headers, body: body.toString('utf8') };
}

/**
 * Sends one request on a fresh connection (Connection: close) and resolves with the parsed answer.
 * Rejects on a timeout (a hang) or when the connection ends without a complete answer head.
 */
export function rawRequest(url: string, request: RawRequest, timeoutMs = 10_000): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  const body = request.body ?? Buffer.alloc(0);
  let head = `${request.method} ${request.path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n`;
  for (const [name, value] of request.headers) head += `${name}: ${value}\r\n`;
  head += `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms (${request.method} ${request.path})`));
    }, timeoutMs);
    const finish = (): void => {
      clearTimeout(timer);
      const response = parse(Buffer.concat(chunks));
      if (response) resolve(response);
      else reject(new Error('connection closed without an answer'));
    };
    socket.on('connect', () => {
      socket.write(head, 'latin1');
      // A server may answer (413, 401) and close before reading the whole body: that is allowed.
      socket.write(body, () => undefined);
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', finish);
  });
}
