// Express benchmark server: bare route, guarded route, or the hand-built peer stack (express-ipfilter + helmet + key map + redact-pii).
import { createServer } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { IpFilter } from 'express-ipfilter';
import { SyncRedactor } from 'redact-pii';
import { vectorcache } from '@vectorcache/express';
import { allowlistRanges, answer, benchGuard, modeArg, ROUTE, serve } from './common.js';

const mode = modeArg(['bare', 'guarded', 'peer10', 'peer1000']);
const app = express();
let key: string | undefined;

if (mode === 'bare') {
  app.use(express.json());
} else if (mode === 'guarded') {
  const bench = await benchGuard();
  key = bench.key;
  app.use(vectorcache(bench.guard));
} else {
  // What a team assembles by hand: the same duties as the guard's miss path, minus cache and encryption.
  key = 'peer-stack-key-0123456789abcdef';
  const keys = new Map([[key, { tenant: 'bench' }]]);
  const redactor = new SyncRedactor();
  app.use(helmet());
  app.use(IpFilter(allowlistRanges(mode === 'peer10' ? 10 : 1_000), { mode: 'allow', log: false }));
  app.use((req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    if (!header?.startsWith('Bearer ') || !keys.has(header.slice(7))) {
      res.status(401).json({ error: 'invalid key' });
      return;
    }
    next();
  });
  app.use(express.json());
  app.use((req: Request, _res: Response, next: NextFunction) => {
    const messages = (req.body as { messages?: Array<{ content?: unknown }> } | undefined)?.messages;
    if (Array.isArray(messages)) for (const m of messages) if (typeof m.content === 'string') m.content = redactor.redact(m.content);
    next();
  });
}

app.post(ROUTE, (req, res) => {
  res.json(answer(req.body));
});

await serve(createServer(app), key);
