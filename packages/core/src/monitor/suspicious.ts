// Suspicious-activity detector: reads guard events, counts patterns on the shared CounterStore, raises `suspicious.*`.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { CounterStore, GuardEvent } from '../types.js';
import { optionError } from '../errors.js';
import { parseIp } from '../net/ip.js';
import { isSimhash64, simhashBands } from './simhash.js';
import { SUSPICION_TYPES } from './events.js';

/** The patterns the detector knows, by option name. */
export type SuspicionPattern = 'authFailures' | 'credentialStuffing' | 'retiredKey' | 'newNetwork' | 'scopeDenials' | 'cacheProbing';

export interface BurstOptions {
  /** Events within the window that raise the alarm. */
  threshold?: number;
  /** Length of the fixed counting window, in milliseconds. */
  windowMs?: number;
}

export interface SuspicionOptions {
  /**
   * Authentication failures from one address (`suspicious.auth_failure_burst`); false turns it off.
   * Defaults to `{ threshold: 20, windowMs: 60_000 }` (twice the default lockout, so it flags
   * addresses that keep going, or a lockout that is off or set too high).
   */
  authFailures?: BurstOptions | false;
  /**
   * Distinct keys presented by one address, counted by key hint, malformed keys excepted
   * (`suspicious.credential_stuffing`); false turns it off.
   * Defaults to `{ threshold: 5, windowMs: 600_000 }`.
   */
  credentialStuffing?: BurstOptions | false;
  /**
   * Uses of one revoked or rotated-out key (`suspicious.retired_key_reuse`, with how many addresses
   * presented it); the guard already raises `suspicious.retired_key_used` for each one. False turns it off.
   * Defaults to `{ threshold: 3, windowMs: 3_600_000 }`.
   */
  retiredKey?: BurstOptions | false;
  /**
   * A key used from a network (IPv4 /24, IPv6 /48) it was not seen from in the current or the
   * previous window (`suspicious.new_network_for_key`). A key's first `learnNetworks` networks are
   * learnt silently. Needs `request.authenticated` observations. False turns it off.
   * Defaults to `{ learnNetworks: 3, windowMs: 30 days }`.
   */
  newNetwork?: { learnNetworks?: number; windowMs?: number } | false;
  /**
   * Scope denials of one key (`suspicious.scope_denial_burst`); false turns it off.
   * Defaults to `{ threshold: 5, windowMs: 600_000 }`.
   */
  scopeDenials?: BurstOptions | false;
  /**
   * Distinct prompts of one tenant whose simhash fingerprints fall within Hamming distance 3
   * (`suspicious.cache_probing`): someone enumerating variants of a prompt to learn what the cache
   * holds. Needs `cache.lookup` observations. Tenants whose traffic is one fixed template around
   * short values may need a higher threshold. False turns it off.
   * Defaults to `{ threshold: 50, windowMs: 300_000 }`.
   */
  cacheProbing?: BurstOptions | false;
  /**
   * Whether a raised pattern also asks the guard to lock the client address out (true: every
   * pattern that has an address; a list: those patterns only). Defaults to false (events only).
   */
  lockout?: boolean | readonly SuspicionPattern[];
  /** Prefix of the detector's counter names, to keep them apart from lockout counters. Defaults to `'suspicious:'`. */
  prefix?: string;
}

export interface SuspicionResult {
  /** Present when the guard should lock the address out (only with the `lockout` option). */
  lockout?: { clientAddress: string; reason: string };
}

export interface SuspicionDetector {
  /**
   * Looks at one event or observation; never throws. Resolves once the counters answered, so the
   * guard can run it off the request path.
   */
  observe(event: GuardEvent): Promise<SuspicionResult>;
  /**
   * True when a `request.authenticated` of `keyId` from `address` would change nothing (already seen
   * in this window), so the gate can skip building and feeding the event: the common request.
   */
  knows?(keyId: string, address: string): boolean;
}

interface Resolved {
  authFailures: Required<BurstOptions> | false;
  credentialStuffing: Required<BurstOptions> | false;
  retiredKey: Required<BurstOptions> | false;
  newNetwork: { learnNetworks: number; windowMs: number } | false;
  scopeDenials: Required<BurstOptions> | false;
  cacheProbing: Required<BurstOptions> | false;
  lockout: ReadonlySet<SuspicionPattern>;
  prefix: string;
}

