import { createHash, createHmac, randomBytes, timingSafeEqual } from 'crypto';
import type { Db } from '../../db/pool';

export const SESSION_COOKIE = 'wishlist_console';
const SESSION_HOURS = 12;

const sha = (s: string) => createHash('sha256').update(s).digest();

/**
 * Console sessions of the admin-token sign-in. The cookie is `<id>.<mac>`, signed with a
 * key derived from the admin token (changing the token signs everyone out); the session
 * itself is a row in the database (a digest of the id), so signing out on one instance
 * ends it on all. (Its CSRF tokens are http/csrf.ts's, as for every browser sign-in.)
 */
export class ConsoleSessions {
  private readonly key: Buffer;
  private readonly tokenDigest: Buffer;

  constructor(adminToken: string, private readonly db: Db, private readonly now: () => Date) {
    this.key = createHmac('sha256', adminToken).update('wishlist-console-session-key').digest();
    this.tokenDigest = sha(adminToken);
  }

  /** Constant-time check of a token typed into the sign-in form. */
  tokenMatches(candidate: string): boolean {
    return timingSafeEqual(sha(candidate), this.tokenDigest);
  }

  async issue(): Promise<{ value: string; maxAgeMs: number }> {
    const id = randomBytes(18).toString('base64url');
    const maxAgeMs = SESSION_HOURS * 3600_000;
    await this.db.query(
      `WITH expired AS (DELETE FROM wishlist_alert_console_sessions WHERE expires_at < $3)
       INSERT INTO wishlist_alert_console_sessions (id_digest, expires_at) VALUES ($1, $2)`,
      [this.digest(id), new Date(this.now().getTime() + maxAgeMs), this.now()],
    );
    return { value: `${id}.${this.mac(`session:${id}`)}`, maxAgeMs };
  }

  /** The session's id when the cookie is genuine and the session neither expired nor signed out. */
  async valid(cookie: string | undefined): Promise<string | null> {
    const id = this.idOf(cookie);
    if (!id) return null;
    const { rows } = await this.db.query('SELECT 1 FROM wishlist_alert_console_sessions WHERE id_digest = $1 AND expires_at > $2', [
      this.digest(id),
      this.now(),
    ]);
    return rows.length > 0 ? id : null;
  }

  async revoke(cookie: string | undefined): Promise<void> {
    const id = this.idOf(cookie);
    if (id) await this.db.query('DELETE FROM wishlist_alert_console_sessions WHERE id_digest = $1', [this.digest(id)]);
  }

  private idOf(cookie: string | undefined): string | null {
    if (!cookie) return null;
    const cut = cookie.lastIndexOf('.');
    if (cut <= 0) return null;
    const id = cookie.slice(0, cut);
    return this.same(cookie.slice(cut + 1), this.mac(`session:${id}`)) ? id : null;
  }

  private digest(id: string): string {
    return createHmac('sha256', this.key).update(`id:${id}`).digest('base64url');
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
