import { createHash, timingSafeEqual } from 'crypto';
import type { Request, RequestHandler } from 'express';
import type { Db } from '../db/pool';
import { HttpError } from './errors';
import type { AuthFailures } from './authFailures';

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

/** The bearer token's caller, null when the request carries none; 401 when it is wrong. */
export function bearerCaller(req: Request, token: string): AdminCaller | null {
  const header = req.get('authorization');
  if (header === undefined) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  // Compared as digests, in constant time: the lengths are equal too.
  if (!match || !timingSafeEqual(digest(match[1]), digest(token))) {
    throw new HttpError(401, 'Authentication required: send Authorization: Bearer <ADMIN_API_TOKEN>');
  }
  return { who: 'token', canView: true, canAct: true, sessionKey: 'token' };
}

/** The caller of an API request: the bearer token, else the host's sign-in (when given). */
export async function apiCaller(req: Request, token: string, access?: AdminAccess): Promise<AdminCaller> {
  const caller = bearerCaller(req, token) ?? (access ? await access(req) : null);
  if (!caller) {
    throw new HttpError(401, access ? 'Sign in to the shop first, or send Authorization: Bearer <ADMIN_API_TOKEN>' : 'Authentication required: send Authorization: Bearer <ADMIN_API_TOKEN>');
  }
  return caller;
}

/** True when a browser says the request comes from another site (Origin, or Sec-Fetch-Site). */
function crossSite(req: Request): boolean {
  const site = req.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return true;
  const origin = req.get('origin');
  if (!origin) return false;
  try {
    return new URL(origin).host !== req.get('host');
  } catch {
    return true;
  }
}

/** How an admin request proves who it is: the token, the host's sign-in, and the failure limit. */
export interface AdminGate {
  token: string;
  access?: AdminAccess;
  failures: AuthFailures;
}

/** Guards a router: the caller may view (res.locals.caller holds them), and for `act`, act. */
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
    }
    if (!caller.canView || (need === 'act' && !caller.canAct)) {
      throw new HttpError(403, `${caller.who} may not ${need === 'act' ? 'run checks or change alerts' : 'see the wishlist jobs'}`);
    }
    if (need === 'act' && caller.who !== 'token' && crossSite(req)) {
      // A browser session's cookie rides along on a form posted from any site: an action
      // must come from the same site (the console's own requests, or a same-origin page).
      throw new HttpError(403, 'Cross-site requests may not run checks or change alerts');
    }
    res.locals.caller = caller;
    next();
  };
}

/** The shop's sign-in as express-session keeps it: a user id and the user's authorities. */
interface ShopSession {
  userId?: unknown;
  authorities?: unknown;
  email?: unknown;
}

/**
 * The ready access check for the shop's own sign-in: a signed-in user whose session
 * authorities include `view` may view, `manage` may act. The user's e-mail comes from the
 * session when it holds one, else from the shop's users table.
 */
export function shopSessionAccess(opts: { db: Db; view: string; manage: string }): AdminAccess {
  return async (req) => {
    const session = (req as Request & { session?: ShopSession; sessionID?: string }).session;
    const userId = Number(session?.userId);
    if (!session || !Number.isInteger(userId) || userId <= 0) return null;
    const authorities = Array.isArray(session.authorities) ? session.authorities.filter((a): a is string => typeof a === 'string') : [];
    let email = typeof session.email === 'string' ? session.email : null;
    if (email === null) {
      const { rows } = await opts.db.query<{ email: string }>('SELECT email FROM users WHERE id = $1', [userId]);
      email = rows[0]?.email ?? null;
    }
    const canAct = authorities.includes(opts.manage);
    return {
      who: `user ${userId}${email ? ` (${email})` : ''}`,
      canView: canAct || authorities.includes(opts.view),
      canAct,
      sessionKey: `shop:${userId}:${(req as { sessionID?: string }).sessionID ?? ''}`,
    };
  };
}
