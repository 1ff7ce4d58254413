// X-Forwarded-For past Node's header cap (issue 13 item 9): a real server behind a real appending proxy hop.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headerCapOf, headerCapReached, headerCountOf } from './header-cap.js';
import { compileTrustProxy } from './trust-proxy.js';

const PROXY_ADDRESS = '127.0.0.2';
const CLIENT_ADDRESS = '127.0.0.3';
const FORGED = '203.0.113.9';

interface Seen {
  address: string | null;
  secure: boolean;
  received: number;
  /** The walk without the hint, as before the fix. */
  unguarded: string | null;
}

/** The app: trusts only the proxy's address, answers what the trust walk concluded. */
function appServer(): Server {
  const trust = compileTrustProxy(PROXY_ADDRESS);
  return createServer((req: IncomingMessage, res) => {
    const count = headerCountOf(req);
    const seen: Seen = {
      address: trust.clientAddress(req.socket.remoteAddress, req.headers, count),
      secure: trust.isSecure(false, req.socket.remoteAddress, req.headers, count),
      received: count.received,
      unguarded: trust.clientAddress(req.socket.remoteAddress, req.headers),
    };
    res.setHeader('connection', 'close');
    res.end(JSON.stringify(seen));
  });
}

/**
 * A proxy hop as some proxies do it: it adds its own `X-Forwarded-For` / `X-Forwarded-Proto` lines
 * after the client's header lines (it does not merge them) and connects from PROXY_ADDRESS.
 */
function appendingProxy(appPort: number): TcpServer {
  return createTcpServer((client: Socket) => {
    let head = '';
    client.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      client.removeAllListeners('data');
      const forwarded = `${head.slice(0, end)}\r\nX-Forwarded-For: ${client.remoteAddress}\r\nX-Forwarded-Proto: http\r\n\r\n`;
      const upstream = connect({ port: appPort, host: '127.0.0.1', localAddress: PROXY_ADDRESS }, () => upstream.write(forwarded, 'latin1'));
      upstream.pipe(client);
      upstream.on('error', () => client.destroy());
    });
    client.on('error', () => undefined);
  });
}

/** Sends a raw request with `lines` filler header lines, the client's forged lines at `forgedAt`. */
function send(port: number, lines: number, forgedAt: number): Promise<{ status: number; seen?: Seen }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: CLIENT_ADDRESS }, () => {
      let head = 'GET / HTTP/1.1\r\nHost: app\r\n';
      for (let i = 0; i < lines; i++) {
        if (i === forgedAt) head += `X-Forwarded-For: ${FORGED}\r\nX-Forwarded-Proto: https\r\n`;
        head += `a:${i % 10}\r\n`;
      }
      if (forgedAt >= lines) head += `X-Forwarded-For: ${FORGED}\r\nX-Forwarded-Proto: https\r\n`;
      socket.write(head + 'Connection: close\r\n\r\n', 'latin1');
    });
    let answer = '';
    socket.on('data', (chunk: Buffer) => { answer += chunk.toString('latin1'); });
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(answer.slice(9, 12));
      const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
      resolve(status === 200 ? { status, seen: JSON.parse(body) as Seen } : { status });
    });
  });
}

const listen = (server: Server | TcpServer, host: string) =>
  new Promise<number>((resolve) => server.listen(0, host, () => resolve((server.address() as AddressInfo).port)));

