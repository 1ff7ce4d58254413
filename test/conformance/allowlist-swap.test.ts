// guard.setIpAllowlistAsync over real HTTP: the old list answers while a long one compiles, then the new one applies atomically.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { baseOptions, chat, makeKeys, startApp, type App, type Keys } from './harness.js';

describe('setIpAllowlistAsync', () => {
  let keys: Keys;
  let app: App;
  beforeAll(async () => {
    keys = await makeKeys();
    app = await startApp('express', baseOptions(keys, { ipAllowlist: ['127.0.0.1/32'] }));
  });
  afterAll(async () => { await app.close(); });

  const ask = () => request(app.url).post('/v1/chat/completions').set('authorization', `Bearer ${keys.full}`).send(chat('swap'));

  it('serves the old list during the compile, then refuses loopback once a list without it is in', async () => {
    const ranges = Array.from({ length: 50_000 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.0/24`);
    const swap = app.guard.setIpAllowlistAsync(ranges, { sliceMs: 2 });
    expect((await ask()).status).toBe(200); // the old list still answers
    expect(await swap).toBe(true);
    expect((await ask()).status).toBe(403);
    await expect(app.guard.setIpAllowlistAsync(['not-a-cidr'])).rejects.toThrow(/ipAllowlist|not-a-cidr/);
    expect((await ask()).status).toBe(403); // a bad list leaves the last good one
    expect(await app.guard.setIpAllowlistAsync(['127.0.0.0/8'])).toBe(true);
    expect((await ask()).status).toBe(200);
  });
});
