// The issue's in-process floor measured on this machine: the primitives a hit (and a miss) cannot do without, each timed alone.
import { createHmac, hash, randomBytes } from 'node:crypto';
import { canonicalJson } from '@vectorcache/core';
import { bareOpen, bareSeal } from '../../packages/core/src/crypto/fernet.bench.js';
import { chatBody } from './chat-body.js';
import { cpuNs, measure } from './timing.js';

/** What issue 17 measured for its floor (key hash 0.5 + HMAC of 1 KB 2.3 + canonical JSON 1.3 + scan 1 + AES-CBC/HMAC of 2 KB 10). */
export const ISSUE_FLOOR_HIT_NS = 15_100;

export interface FloorFigures {
  /** Sum of the hit's primitives. */
  hitNs: number;
  /** The hit's, plus sealing 2 KB (AES-CBC + HMAC) and scanning the 1 KB answer. */
  missNs: number;
  parts: Record<string, number>;
}

/** One pass over every UTF-16 unit, the least a scanner that looks at each character can do. */
function onePass(text: string): number {
  let acc = 0;
  for (let i = 0; i < text.length; i++) acc = (acc + text.charCodeAt(i)) | 0;
  return acc;
}

export function measureFloor(rounds: number, roundMs: number): FloorFigures {
  const key = `vc_dev_${'k'.repeat(40)}`;
  const indexKey = randomBytes(32);
  const body = JSON.parse(chatBody(1)) as Record<string, unknown>;
  const text = chatBody(2);
  const signing = randomBytes(16);
  const encryption = randomBytes(16);
  const twoKb = randomBytes(2048);
  const token = bareSeal(signing, encryption, twoKb);
  const t = measure(
    [
      { id: 'keyHash', fn: () => hash('sha256', key, 'hex') },
      { id: 'hmac1k', fn: () => createHmac('sha256', indexKey).update(text).digest('hex') },
      { id: 'canonical', fn: () => canonicalJson(body) },
      { id: 'scan', fn: () => onePass(text) },
      { id: 'open2k', fn: () => bareOpen(signing, encryption, token) },
      { id: 'seal2k', fn: () => bareSeal(signing, encryption, twoKb) },
    ],
    rounds,
    roundMs,
    cpuNs,
  );
  const parts = Object.fromEntries(t);
  const hitNs = parts.keyHash! + parts.hmac1k! + parts.canonical! + parts.scan! + parts.open2k!;
  return { hitNs, missNs: hitNs + parts.seal2k! + parts.scan!, parts };
}