const PATTERNS: readonly SuspicionPattern[] = ['authFailures', 'credentialStuffing', 'retiredKey', 'newNetwork', 'scopeDenials', 'cacheProbing'];
const DAY = 86_400_000;
const DEFAULTS = {
  authFailures: { threshold: 20, windowMs: 60_000 },
  credentialStuffing: { threshold: 5, windowMs: 600_000 },
  retiredKey: { threshold: 3, windowMs: 3_600_000 },
  newNetwork: { learnNetworks: 3, windowMs: 30 * DAY },
  scopeDenials: { threshold: 5, windowMs: 600_000 },
  cacheProbing: { threshold: 50, windowMs: 300_000 },
} as const;
/** Counter windows are whole milliseconds; a year is far past any sensible window. */
const MAX_WINDOW_MS = 366 * DAY;
/** How long this instance trusts that a key's network is already known before asking the store again. */
const KNOWN_NETWORK_TTL_MS = 5 * 60_000;
const SUSPICIOUS = new Set<string>(SUSPICION_TYPES);

function positiveInt(value: unknown, option: string, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw optionError(option, `must be a whole number from 1 to ${max}`);
  }
  return value;
}

function resolvePattern<T extends Record<string, number>>(name: SuspicionPattern, given: unknown, defaults: T): T | false {
  const option = `suspicious.${name}`;
  if (given === false) return false;
  if (given === undefined || given === true) return { ...defaults };
  if (typeof given !== 'object' || given === null || Array.isArray(given)) throw optionError(option, `must be an object like ${JSON.stringify(defaults)} or false`);
  const out: Record<string, number> = { ...defaults };
  for (const [field, value] of Object.entries(given)) {
    if (!(field in defaults)) throw optionError(option, `has an unknown field \`${field}\`; expected ${Object.keys(defaults).join(', ')}`);
    if (value === undefined) continue;
    out[field] = positiveInt(value, `${option}.${field}`, field === 'windowMs' ? MAX_WINDOW_MS : 1_000_000);
  }
  return out as T;
}

/** Validates detector options once; exported so the guard can validate at construction. */
export function resolveSuspicionOptions(options: SuspicionOptions | undefined): Resolved {
  const o = options ?? {};
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw optionError('suspicious', 'must be an object or false');
  const known = new Set<string>([...PATTERNS, 'lockout', 'prefix']);
  for (const field of Object.keys(o)) {
    if (!known.has(field)) throw optionError('suspicious', `has an unknown field \`${field}\`; expected one of ${[...known].join(', ')}`);
  }
  let lockout: Set<SuspicionPattern>;
  if (o.lockout === undefined || o.lockout === false) lockout = new Set();
  else if (o.lockout === true) lockout = new Set(PATTERNS);
  else if (Array.isArray(o.lockout) && o.lockout.every((p) => PATTERNS.includes(p))) lockout = new Set(o.lockout);
  else throw optionError('suspicious.lockout', `must be true, false or a list of ${PATTERNS.join(', ')}`);
  const prefix = o.prefix ?? 'suspicious:';
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9:_.-]{1,64}$/.test(prefix)) throw optionError('suspicious.prefix', 'must be 1–64 characters of letters, digits, `:`, `_`, `.` or `-`');
  return {
    authFailures: resolvePattern('authFailures', o.authFailures, DEFAULTS.authFailures),
    credentialStuffing: resolvePattern('credentialStuffing', o.credentialStuffing, DEFAULTS.credentialStuffing),
    retiredKey: resolvePattern('retiredKey', o.retiredKey, DEFAULTS.retiredKey),
    newNetwork: resolvePattern('newNetwork', o.newNetwork, DEFAULTS.newNetwork),
    scopeDenials: resolvePattern('scopeDenials', o.scopeDenials, DEFAULTS.scopeDenials),
    cacheProbing: resolvePattern('cacheProbing', o.cacheProbing, DEFAULTS.cacheProbing),
    lockout,
    prefix,
  };
}

