/**
 * The shop's own mail variables, read the way its mail service reads them (SCHEMA.md §4,
 * "Email path", step 4.2), so the module can fall back to the server the shop already uses.
 */

import { envReader } from '../config/envReader';
import { validRecipient } from './address';

type Env = Record<string, string | undefined>;

/** The shop's mail server, as its variables describe it. */
export interface ShopMailSettings {
  /** Which variable gave the host (for the banner); null when only EMAIL_USE_ENV=true is set. */
  hostVariable: 'SMTP_HOST' | 'EMAIL_SMTP_HOST' | null;
  host: string | null;
  port: number;
  user: string | null;
  password: string | null;
  fromEmail: string | null;
  fromName: string | null;
  testMode: boolean;
  /** What turned test mode on or off: the variable itself, or (unset) the shop's rule for missing credentials. */
  testModeBy: 'EMAIL_TEST_MODE' | 'missing credentials';
  useEnv: boolean;
}

export interface ShopMailEnv {
  /** Unset when neither SMTP_HOST nor EMAIL_SMTP_HOST is set and EMAIL_USE_ENV is not true. */
  readonly settings: Readonly<ShopMailSettings> | undefined;
  /** EMAIL_TEST_EMAIL: also the test address of a region in test mode without its own. */
  readonly testEmail: string | null;
  /** EMAIL_FROM_EMAIL / EMAIL_FROM_NAME: the shop's own sender, whatever its server. */
  readonly fromEmail: string | null;
  readonly fromName: string | null;
  /** EMAIL_ENABLED: only exactly 'false' switches the shop's mail off, as the shop reads it. */
  readonly enabled: boolean;
  /** One line per bad value, naming the variable (never showing a password). */
  readonly problems: readonly string[];
}

const DEFAULT_PORT = 587;

/** Parses the shop's mail variables once; bad values are listed, not thrown, for the config loader's one message. */
export function parseShopMailEnv(env: Env): ShopMailEnv {
  const problems: string[] = [];
  const { bad, raw, flag: bool } = envReader(env, problems);
  const first = (...names: string[]): { name: string; value: string } | undefined => {
    for (const name of names) {
      const value = raw(name);
      if (value !== undefined) return { name, value };
    }
    return undefined;
  };
  const address = (name: string): string | null => {
    const v = raw(name);
    if (v === undefined) return null;
    if (validRecipient(v) === v) return v;
    bad(name, v, 'expected a bare email address (e.g. qa@shop.example)');
    return null;
  };

  const host = first('SMTP_HOST', 'EMAIL_SMTP_HOST');
  const portVar = first('SMTP_PORT', 'EMAIL_SMTP_PORT');
  let port = DEFAULT_PORT;
  if (portVar) {
    const n = Number(portVar.value);
    if (Number.isInteger(n) && n >= 1 && n <= 65535) port = n;
    else bad(portVar.name, portVar.value, 'expected a port number from 1 to 65535');
  }
  const user = first('SMTP_USER', 'EMAIL_SMTP_USER')?.value ?? null;
  // Passwords are not trimmed: only an entirely blank one counts as unset.
  const passwordVar = ['SMTP_PASS', 'SMTP_PASSWORD', 'EMAIL_SMTP_PASSWORD'].find((n) => (env[n] ?? '').trim() !== '');
  const password = passwordVar ? (env[passwordVar] as string) : null;
  const fromEmail = address('EMAIL_FROM_EMAIL');
  const testEmail = address('EMAIL_TEST_EMAIL');
  const testModeVar = bool('EMAIL_TEST_MODE');
  const useEnv = bool('EMAIL_USE_ENV') ?? false;
  const fromName = raw('EMAIL_FROM_NAME') ?? null;
  if (fromName !== null && /[\x00-\x1f\x7f]/.test(fromName)) bad('EMAIL_FROM_NAME', fromName, 'contains line breaks or control characters');
  // The shop stops its mail for exactly 'false' and sends for anything else; a value that
  // reads as "off" in another spelling would leave the two disagreeing, so it is refused.
  const enabledValue = raw('EMAIL_ENABLED');
  if (enabledValue !== undefined && enabledValue !== 'true' && enabledValue !== 'false') {
    bad('EMAIL_ENABLED', enabledValue, "expected true or false (the shop stops its mail only for exactly 'false')");
  }

  let settings: ShopMailSettings | undefined;
  if (host || useEnv) {
    settings = Object.freeze({
      hostVariable: (host?.name as ShopMailSettings['hostVariable']) ?? null,
      host: host?.value ?? null,
      port,
      user,
      password,
      fromEmail,
      fromName,
      // The shop's rule when EMAIL_TEST_MODE is unset: test mode unless it has credentials.
      testMode: testModeVar ?? !(user && password),
      testModeBy: testModeVar === undefined ? 'missing credentials' : 'EMAIL_TEST_MODE',
      useEnv,
    });
  }
  return Object.freeze({ settings, testEmail, fromEmail, fromName, enabled: enabledValue !== 'false', problems: Object.freeze(problems) });
}
