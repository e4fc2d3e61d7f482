import { readFileSync } from 'fs';
import path from 'path';
import express, { Request, RequestHandler, type Router } from 'express';
import { createRouter } from '../router';
import type { Clock } from '../../clock';
import type { Db } from '../../db/pool';
import { listRuns } from '../../db/jobRuns';
import { emailIdOf, listNotifications } from '../../db/outbox/views';
import type { CronService } from '../../jobs/CronService';
import type { jobsOverview } from '../../jobs/overview';
import type { MailRouter } from '../../mail/routes';
import { errorHandler, HttpError } from '../errors';
import { boundedBody } from '../bodyDeadline';
import type { Logger } from '../../logger';
import { consolePage, CONSOLE_PATH, signInPage } from './page';
import { ConsoleSessions, readCookie, SESSION_COOKIE } from './session';
import type { AdminCaller, AdminGate } from '../access';
import { csrfTokenOf, foreignOrigin } from '../csrf';
import type { WatchStatus } from '../../services/Watch';
import type { SuppressionList } from '../../services/SuppressionList';
import type { FeedbackEndpoints } from '../feedbackRouter';
import type { DatabaseProbe } from '../databaseDeadline';
import type { StorePace } from '../../services/delivery/paceStatus';
import type { AlertProof } from '../../services/AlertProof';

// A Map, not an object: a name such as 'constructor' or '__proto__' must find nothing.
const ASSETS = new Map<string, { type: string; body: string }>([
  ['console.js', { type: 'text/javascript', body: readFileSync(path.join(__dirname, 'assets', 'console.js'), 'utf8') }],
  ['console.css', { type: 'text/css', body: readFileSync(path.join(__dirname, 'assets', 'console.css'), 'utf8') }],
]);

const SUPPRESSIONS_PAGE = 50;

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
  /**
   * The admin token (the console's own sign-in form; absent: no token sign-in), the host's
   * sign-in beside it, the failure limit, the CSRF tokens and the trusted origins.
   */
  gate: AdminGate;
  /** The shop's sign-in page, offered to a visitor without a sign-in when the host's sign-in is given. */
  signInUrl: string;
  /** Secure cookies (production): never sent over plain http. */
  secureCookies: boolean;
  /** Where each store's mail goes (and why it waits), and the preview folder's files when mail goes there. */
  previews: Pick<MailRouter, 'previewFile' | 'previewing' | 'describe'>;
  clock: Clock;
  logger: Logger;
  /** Each job with its shared history and health (WishlistAlerts.overview). */
  overview: () => ReturnType<typeof jobsOverview>;
  watch: () => Promise<WatchStatus>;
  suppressions: SuppressionList;
  feedback: FeedbackEndpoints;
  /** A request still waiting when the database stops answering gets 503 (a page, or JSON) within its deadline. */
  probe: DatabaseProbe;
  proof: Pick<AlertProof, 'stats'>;
  /** Each store's mail pace and whether the provider throttles it. */
  mailPace: () => Promise<StorePace[]>;
}

/**
 * The admin console at /admin/wishlist-jobs: a server-rendered page for callers who may
 * view (the admin-token sign-in, or the host's own sign-in when `access` is given); "Run
 * now" for callers who may act. Every POST carries the sign-in's CSRF token. A guard
 * answers a refused request itself: no handler runs after it.
 */
