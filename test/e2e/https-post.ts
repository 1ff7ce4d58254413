// A chat POST over HTTPS that trusts only the given CA (the test certificate), for the TLS tests.
import { request } from 'node:https';

export interface HttpsAnswer { status: number; headers: Record<string, unknown>; body: string }

export function postOverTls(url: string, ca: string, key: string, chat: Record<string, unknown>): Promise<HttpsAnswer> {
  const target = new URL('/v1/chat/completions', url);
  const body = JSON.stringify(chat);
  return new Promise((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', ca, servername: 'localhost',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${key}` } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
