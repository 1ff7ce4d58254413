// Issue 13 item 5: another tenant's floods (erases, failed logins from many addresses) never evict a marker or a fence.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createGuard, MemoryCacheStore, type Guard, type GuardRequest, type PassDecision } from '@vectorcache/core';
import { privacyStateTenant } from '../../packages/core/src/privacy/fences.js';
import { makeKeys, type Keys } from '../conformance/harness.js';

function view(key: string, content: string, extra: Partial<GuardRequest> = {}): GuardRequest {
  return {
    method: 'POST', url: '/v1/chat/completions', remoteAddress: '127.0.0.1', encrypted: false,
    headers: { authorization: `Bearer ${key}`, 'x-vectorcache-subject': 'alice', 'content-type': 'application/json' },
    body: { model: 'm', messages: [{ role: 'user', content }] }, ...extra,
  };
}

async function setup(): Promise<{ guard: Guard; keys: Keys }> {
  const keys = await makeKeys();
  const guard = createGuard({
    environment: 'dev', keys: keys.store, cache: new MemoryCacheStore(), encryption: { secret: 'security-state-secret-security-state-0123', iterations: 1000 },
    lockout: { maxFailures: 1_000_000, windowMs: 60_000 }, suspicious: false, silenceWarnings: ['VC_ENCRYPTION_LOW_ITERATIONS'],
  });
  await guard.ready();
  return { guard, keys };
}

describe('security state cannot be evicted by another tenant', () => {
  it('a do-not-cache marker survives 120,000 erases by another tenant and failures from 120,000 addresses', async () => {
    const { guard, keys } = await setup();
    await guard.privacy.erase({ tenant: 'acme', subject: 'alice', doNotCache: true });
    for (let i = 0; i < 120_000; i++) await guard.privacy.erase({ tenant: 'globex', subject: `flood-${i}`, doNotCache: i % 2 === 0 });
    for (let i = 0; i < 120_000; i++) {
      const address = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      await guard.handle(view('vc_dev_wrong', 'x', { remoteAddress: address }));
    }
    // Past the local one-second cache, so the marker is read from the state store again.
    await new Promise((r) => setTimeout(r, 1100));
    const decision = await guard.handle(view(keys.privacy, 'a question for alice')) as PassDecision;
    expect(decision.kind).toBe('pass');
    expect(decision.reasons).toContain('no_consent');
    expect(decision.ticket).toBeUndefined();
    await guard.close();
  }, 120_000);

  it('state keys are partitioned by their own tenant, whatever the tenant id holds', () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.stringMatching(/^[0-9a-f]{64}$/), (tenant, subject) => {
      expect(privacyStateTenant(`nocache:${tenant}:${subject}`)).toBe(tenant);
      expect(privacyStateTenant(`erased:s:${tenant}:${subject}`)).toBe(tenant);
      expect(privacyStateTenant(`erased:t:${tenant}`)).toBe(tenant);
    }));
  });
});