describe('header-count cap behind a trusted proxy', () => {
  let app: Server;
  let proxy: TcpServer;
  let proxyPort: number;

  beforeAll(async () => {
    app = appServer();
    const appPort = await listen(app, '127.0.0.1');
    proxy = appendingProxy(appPort);
    proxyPort = await listen(proxy, '127.0.0.1');
  });
  afterAll(async () => {
    app.closeAllConnections();
    await new Promise((resolve) => app.close(resolve));
    await new Promise((resolve) => proxy.close(resolve));
  });

  it('below the cap the proxy\'s line wins; at or past it (2,000+ lines included) the address is null and nothing is secure', async () => {
    const cap = headerCapOf({ socket: { server: app } } as unknown as IncomingMessage);
    expect(cap).toBe(1000);
    await fc.assert(fc.asyncProperty(
      fc.oneof(fc.integer({ min: 0, max: cap - 10 }), fc.integer({ min: cap - 4, max: 2600 })),
      fc.nat(),
      async (lines, where) => {
        const forgedAt = lines === 0 ? 0 : where % (lines + 1);
        const { status, seen } = await send(proxyPort, lines, forgedAt);
        expect(status).toBe(200);
        // Host, the two forged lines, Connection, the proxy's two lines: 6 besides the filler.
        if (seen!.received < cap) {
          expect(seen!.received).toBe(lines + 6);
          expect(seen).toMatchObject({ address: CLIENT_ADDRESS, secure: false });
        } else {
          expect(seen).toMatchObject({ address: null, secure: false });
        }
      },
    ), { numRuns: 24 });
    // The attack itself: 2,100 filler lines push the proxy's lines out; without the hint the forged line would win.
    const { seen } = await send(proxyPort, 2100, 5);
    expect(seen).toMatchObject({ address: null, secure: false, unguarded: FORGED });
    expect(seen!.received).toBeLessThan(2100);
  });
});

describe('headerCapOf / headerCapReached', () => {
  it('reads the server\'s maxHeadersCount as Node applies it', () => {
    fc.assert(fc.property(fc.oneof(fc.integer({ min: -5, max: 5000 }), fc.constant(null), fc.constant(undefined), fc.double({ min: 0, max: 100, noNaN: true })), fc.nat({ max: 6000 }), (setting, received) => {
      const cap = headerCapOf({ socket: { server: { maxHeadersCount: setting } } } as unknown as IncomingMessage);
      expect(cap).toBe(typeof setting !== 'number' ? 1000 : Math.max(0, Math.trunc(setting)));
      expect(headerCapReached({ received, cap })).toBe(cap > 0 && received >= cap);
    }));
    expect(headerCapReached(undefined)).toBe(false);
    // Node shifts the setting: NaN becomes 0 pairs, which is no cap at all.
    expect(headerCapOf({ socket: { server: { maxHeadersCount: Number.NaN } } } as unknown as IncomingMessage)).toBe(0);
  });

  it('the Forwarded walk fails closed at the cap too; below it the hint changes nothing', () => {
    const trust = compileTrustProxy('10.0.0.0/8', { forwarded: true });
    const headers = { forwarded: 'for=203.0.113.9;proto=https' };
    fc.assert(fc.property(fc.integer({ min: 1, max: 5000 }), fc.nat({ max: 6000 }), (cap, received) => {
      const count = { received, cap };
      const reached = received >= cap;
      expect(trust.clientAddress('10.1.2.3', headers, count)).toBe(reached ? null : '203.0.113.9');
      expect(trust.isSecure(false, '10.1.2.3', headers, count)).toBe(!reached);
      // A TLS socket is secure whatever the headers; an untrusted peer is the client whatever the count.
      expect(trust.isSecure(true, '10.1.2.3', headers, count)).toBe(true);
      expect(trust.clientAddress('192.0.2.1', headers, count)).toBe('192.0.2.1');
    }));
  });

  it('a server with a lowered cap is read from the real socket; untrusted peers ignore the hint', async () => {
    const trust = compileTrustProxy('10.0.0.0/8');
    const server = createServer((req, res) => {
      const count = headerCountOf(req);
      res.end(JSON.stringify({ count, address: trust.clientAddress(req.socket.remoteAddress, req.headers, count) }));
    });
    server.maxHeadersCount = 40;
    const port = await listen(server, '127.0.0.1');
    try {
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => socket.write(`GET / HTTP/1.1\r\nHost: x\r\n${'a:1\r\n'.repeat(80)}Connection: close\r\n\r\n`));
        let text = '';
        socket.on('data', (c: Buffer) => { text += c.toString(); });
        socket.on('close', () => resolve(text.slice(text.indexOf('\r\n\r\n') + 4)));
      });
      const parsed = JSON.parse(answer) as { count: { received: number; cap: number }; address: string | null };
      expect(parsed.count.cap).toBe(40);
      expect(parsed.count.received).toBeGreaterThanOrEqual(40);
      // The socket peer (127.0.0.1) is not a trusted proxy: the headers are not read, so the cap does not matter.
      expect(parsed.address).toBe('127.0.0.1');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