export function createConsoleRouter(deps: ConsoleDeps): Router {
  const { cron, db, gate } = deps;
  const sessions = gate.token === undefined ? null : new ConsoleSessions(gate.token, db, () => deps.clock.now());
  const signIn = (error: string | null) =>
    signInPage({ error, tokenSignIn: sessions !== null, shopSignIn: gate.access ? deps.signInUrl : null });
  const router = createRouter({ probe: deps.probe });
  router.use((_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  });
  router.use(...boundedBody(express.urlencoded({ extended: false, limit: '4kb' })));

  const wantsJson = (req: Request) => req.accepts(['html', 'json']) === 'json';
  /** The token sign-in's session, else the host's sign-in, else nobody. */
  const callerOf = async (req: Request): Promise<(AdminCaller & { tokenSession: boolean }) | null> => {
    const id = sessions && (await sessions.valid(readCookie(req.headers.cookie, SESSION_COOKIE)));
    if (id) return { who: 'token', canView: true, canAct: true, sessionKey: id, tokenSession: true };
    const caller = gate.access ? await gate.access(req) : null;
    return caller && { ...caller, tokenSession: false };
  };
  /**
   * Lets the request on only for a caller who may `need`; every caller here is a browser
   * sign-in, so its requests must not come from another site and its POSTs must carry the
   * CSRF token.
   */
  const guard = (need: 'view' | 'act'): RequestHandler => async (req, res, next) => {
    const caller = await callerOf(req);
    if (!caller) {
      if (req.method === 'GET' && !wantsJson(req)) return res.redirect(303, `${CONSOLE_PATH}/sign-in`);
      throw new HttpError(401, gate.access ? 'Sign in to the shop first' : `Sign in at ${CONSOLE_PATH}/sign-in first`);
    }
    if (foreignOrigin(req, gate.trustedOrigins)) throw new HttpError(403, 'The console may not be used from another site');
    if (!caller.canView || (need === 'act' && !caller.canAct)) {
      throw new HttpError(403, `${caller.who} may not ${need === 'act' ? 'run checks' : 'see the wishlist jobs'}`);
    }
    if (req.method === 'POST' && !gate.csrf.valid(caller.sessionKey, csrfTokenOf(req))) {
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
    res.type('html').send(signIn(null));
  });

  router.post('/sign-in', async (req, res) => {
    if (!sessions) throw new HttpError(404, 'There is no token sign-in: ADMIN_API_TOKEN is not set');
    const token = (req.body as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || !sessions.tokenMatches(token.trim())) {
      gate.failures.record(req);
      gate.failures.refuseIfLimited(req, res);
      res.status(401).type('html').send(signIn('That token is not right. Use ADMIN_API_TOKEN, or the contents of .data/admin-token.'));
      return;
    }
    const { value, maxAgeMs } = await sessions.issue();
    res.cookie(SESSION_COOKIE, value, { ...cookieOptions(req), maxAge: maxAgeMs });
    res.redirect(303, CONSOLE_PATH);
  });

  router.post('/sign-out', guard('view'), async (req, res) => {
    await sessions?.revoke(readCookie(req.headers.cookie, SESSION_COOKIE));
    res.clearCookie(SESSION_COOKIE, cookieOptions(req));
    res.redirect(303, `${CONSOLE_PATH}/sign-in`);
  });

  router.get('/', guard('view'), async (req, res) => {
    const caller = res.locals.caller as AdminCaller & { tokenSession: boolean };
    const before = req.query.suppressionsBefore;
    if (before !== undefined && !(typeof before === 'string' && /^\d{1,18}$/.test(before))) throw new HttpError(400, 'suppressionsBefore must be a number');
    const [{ jobs, warning }, runs, notifications, watch, mail, suppressed, suppressedCounts, proof, paces] = await Promise.all([
      deps.overview(),
      listRuns(db, { limit: 50 }),
      listNotifications(db, { limit: 50 }),
      deps.watch(),
      deps.previews.describe(),
      deps.suppressions.list({ limit: SUPPRESSIONS_PAGE, before }),
      deps.suppressions.counts(),
      deps.proof.stats(),
      deps.mailPace(),
    ]);
    const suppressions = {
      rows: suppressed, counts: suppressedCounts, feedback: deps.feedback,
      nextBefore: suppressed.length === SUPPRESSIONS_PAGE ? suppressed[suppressed.length - 1].id : null,
    };
    res.type('html').send(
      consolePage({
        jobs, runs, notifications, warning, watch, mail, suppressions, proof, paces,
        csrf: gate.csrf.tokenFor(caller.sessionKey),
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

  router.post('/suppressions/:id/lift', guard('act'), async (req, res) => {
    const id = String(req.params.id);
    if (!/^\d{1,18}$/.test(id)) throw new HttpError(400, 'The suppression id must be a number');
    const lifted = await deps.suppressions.lift(id, res.locals.caller.who);
    if (!lifted) throw new HttpError(404, `No suppression with id ${id} (lifted already?)`);
    if (wantsJson(req)) res.json({ success: true, data: { lifted } });
    else res.redirect(303, `${CONSOLE_PATH}#suppressions`);
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
