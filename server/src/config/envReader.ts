import cron from 'node-cron';
import { maskSecrets } from '../maskSecrets';

type Env = Record<string, string | undefined>;

/** Shows a value in an error message without leaking a password or token. */
export function maskValue(name: string, value: string): string {
  if (name === 'ADMIN_API_TOKEN' || name === 'UNSUBSCRIBE_SECRET') return '***';
  return maskSecrets(value);
}

/**
 * Readers of the environment's variables, each with its validation: a bad value is added
 * to `problems` (named, its secrets masked) and the fallback is used, so the one error at
 * the end can name every bad variable at once.
 */
export function envReader(env: Env, problems: string[]) {
  const bad = (name: string, value: string, why: string) =>
    problems.push(`${name}=${JSON.stringify(maskValue(name, value))}: ${why}`);
  const raw = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };

  const str = (name: string, fallback: string) => raw(name) ?? fallback;

  /** true, false, or undefined when unset or not a yes/no value (then named in the problems). */
  const flag = (name: string): boolean | undefined => {
    const v = raw(name);
    if (v === undefined) return undefined;
    if (/^(true|1|yes|on)$/i.test(v)) return true;
    if (/^(false|0|no|off)$/i.test(v)) return false;
    bad(name, v, 'expected true or false');
    return undefined;
  };

  const bool = (name: string, fallback: boolean): boolean => flag(name) ?? fallback;

  const num = (name: string, fallback: number, opts: { integer?: boolean; min?: number; max?: number }): number => {
    const v = raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    const { integer, min = -Infinity, max = Infinity } = opts;
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
      const kind = integer ? 'a whole number' : 'a number';
      const range = max === Infinity ? `>= ${min}` : `from ${min} to ${max}`;
      bad(name, v, `expected ${kind} ${range}`);
      return fallback;
    }
    return n;
  };

  const url = (name: string, protocols: string[], fallback?: string): string | undefined => {
    const v = raw(name) ?? fallback;
    if (v === undefined) return undefined;
    try {
      const u = new URL(v);
      if (!protocols.includes(u.protocol)) {
        bad(name, v, `expected a ${protocols.map((p) => p.replace(':', '://')).join(' or ')} URL`);
      }
    } catch {
      bad(name, v, 'not a valid URL');
    }
    return v;
  };

  const timezone = (name: string, fallback: string): string => {
    const v = raw(name) ?? fallback;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: v });
    } catch {
      bad(name, v, 'unknown IANA timezone (e.g. America/New_York, UTC)');
    }
    return v;
  };

  const schedule = (name: string, fallback: string): string => {
    const v = raw(name) ?? fallback;
    if (!cron.validate(v)) bad(name, v, 'not a valid cron expression (e.g. "0 * * * *")');
    return v;
  };

  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const v = raw(name);
    if (v === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(v)) bad(name, v, `expected one of ${allowed.join(', ')}`);
    return v as T;
  };

  return { bad, raw, str, flag, bool, num, url, timezone, schedule, oneOf };
}
