import { createHash, createHmac, randomBytes, timingSafeEqual } from 'crypto';

export const SESSION_COOKIE = 'wishlist_console';
const SESSION_HOURS = 12;

const sha = (s: string) => createHash('sha256').update(s).digest();

/**
 * Console sessions without server-side state: the cookie is `<expiry>.<nonce>.<mac>`
 * signed with a key derived from the admin token (changing the token signs everyone
 * out). The CSRF token is a second MAC over the session, so a page can only post with
 * the session it was rendered for.
 */
export class ConsoleSessions {
  private readonly key: Buffer;
  private readonly tokenDigest: Buffer;

  constructor(adminToken: string, private readonly now: () => number = Date.now) {
    this.key = createHmac('sha256', adminToken).update('wishlist-console-session-key').digest();
    this.tokenDigest = sha(adminToken);
  }

  /** Constant-time check of a token typed into the sign-in form. */
  tokenMatches(candidate: string): boolean {
    return timingSafeEqual(sha(candidate), this.tokenDigest);
  }

  issue(): { value: string; maxAgeMs: number } {
    const payload = `${this.now() + SESSION_HOURS * 3600_000}.${randomBytes(12).toString('base64url')}`;
    return { value: `${payload}.${this.mac(`session:${payload}`)}`, maxAgeMs: SESSION_HOURS * 3600_000 };
  }

  valid(session: string | undefined): session is string {
    if (!session) return false;
    const cut = session.lastIndexOf('.');
    if (cut < 0) return false;
    const payload = session.slice(0, cut);
    if (!this.same(session.slice(cut + 1), this.mac(`session:${payload}`))) return false;
    return Number(payload.split('.')[0]) > this.now();
  }

  csrfFor(session: string): string {
    return this.mac(`csrf:${session}`);
  }

  csrfValid(session: string, token: unknown): boolean {
    return typeof token === 'string' && this.same(token, this.csrfFor(session));
  }

  private mac(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url');
  }

  private same(a: string, b: string): boolean {
    return timingSafeEqual(sha(a), sha(b));
  }
}

/** The value of one cookie from a Cookie header (no dependency for one cookie). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined; // malformed escape: no session, not an error
      }
    }
  }
  return undefined;
}
