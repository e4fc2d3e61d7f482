import { createHash, timingSafeEqual } from 'crypto';
import type { Request, RequestHandler } from 'express';
import type { Db } from '../db/pool';
import { HttpError } from './errors';
import type { AuthFailures } from './authFailures';
import { CsrfTokens, csrfTokenOf, foreignOrigin } from './csrf';

/** Who is calling the admin API, the console or /metrics, and what they may do. */
export interface AdminCaller {
  /** For the run history and the log: "token", or the shop's user id and e-mail. */
  who: string;
  /** Status, runs, notifications, the console, metrics. */
  canView: boolean;
  /** Trigger a check; turn a shopper's alerts back on. */
  canAct: boolean;
  /** Ties the console's CSRF token to this sign-in. */
  sessionKey: string;
}

/**
 * The host's answer for a request: null when nobody is signed in. The module asks it for
 * every admin request that carries no bearer token.
 */
export type AdminAccess = (req: Request) => AdminCaller | null | Promise<AdminCaller | null>;

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The bearer token's caller, null when the request carries none; 401 when it is wrong (or none is configured). */
export function bearerCaller(req: Request, token: string | undefined): AdminCaller | null {
  const header = req.get('authorization');
  if (header === undefined) return null;
  if (token === undefined) throw new HttpError(401, 'No ADMIN_API_TOKEN is configured: sign in to the shop instead');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  // Compared as digests, in constant time: the lengths are equal too.
  if (!match || !timingSafeEqual(digest(match[1]), digest(token))) {
    throw new HttpError(401, 'Authentication required: send Authorization: Bearer <ADMIN_API_TOKEN>');
  }
  return { who: 'token', canView: true, canAct: true, sessionKey: 'token' };
}

/** The caller of an API request: the bearer token, else the host's sign-in (when given). */
export async function apiCaller(req: Request, token: string | undefined, access?: AdminAccess): Promise<AdminCaller> {
  const caller = bearerCaller(req, token) ?? (access ? await access(req) : null);
  if (!caller) {
    throw new HttpError(401, access ? 'Sign in to the shop first, or send Authorization: Bearer <ADMIN_API_TOKEN>' : 'Authentication required: send Authorization: Bearer <ADMIN_API_TOKEN>');
  }
  return caller;
}

/** How an admin request proves who it is: the token, the host's sign-in, and the failure limit. */
export interface AdminGate {
  /** Absent: no bearer token is configured (inside the shop, its admins sign in the shop's way). */
  token?: string;
  access?: AdminAccess;
  failures: AuthFailures;
  /** The CSRF tokens every action taken with a browser sign-in must carry. */
  csrf: CsrfTokens;
  /** Origins a browser sign-in may be used from, beside this server's own. */
  trustedOrigins: ReadonlySet<string>;
}

/**
 * Guards a router: the caller may view (res.locals.caller holds them), and for `act`,
 * act. A caller through the host's sign-in is a browser session: its requests must not
 * come from another site, and its actions must carry the CSRF token (GET csrf-token, or
 * the console's page), since the shop's cookies ride along on a request from any site.
 */
export function requireAdmin(gate: AdminGate, need: 'view' | 'act'): RequestHandler {
  return async (req, res, next) => {
    let caller: AdminCaller | undefined = res.locals.caller;
    if (!caller) {
      res.set('WWW-Authenticate', 'Bearer realm="wishlist-jobs"'); // read by clients on a 401 only
      try {
        caller = await apiCaller(req, gate.token, gate.access);
      } catch (err) {
        // A wrong token (not a missing one) counts; past the limit its address hears 429.
        // A right one always passes: behind a proxy many callers share one address.
        if (req.get('authorization') !== undefined) {
          gate.failures.record(req);
          gate.failures.refuseIfLimited(req, res);
        }
        throw err;
      }
      res.removeHeader('WWW-Authenticate');
      res.locals.browserSession = req.get('authorization') === undefined;
      if (res.locals.browserSession && foreignOrigin(req, gate.trustedOrigins)) {
        throw new HttpError(403, 'A shop sign-in may not be used from another site');
      }
    }
    if (!caller.canView || (need === 'act' && !caller.canAct)) {
      throw new HttpError(403, `${caller.who} may not ${need === 'act' ? 'run checks or change alerts' : 'see the wishlist jobs'}`);
    }
    if (need === 'act' && res.locals.browserSession && !gate.csrf.valid(caller.sessionKey, csrfTokenOf(req))) {
      throw new HttpError(403, 'Missing or wrong CSRF token: send X-CSRF-Token (GET /api/admin/wishlist-jobs/csrf-token gives it)');
    }
    res.locals.caller = caller;
    next();
  };
}

/** The shop's sign-in as express-session keeps it: a user id and the user's authorities. */
interface ShopSession {
  userId?: unknown;
  authorities?: unknown;
  userEmail?: unknown;
  email?: unknown;
}

/**
 * The ready access check for the shop's own sign-in: a signed-in user whose session
 * authorities include `view` may view, `manage` may act. The user's e-mail comes from the
 * session when it holds one, else from the shop's users table.
 */
export function shopSessionAccess(opts: { db: Db; view: string; manage: string }): AdminAccess {
  return async (req) => {
    // Own properties only: a key some bug of the host put on Object.prototype is nobody's session.
    const session = own(req, 'session') as ShopSession | undefined;
    const userId = userIdOf(own(session, 'userId'));
    if (userId === null) return null;
    const listed = own(session, 'authorities');
    const authorities = Array.isArray(listed) ? listed.filter((a): a is string => typeof a === 'string') : [];
    // The shop's sign-in keeps the address as userEmail.
    const sessionEmail = own(session, 'userEmail') ?? own(session, 'email');
    let email = typeof sessionEmail === 'string' ? sessionEmail : null;
    if (email === null) {
      const { rows } = await opts.db.query<{ email: string }>('SELECT email FROM users WHERE id = $1', [userId]);
      email = rows[0]?.email ?? null;
    }
    const canAct = authorities.includes(opts.manage);
    return {
      who: `user ${userId}${email ? ` (${email})` : ''}`,
      canView: canAct || authorities.includes(opts.view),
      canAct,
      sessionKey: `shop:${userId}:${own(req, 'sessionID') ?? ''}`,
    };
  };
}

function own(o: unknown, key: string): unknown {
  return typeof o === 'object' && o !== null && Object.prototype.hasOwnProperty.call(o, key) ? (o as Record<string, unknown>)[key] : undefined;
}

/** A users.id: a whole number from 1 to 2147483647, or its digits. true is not user 1, nor is 1e300 anyone. */
function userIdOf(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 2_147_483_647 ? n : null;
}
