// A throwaway self-signed certificate for localhost / 127.0.0.1, written to a temp folder at test time.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import selfsigned from 'selfsigned';

export interface TestCert {
  /** The certificate (PEM), to trust as the CA. */
  ca: string;
  /** TLS_CERT / TLS_KEY for an example server. */
  env: { TLS_CERT: string; TLS_KEY: string };
  remove(): void;
}

export function makeTestCert(): TestCert {
  const pems = selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    days: 1, keySize: 2048, algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
  });
  const dir = mkdtempSync(join(tmpdir(), 'vc-cert-'));
  writeFileSync(join(dir, 'cert.pem'), pems.cert);
  writeFileSync(join(dir, 'key.pem'), pems.private, { mode: 0o600 });
  return {
    ca: pems.cert,
    env: { TLS_CERT: join(dir, 'cert.pem'), TLS_KEY: join(dir, 'key.pem') },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
