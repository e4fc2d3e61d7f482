import { readFileSync } from 'fs';
import path from 'path';
import express, { Request, Response, Router } from 'express';
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

const ASSETS: Record<string, { type: string; body: string }> = {
  'console.js': { type: 'text/javascript', body: readFileSync(path.join(__dirname, 'assets', 'console.js'), 'utf8') },
  'console.css': { type: 'text/css', body: readFileSync(path.join(__dirname, 'assets', 'console.css'), 'utf8') },
};

const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'same-origin',
};

export interface ConsoleDeps {
  cron: CronService;
  db: Db;
  adminToken: string;
  /** The preview folder's files, when mail goes there. */
  previews: Pick<MailRouter, 'previewFile' | 'previewing'>;
  clock: Clock;
  logger: Logger;
  /** Each job with its shared history and health (WishlistAlerts.overview). */
  overview: () => ReturnType<typeof jobsOverview>;
}

/**
 * The admin console at /admin/wishlist-jobs: a server-rendered page behind a sign-in
 * with the admin token (HttpOnly, SameSite=Strict session cookie, Secure over HTTPS);
 * every POST carries the session's CSRF token.
 */
export function createConsoleRouter(deps: ConsoleDeps): Router {
  const { cron, db } = deps;
  const sessions = new ConsoleSessions(deps.adminToken, () => deps.clock.now().getTime());
  const router = Router();
  router.use(express.urlencoded({ extended: false, limit: '10kb' }));
  router.use((_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  });

  const sessionOf = (req: Request) => {
    const s = readCookie(req.headers.cookie, SESSION_COOKIE);
    return sessions.valid(s) ? s : null;
  };
  const wantsJson = (req: Request) => req.accepts(['html', 'json']) === 'json';
  /** A session for pages (else to the sign-in form), a session and its CSRF token for POSTs. */
  const requireSession = (req: Request, res: Response, opts: { csrf: boolean }): string | null => {
    const session = sessionOf(req);
    if (!session) {
      if (wantsJson(req) || opts.csrf) throw new HttpError(401, 'Sign in at /admin/wishlist-jobs/sign-in first');
      res.redirect(303, `${CONSOLE_PATH}/sign-in`);
      return null;
    }
    if (opts.csrf && !sessions.csrfValid(session, req.get('x-csrf-token') ?? (req.body as Record<string, unknown> | undefined)?._csrf)) {
      throw new HttpError(403, 'Missing or wrong CSRF token: reload the page and try again');
    }
    return session;
  };

  router.get('/assets/:name', (req, res) => {
    const asset = ASSETS[String(req.params.name)];
    if (!asset) throw new HttpError(404, `No asset ${req.params.name}`);
    res.set('Cache-Control', 'no-cache').type(asset.type).send(asset.body);
  });

  router.get('/sign-in', (req, res) => {
    if (sessionOf(req)) return res.redirect(303, CONSOLE_PATH);
    res.type('html').send(signInPage(null));
  });

  router.post('/sign-in', (req, res) => {
    const token = (req.body as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || !sessions.tokenMatches(token.trim())) {
      res.status(401).type('html').send(signInPage('That token is not right. Use ADMIN_API_TOKEN, or the contents of .data/admin-token.'));
      return;
    }
    const { value, maxAgeMs } = sessions.issue();
    res.cookie(SESSION_COOKIE, value, {
      httpOnly: true,
      sameSite: 'strict',
      secure: req.secure || req.get('x-forwarded-proto') === 'https',
      path: CONSOLE_PATH,
      maxAge: maxAgeMs,
    });
    res.redirect(303, CONSOLE_PATH);
  });

  router.post('/sign-out', (req, res) => {
    requireSession(req, res, { csrf: true });
    res.clearCookie(SESSION_COOKIE, { path: CONSOLE_PATH });
    res.redirect(303, `${CONSOLE_PATH}/sign-in`);
  });

  router.get('/', async (req, res) => {
    const session = requireSession(req, res, { csrf: false });
    if (!session) return;
    const [{ jobs, warning }, runs, notifications] = await Promise.all([
      deps.overview(),
      listRuns(db, { limit: 50 }),
      listNotifications(db, { limit: 50 }),
    ]);
    res.type('html').send(
      consolePage({ jobs, runs, notifications, csrf: sessions.csrfFor(session), previewLinks: deps.previews.previewing(), warning }),
    );
  });

  router.get('/state', async (req, res) => {
    requireSession(req, res, { csrf: false });
    const { jobs } = await deps.overview();
    res.json({ success: true, data: { jobs: jobs.map((j) => ({ name: j.name, running: j.running, runningOn: j.runningOn })) } });
  });

  router.post('/run/:job', async (req, res) => {
    requireSession(req, res, { csrf: true });
    const data = await cron.trigger(String(req.params.job));
    if (wantsJson(req)) res.json({ success: true, data });
    else res.redirect(303, CONSOLE_PATH); // without the script: back to the page, which shows the new run
  });

  router.get('/mail/:notificationId', async (req, res) => {
    if (!requireSession(req, res, { csrf: false })) return;
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
