import { cronPatternProblem } from '../jobs/fireTimes';
import { maskSecrets, maskUrl } from '../maskSecrets';

type Env = Record<string, string | undefined>;

/**
 * Shows a value in an error message without leaking a password or token: a secret's value
 * not at all, a URL's password from its parsed parts, anything else as free text.
 */
export function maskValue(name: string, value: string): string {
  if (/TOKEN|SECRET|PASS/i.test(name)) return '***';
  if (/_URL$/.test(name)) return maskUrl(value);
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

  /** A number within [min, max]: every number has a maximum, so none can overflow what it feeds (an int, an interval, a timer). */
  const num = (name: string, fallback: number, opts: { integer?: boolean; min: number; max: number }): number => {
    const v = raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    const { integer, min, max } = opts;
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
      bad(name, v, `expected ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`);
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

  /**
   * A cron expression. Six fields start with seconds: one that fires more than once a
   * minute (a seconds field other than one number) is refused unless `allowSubMinute`.
   */
  const schedule = (name: string, fallback: string, opts: { allowSubMinute: boolean }): string => {
    const v = raw(name) ?? fallback;
    const fields = v.split(/\s+/);
    const problem = cronPatternProblem(v);
    if (problem) bad(name, v, `not a valid cron expression (${problem}; e.g. "0 * * * *")`);
    else if (fields.length === 6 && !/^\d{1,2}$/.test(fields[0]) && !opts.allowSubMinute) {
      bad(name, v, 'fires more than once a minute (six fields, the first being seconds): use five fields, or set WISHLIST_ALLOW_SUBMINUTE_SCHEDULES=true');
    }
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