/** The /24 (IPv4) or /48 (IPv6) network of an address, or undefined when it does not parse. */
export function networkOf(address: string): string | undefined {
  const ip = parseIp(address);
  if (ip === null) return undefined;
  if (!ip.includes(':')) return `${ip.slice(0, ip.lastIndexOf('.'))}.0/24`;
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const words = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${words.slice(0, 3).map((w) => parseInt(w, 16).toString(16)).join(':')}::/48`;
}

/** A short, fixed-length stand-in for a value in counter names (addresses and hints never appear raw). */
function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 16);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= 512 ? value : undefined;
}

type Emit = (type: string, fields: Record<string, unknown>) => void;

/** The detector's patterns, each a short method over the shared counters. */
class Detector implements SuspicionDetector {
  readonly #o: Resolved;
  readonly #counters: CounterStore;
  readonly #emit: Emit;
  readonly #knownNetworks = new LRUCache<string, true>({ max: 10_000, ttl: KNOWN_NETWORK_TTL_MS });
  /** `keyId address` → the new-network epoch in which that pair was last fed: a plain map, because it sits on every request. */
  readonly #seenPairs = new Map<string, number>();
  #lastFailureReport = 0;

  constructor(o: Resolved, counters: CounterStore, emit: Emit) {
    this.#o = o;
    this.#counters = counters;
    this.#emit = emit;
  }

  async observe(event: GuardEvent): Promise<SuspicionResult> {
    if (!event || typeof event.type !== 'string' || SUSPICIOUS.has(event.type)) return {};
    try {
      return await this.#dispatch(event);
    } catch {
      // The counters are down: say so at most once a minute, and never disturb the request.
      const now = Date.now();
      if (now - this.#lastFailureReport > 60_000) {
        this.#lastFailureReport = now;
        try { this.#emit('counters.unavailable', { operation: 'suspicion', requestId: event.requestId }); } catch { /* ignore */ }
      }
      return {};
    }
  }

  #dispatch(event: GuardEvent): Promise<SuspicionResult> | SuspicionResult {
    switch (event.type) {
      case 'auth.failure': {
        const address = str(event.clientAddress);
        return address ? this.#authFailure(event, address) : {};
      }
      case 'suspicious.retired_key_used': return this.#retiredKey(event);
      case 'request.authenticated': return this.#authenticated(event);
      case 'auth.scope_denied': return this.#scopeDenied(event);
      case 'cache.lookup': return this.#cacheLookup(event);
      default: return {};
    }
  }

  #addToSet(key: string, member: string, windowMs: number): Promise<number> {
    return Promise.resolve(this.#counters.addToSet!(key, member, windowMs));
  }

  /** Raises `type` once per window per subject (counted in the store, so once across instances). */
  async #raise(
    pattern: SuspicionPattern, type: string, subject: string, windowMs: number,
    event: GuardEvent, evidence: Record<string, unknown>,
  ): Promise<SuspicionResult> {
    const { count } = await this.#counters.increment(`${this.#o.prefix}raised:${type}:${digest(subject)}`, windowMs);
    if (count !== 1) return {};
    const fields: Record<string, unknown> = { requestId: event.requestId, clientAddress: event.clientAddress ?? null, ...evidence, windowMs };
    for (const name of ['keyId', 'keyHint', 'tenant'] as const) if (event[name] !== undefined) fields[name] = event[name];
    this.#emit(type, fields);
    const address = str(event.clientAddress);
    if (address && this.#o.lockout.has(pattern)) return { lockout: { clientAddress: address, reason: type } };
    return {};
  }

  async #authFailure(event: GuardEvent, address: string): Promise<SuspicionResult> {
    const { authFailures, credentialStuffing, prefix: p } = this.#o;
    let result: SuspicionResult = {};
    if (authFailures) {
      const { count } = await this.#counters.increment(`${p}authfail:${digest(address)}`, authFailures.windowMs);
      if (count >= authFailures.threshold) {
        result = await this.#raise('authFailures', 'suspicious.auth_failure_burst', address, authFailures.windowMs, event, { failures: count, threshold: authFailures.threshold });
      }
    }
    const hint = str(event.keyHint);
    if (credentialStuffing && hint) {
      const keys = await this.#addToSet(`${p}keys:${digest(address)}`, digest(hint), credentialStuffing.windowMs);
      if (keys >= credentialStuffing.threshold) {
        const raised = await this.#raise('credentialStuffing', 'suspicious.credential_stuffing', address, credentialStuffing.windowMs, event, { distinctKeys: keys, threshold: credentialStuffing.threshold });
        result = result.lockout ? result : raised;
      }
    }
    return result;
  }

  async #retiredKey(event: GuardEvent): Promise<SuspicionResult> {
    const keyId = str(event.keyId);
    const w = this.#o.retiredKey;
    if (!w || !keyId) return {};
    const p = this.#o.prefix;
    const { count } = await this.#counters.increment(`${p}retired:${keyId}`, w.windowMs);
    const address = str(event.clientAddress);
    const addresses = address ? await this.#addToSet(`${p}retiredfrom:${keyId}`, digest(address), w.windowMs) : 0;
    if (count < w.threshold) return {};
    return this.#raise('retiredKey', 'suspicious.retired_key_reuse', keyId, w.windowMs, event, { uses: count, addresses, threshold: w.threshold });
  }

  knows(keyId: string, address: string): boolean {
    const w = this.#o.newNetwork;
    // Nothing to learn when the pattern is off; else only a pair fed in this very epoch is known.
    return !w || this.#seenPairs.get(`${keyId} ${address}`) === Math.floor(Date.now() / w.windowMs);
  }

  #remember(keyId: string, address: string, epoch: number): void {
    // Bounded like the network cache; clearing only costs one slow-path request per pair.
    if (this.#seenPairs.size >= 10_000) this.#seenPairs.clear();
    this.#seenPairs.set(`${keyId} ${address}`, epoch);
  }

  async #authenticated(event: GuardEvent): Promise<SuspicionResult> {
    const keyId = str(event.keyId);
    const address = str(event.clientAddress);
    const w = this.#o.newNetwork;
    if (!w || !keyId || !address) return {};
    const network = networkOf(address);
    if (!network) return {};
    const p = this.#o.prefix;
    // Windows are aligned epochs, so every instance names the same counters; they live two
    // epochs, so the previous epoch can still be read (a network seen then is not new now).
    const epoch = Math.floor(Date.now() / w.windowMs);
    const local = `${keyId} ${network} ${epoch}`;
    if (this.#knownNetworks.has(local)) {
      this.#remember(keyId, address, epoch);
      return {};
    }
    const net = digest(network);
    const live = 2 * w.windowMs;
    const { count } = await this.#counters.increment(`${p}net:${keyId}:${epoch}:${net}`, live);
    this.#knownNetworks.set(local, true);
    this.#remember(keyId, address, epoch);
    // Only the first sight in this epoch (atomic in the store, so one instance) goes further.
    if (count !== 1) return {};
    const { count: current } = await this.#counters.increment(`${p}nets:${keyId}:${epoch}`, live);
    const [seenBefore, previous] = await Promise.all([
      this.#counters.get(`${p}net:${keyId}:${epoch - 1}:${net}`),
      this.#counters.get(`${p}nets:${keyId}:${epoch - 1}`),
    ]);
    if (seenBefore) return {};
    const known = Math.max(current - 1, previous?.count ?? 0);
    if (known < w.learnNetworks) return {};
    return this.#raise('newNetwork', 'suspicious.new_network_for_key', `${keyId} ${network}`, w.windowMs, event, { network, knownNetworks: known, learnNetworks: w.learnNetworks });
  }

  async #scopeDenied(event: GuardEvent): Promise<SuspicionResult> {
    const subject = str(event.keyId) ?? str(event.clientAddress);
    const w = this.#o.scopeDenials;
    if (!w || !subject) return {};
    const { count } = await this.#counters.increment(`${this.#o.prefix}scope:${digest(subject)}`, w.windowMs);
    if (count < w.threshold) return {};
    return this.#raise('scopeDenials', 'suspicious.scope_denial_burst', subject, w.windowMs, event, { denials: count, threshold: w.threshold });
  }

  async #cacheLookup(event: GuardEvent): Promise<SuspicionResult> {
    const tenant = str(event.tenant);
    const fingerprint = event.promptSimhash;
    const w = this.#o.cacheProbing;
    if (!w || !tenant || !isSimhash64(fingerprint)) return {};
    // Members are exact prompts (the entry key when given), so repeating one prompt is not probing;
    // buckets are simhash bands, so prompts within Hamming distance 3 always share one (pigeonhole).
    const member = str(event.promptKey) ? digest(event.promptKey as string) : fingerprint;
    const t = digest(tenant);
    const sizes = await Promise.all(simhashBands(fingerprint).map((band) => this.#addToSet(`${this.#o.prefix}probe:${t}:${band}`, member, w.windowMs)));
    const variants = Math.max(...sizes);
    if (variants < w.threshold) return {};
    return this.#raise('cacheProbing', 'suspicious.cache_probing', tenant, w.windowMs, event, { variants, hammingBound: 3, threshold: w.threshold });
  }
}

/**
 * Builds a detector over `counters` (share a RedisCounterStore between instances so the counts are
 * global). `emit` raises the `suspicious.*` events, normally the guard's own event emitter; the
 * detector ignores those types on input, so feeding it every event is safe.
 */
export function createSuspicionDetector(options: SuspicionOptions | undefined, counters: CounterStore, emit: Emit): SuspicionDetector {
  const o = resolveSuspicionOptions(options);
  if (!counters || typeof counters.increment !== 'function') throw optionError('counters', 'must be a CounterStore (MemoryCounterStore, RedisCounterStore…)');
  const needsSets = o.credentialStuffing || o.retiredKey || o.cacheProbing;
  if (needsSets && typeof counters.addToSet !== 'function') {
    throw optionError('counters', 'must implement addToSet for the suspicious-activity detector (MemoryCounterStore and RedisCounterStore do), or turn off credentialStuffing, retiredKey and cacheProbing');
  }
  return new Detector(o, counters, emit);
}
