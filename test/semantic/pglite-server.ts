// Test harness: a real pgvector (PGlite + pgvector, in-process WASM) served over TCP, behind a proxy that can stall.
import net from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface PgliteServer {
  /** postgres:// URL of the stallable proxy in front of the server. */
  url: string;
  /** Stops forwarding bytes both ways (connections stay open, as with a hung server); returns the undo. */
  stall(): () => void;
  stop(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

/** A TCP proxy on an ephemeral port; while stalled it holds every byte instead of forwarding it. */
function stallableProxy(target: { host: string; port: number }): Promise<{ port: number; stall(): () => void; close(): Promise<void> }> {
  let stalled = false;
  const held: (() => void)[] = [];
  const pairs = new Set<Pair>();
  const forward = (from: net.Socket, to: net.Socket): void => {
    from.on('data', (chunk) => {
      if (stalled) held.push(() => to.write(chunk));
      else to.write(chunk);
    });
    from.on('close', () => to.destroy());
    from.on('error', () => to.destroy());
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(target);
    const pair = { client, upstream };
    pairs.add(pair);
    client.on('close', () => pairs.delete(pair));
    forward(client, upstream);
    forward(upstream, client);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        stall() {
          stalled = true;
          return () => {
            stalled = false;
            for (const send of held.splice(0)) send();
          };
        },
        close: () => new Promise<void>((done) => {
          for (const { client, upstream } of pairs) {
            client.destroy();
            upstream.destroy();
          }
          server.close(() => done());
        }),
      });
    });
  });
}

/** `maxConnections`: pglite-socket multiplexes them over PGlite's one session (4, as checked with pg's pool). */
export async function startPglite(maxConnections = 4): Promise<PgliteServer> {
  const db = await PGlite.create({ extensions: { vector } });
  const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections });
  await server.start();
  const [host, port] = server.getServerConn().split(':');
  const proxy = await stallableProxy({ host: host!, port: Number(port) });
  return {
    url: `postgres://postgres@127.0.0.1:${proxy.port}/postgres`,
    stall: () => proxy.stall(),
    async stop() {
      await proxy.close();
      await server.stop();
      await db.close();
    },
  };
}
