// Validates PII options once at construction, with "did you mean" hints, into a normalised config.
import { closest } from '../suggest.js';
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js/max';
import { optionError } from '../errors.js';
import type { BuiltinDetector, CustomDetector, PiiAction, PiiOptions } from './types.js';

export const BUILTIN_DETECTORS: readonly BuiltinDetector[] = ['credit_card', 'ssn', 'email', 'phone', 'iban', 'secret'];
const ACTIONS: readonly PiiAction[] = ['bypass', 'block', 'redact'];
const OPTION_KEYS = ['action', 'detectors', 'custom', 'phoneRegions', 'maxScanChars', 'extract'] as const;
const CUSTOM_KEYS = ['name', 'pattern', 'test', 'action'] as const;
const NAME = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

export const DEFAULT_PHONE_REGIONS: readonly CountryCode[] = ['US', 'GB', 'DE', 'FR', 'IN'];
export const DEFAULT_MAX_SCAN_CHARS = 1_048_576;

export interface PiiConfig {
  action: PiiAction;
  builtins: Array<{ name: BuiltinDetector; action: PiiAction }>;
  custom: Array<{ detector: CustomDetector; action: PiiAction; option: string }>;
  phoneRegions: CountryCode[];
  maxScanChars: number;
  extract: ((body: unknown, req: unknown) => unknown) | undefined;
}


/** " Did you mean `x`?" when a known name is close, else the list of known names. */
export function hint(given: string, known: readonly string[]): string {
  const best = closest(given, known, Math.max(2, Math.floor(given.length / 3)));
  if (best !== undefined) return ` Did you mean \`${best}\`?`;
  return ` Expected one of: ${known.map((k) => `\`${k}\``).join(', ')}.`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkAction(value: unknown, option: string): PiiAction | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (ACTIONS as readonly string[]).includes(value)) return value as PiiAction;
  const shown = typeof value === 'string' ? hint(value, ACTIONS) : ` Expected one of: ${ACTIONS.map((a) => `'${a}'`).join(', ')}.`;
  throw optionError(option, `must be 'bypass', 'block' or 'redact'.${shown}`);
}

/** Throws a VectorcacheOptionError (a TypeError) naming the exact option for any misuse. */
export function normalizePiiOptions(options: PiiOptions | undefined, name = 'pii'): PiiConfig {
  const raw: unknown = options ?? {};
  if (!isPlainObject(raw)) throw optionError(name, 'must be an object (or false to turn the PII gate off).');
  for (const key of Object.keys(raw)) {
    if (!(OPTION_KEYS as readonly string[]).includes(key)) throw optionError(`${name}.${key}`, `is not a PII option.${hint(key, OPTION_KEYS)}`);
  }
  const action = checkAction(raw.action, `${name}.action`) ?? 'bypass';

  const detectors = raw.detectors ?? {};
  if (!isPlainObject(detectors)) throw optionError(`${name}.detectors`, 'must be an object such as { email: false, secret: { action: "block" } }.');
  for (const key of Object.keys(detectors)) {
    if (!(BUILTIN_DETECTORS as readonly string[]).includes(key)) throw optionError(`${name}.detectors.${key}`, `is not a built-in detector.${hint(key, BUILTIN_DETECTORS)}`);
  }
  const builtins: PiiConfig['builtins'] = [];
  for (const detector of BUILTIN_DETECTORS) {
    const setting = detectors[detector];
    const option = `${name}.detectors.${detector}`;
    if (setting === undefined || setting === true) builtins.push({ name: detector, action });
    else if (setting === false) continue;
    else if (isPlainObject(setting)) {
      for (const key of Object.keys(setting)) if (key !== 'action') throw optionError(`${option}.${key}`, `is not a detector setting.${hint(key, ['action'])}`);
      builtins.push({ name: detector, action: checkAction(setting.action, `${option}.action`) ?? action });
    } else throw optionError(option, 'must be true, false or { action }.');
  }

  const customRaw = raw.custom ?? [];
  if (!Array.isArray(customRaw)) throw optionError(`${name}.custom`, 'must be an array of { name, pattern | test, action? }.');
  const seen = new Set<string>();
  const custom: PiiConfig['custom'] = customRaw.map((entry: unknown, index) => {
    const option = `${name}.custom[${index}]`;
    if (!isPlainObject(entry)) throw optionError(option, 'must be an object { name, pattern | test, action? }.');
    for (const key of Object.keys(entry)) {
      if (!(CUSTOM_KEYS as readonly string[]).includes(key)) throw optionError(`${option}.${key}`, `is not a custom detector setting.${hint(key, CUSTOM_KEYS)}`);
    }
    const detectorName = entry.name;
    if (typeof detectorName !== 'string' || !NAME.test(detectorName)) throw optionError(`${option}.name`, 'must be lowercase snake_case, such as `employee_id`.');
    if ((BUILTIN_DETECTORS as readonly string[]).includes(detectorName)) throw optionError(`${option}.name`, `clashes with the built-in detector \`${detectorName}\`; configure it under \`${name}.detectors\` instead.`);
    if (seen.has(detectorName)) throw optionError(`${option}.name`, `\`${detectorName}\` is used by another custom detector.`);
    seen.add(detectorName);
    const detectorAction = checkAction(entry.action, `${option}.action`) ?? action;
    return { detector: entry as unknown as CustomDetector, action: detectorAction, option };
  });

  const regionsRaw = raw.phoneRegions ?? DEFAULT_PHONE_REGIONS;
  if (!Array.isArray(regionsRaw)) throw optionError(`${name}.phoneRegions`, "must be an array of country codes such as ['US', 'GB'].");
  const phoneRegions = regionsRaw.map((region: unknown, index) => {
    if (typeof region !== 'string' || !isSupportedCountry(region.toUpperCase() as CountryCode)) {
      throw optionError(`${name}.phoneRegions[${index}]`, 'is not a country code known to libphonenumber-js (ISO 3166-1 alpha-2, e.g. `US`).');
    }
    return region.toUpperCase() as CountryCode;
  });

  const maxScanChars = raw.maxScanChars ?? DEFAULT_MAX_SCAN_CHARS;
  if (typeof maxScanChars !== 'number' || !Number.isInteger(maxScanChars) || maxScanChars <= 0) {
    throw optionError(`${name}.maxScanChars`, 'must be a positive integer (characters).');
  }
  const extract = raw.extract;
  if (extract !== undefined && typeof extract !== 'function') throw optionError(`${name}.extract`, 'must be a function (body, req) => value to scan.');

  return { action, builtins, custom, phoneRegions, maxScanChars, extract: extract as PiiConfig['extract'] };
}
