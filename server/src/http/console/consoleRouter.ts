import { readFileSync } from 'fs';
import path from 'path';
import express, { Request, RequestHandler, Router } from 'express';
import type { Clock } from '../../clock';
import type { Db } from '../../db/pool';
import { listRuns } from '../../db/jobRuns';
import { emailIdOf, listNotifications } from '../../db/outbox/views';
import type { CronService } from '../../jobs/CronService';
import type { jobsOverview } from '../../jobs/overview';
import type { MailRouter } from '../../mail/routes';
import { errorHandler, HttpError } from '../errors';
import type { Logger } from '../../logger';
import { consolePage, CONSOLE_PATH, signInPage } from './page';
import { ConsoleSessions, readCookie, SESSION_COOKIE } from './session';
import type { AdminAccess, AdminCaller } from '../access';
import type { AuthFailures } from '../authFailures';
import type { WatchStatus } from '../../services/Watch';

// A Map, not an object: a name such as 'constructor' or '__proto__' must find nothing.
const ASSETS = new Map<string, { type: string; body: string }>([
  ['console.js', { type: 'text/javascript', body: readFileSync(path.join(__dirname, 'assets', 'console.js'), 'utf8') }],
  ['console.css', { type: 'text/css', body: readFileSync(path.join(__dirname, 'assets', 'console.css'), 'utf8') }],
]);

const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'same-origin',
};

export interface ConsoleDeps {
  cron: CronService;
  db: Db;
  adminToken: string;
  /** The host's sign-in, beside the admin-token sign-in. */
  access?: AdminAccess;
  /** Failed sign-ins per client address: a limit, and a summary in the log. */
  failures: AuthFailures;
  /** Where a visitor without a sign-in is sent when `access` is given (the shop's sign-in page). */
  signInUrl: string;
  /** Secure cookies (production): never sent over plain http. */
  secureCookies: boolean;
  /** The preview folder's files, when mail goes there. */
  previews: Pick<MailRouter, 'previewFile' | 'previewing'>;
  clock: Clock;
  logger: Logger;
  /** Each job with its shared history and health (WishlistAlerts.overview). */
  overview: () => ReturnType<typeof jobsOverview>;
  watch: () => Promise<WatchStatus>;
}

/**
 * The admin console at /admin/wishlist-jobs: a server-rendered page for callers who may
 * view (the admin-token sign-in, or the host's own sign-in when `access` is given); "Run
 * now" for callers who may act. Every POST carries the sign-in's CSRF token. A guard
 * answers a refused request itself: no handler runs after it.
 */
