/**
 * True when a URL's host is this machine, or no machine in particular: localhost and
 * *.localhost; the IPv4 loopback (127.0.0.0/8) and "this network" (0.0.0.0/8, the
 * unspecified address 0.0.0.0 among them); the IPv6 loopback ::1 and unspecified ::; and
 * IPv4 loopback or unspecified addresses written as IPv6 (::ffff:127.0.0.1). The URL is
 * parsed first, so every spelling the parser accepts counts (HTTP://LOCALHOST,
 * 2130706433, 0x7f.1, [0:0:0:0:0:0:0:1]).
 */
export function isLocalAddress(value: string): boolean {
  let host: string;
  try {
    host = new URL(value).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return false; // reported as not a valid URL
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (/^(?:127|0)\.\d+\.\d+\.\d+$/.test(host)) return true;
  if (!host.startsWith('[')) return false;
  const v6 = host.slice(1, -1);
  if (v6 === '::' || v6 === '::1') return true;
  // An IPv4 address mapped (::ffff:a.b.c.d) or embedded (::a.b.c.d) in IPv6, as the parser writes it: ::ffff:7f00:1.
  const v4 = /^::(?:ffff:)?([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(v6);
  return v4 !== null && [0, 127].includes(parseInt(v4[1], 16) >> 8);
}

/** True when a URL is https, however its scheme is written (HTTPS://, Https://). */
export function isHttps(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

/** Fewer different characters than this is a pattern (aaaa…, 1234…), not a secret, in production. */
const MIN_DISTINCT = 10;
/** The console's sign-in form takes 4 KB: a longer token could never be typed in. */
const TOKEN_MAX = 1024;

/**
 * Why an admin token cannot work, or null. A bearer token travels in a header: whitespace
 * or a control character in it would be cut or refused on the way, so the token could
 * never match. In production a token of few distinct characters (aaaa…, 1234…) is a guess.
 */
export function adminTokenProblem(token: string, production: boolean): string | null {
  if (/[\s\x00-\x1f\x7f-\x9f]/u.test(token)) return 'contains whitespace or control characters: a bearer token must be one word of printable characters';
  if (token.length < 16) return 'too short: use at least 16 characters';
  if (token.length > TOKEN_MAX) return `too long: use at most ${TOKEN_MAX} characters`;
  if (production && new Set(token).size < MIN_DISTINCT) return 'too guessable: use at least 10 different characters in production (openssl rand -base64 32)';
  return null;
}

/** Why an unsubscribe secret is too weak to sign links with, or null. */
export function unsubscribeSecretProblem(secret: string, production: boolean): string | null {
  if (secret.length < 32) return 'too short: use at least 32 random characters (openssl rand -base64 32)';
  if (production && new Set(secret).size < MIN_DISTINCT) return 'too guessable: use at least 10 different characters in production (openssl rand -base64 32)';
  return null;
}

/**
 * The two secrets as a host hands them to createWishlistAlerts (or the config gives
 * them), held to the config's own rules: returned when they are there and strong enough,
 * else an error naming every problem. The admin token may be absent where the host's own
 * sign-in lets its admins in (`tokenRequired: false`).
 */
export function strongSecrets(
  given: { adminToken?: string; unsubscribeSecret?: string }, production: boolean, opts: { tokenRequired: boolean } = { tokenRequired: true },
): { adminToken: string | undefined; unsubscribeSecret: string } {
  const problems: string[] = [];
  const check = (what: string, value: string | undefined, problem: (v: string, production: boolean) => string | null) => {
    const why = value ? problem(value, production) : 'missing';
    if (why) problems.push(`${what}: ${why}`);
  };
  if (opts.tokenRequired || given.adminToken) check('the admin token (ADMIN_API_TOKEN, or adminToken)', given.adminToken, adminTokenProblem);
  check('the unsubscribe secret (WISHLIST_UNSUBSCRIBE_SECRET or UNSUBSCRIBE_SECRET, or unsubscribeSecret)', given.unsubscribeSecret, unsubscribeSecretProblem);
  if (problems.length > 0) throw new Error(`createWishlistAlerts needs a strong admin token and unsubscribe secret: ${problems.join('; ')}`);
  return { adminToken: given.adminToken, unsubscribeSecret: given.unsubscribeSecret! };
}