export function createConsoleRouter(deps: ConsoleDeps): Router {
  const { cron, db } = deps;
  const sessions = new ConsoleSessions(deps.adminToken, db, () => deps.clock.now());
  const router = Router();
  router.use((_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  });
  router.use(express.urlencoded({ extended: false, limit: '10kb' }));

  const wantsJson = (req: Request) => req.accepts(['html', 'json']) === 'json';
  /** The token sign-in's session, else the host's sign-in, else nobody. */
  const callerOf = async (req: Request): Promise<(AdminCaller & { tokenSession: boolean }) | null> => {
    const id = await sessions.valid(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (id) return { who: 'token', canView: true, canAct: true, sessionKey: id, tokenSession: true };
    const caller = deps.access ? await deps.access(req) : null;
    return caller && { ...caller, tokenSession: false };
  };
  const signInLocation = () => (deps.access ? `${deps.signInUrl}${deps.signInUrl.includes('?') ? '&' : '?'}next=${encodeURIComponent(CONSOLE_PATH)}` : `${CONSOLE_PATH}/sign-in`);
  /** Lets the request on only for a caller who may `need`; POSTs must carry the CSRF token. */
  const guard = (need: 'view' | 'act'): RequestHandler => async (req, res, next) => {
    const caller = await callerOf(req);
    if (!caller) {
      if (req.method === 'GET' && !wantsJson(req)) return res.redirect(303, signInLocation());
      throw new HttpError(401, deps.access ? 'Sign in to the shop first' : `Sign in at ${CONSOLE_PATH}/sign-in first`);
    }
    if (!caller.canView || (need === 'act' && !caller.canAct)) {
      throw new HttpError(403, `${caller.who} may not ${need === 'act' ? 'run checks' : 'see the wishlist jobs'}`);
    }
    if (req.method === 'POST' && !sessions.csrfValid(caller.sessionKey, req.get('x-csrf-token') ?? (req.body as Record<string, unknown> | undefined)?._csrf)) {
      throw new HttpError(403, 'Missing or wrong CSRF token: reload the page and try again');
    }
    res.locals.caller = caller;
    next();
  };
  const cookieOptions = (req: Request) => ({
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: deps.secureCookies || req.secure || req.get('x-forwarded-proto') === 'https',
    path: CONSOLE_PATH,
  });

  router.get('/assets/:name', (req, res) => {
    const asset = ASSETS.get(String(req.params.name));
    if (!asset) throw new HttpError(404, 'No such asset');
    res.set('Cache-Control', 'no-cache').type(asset.type).send(asset.body);
  });

  router.get('/sign-in', async (req, res) => {
    if (await callerOf(req)) return res.redirect(303, CONSOLE_PATH);
    res.type('html').send(signInPage(null));
  });

  router.post('/sign-in', async (req, res) => {
    const token = (req.body as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || !sessions.tokenMatches(token.trim())) {
      deps.failures.record(req);
      deps.failures.refuseIfLimited(req, res);
      res.status(401).type('html').send(signInPage('That token is not right. Use ADMIN_API_TOKEN, or the contents of .data/admin-token.'));
      return;
    }
    const { value, maxAgeMs } = await sessions.issue();
    res.cookie(SESSION_COOKIE, value, { ...cookieOptions(req), maxAge: maxAgeMs });
    res.redirect(303, CONSOLE_PATH);
  });

  router.post('/sign-out', guard('view'), async (req, res) => {
    await sessions.revoke(readCookie(req.headers.cookie, SESSION_COOKIE));
    res.clearCookie(SESSION_COOKIE, cookieOptions(req));
    res.redirect(303, res.locals.caller.tokenSession ? `${CONSOLE_PATH}/sign-in` : deps.signInUrl);
  });

  router.get('/', guard('view'), async (_req, res) => {
    const caller = res.locals.caller as AdminCaller & { tokenSession: boolean };
    const [{ jobs, warning }, runs, notifications, watch] = await Promise.all([
      deps.overview(),
      listRuns(db, { limit: 50 }),
      listNotifications(db, { limit: 50 }),
      deps.watch(),
    ]);
    res.type('html').send(
      consolePage({
        jobs, runs, notifications, warning, watch,
        csrf: sessions.csrfFor(caller.sessionKey),
        previewLinks: deps.previews.previewing(),
        viewer: { who: caller.who, canAct: caller.canAct, canSignOut: caller.tokenSession },
      }),
    );
  });

  router.get('/state', guard('view'), async (_req, res) => {
    const { jobs } = await deps.overview();
    res.json({ success: true, data: { jobs: jobs.map((j) => ({ name: j.name, running: j.running, runningOn: j.runningOn })) } });
  });

  router.post('/run/:job', guard('act'), async (req, res) => {
    const data = await cron.trigger(String(req.params.job), { by: res.locals.caller.who });
    if (wantsJson(req)) res.json({ success: true, data });
    else res.redirect(303, CONSOLE_PATH); // without the script: back to the page, which shows the new run
  });

  router.get('/mail/:notificationId', guard('view'), async (req, res) => {
    const id = String(req.params.notificationId);
    if (!/^\d{1,18}$/.test(id)) throw new HttpError(400, 'notificationId must be a number');
    const emailId = await emailIdOf(db, id);
    const file = emailId && deps.previews.previewFile(emailId);
    if (!file) throw new HttpError(404, `No preview of the message for notification ${id} (sent over SMTP, not sent yet, or removed)`);
    res.type('text/plain; charset=utf-8').send(readFileSync(file, 'utf8'));
  });

  router.use(errorHandler(deps.logger));
  return router;
}
