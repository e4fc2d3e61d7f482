import express, { Request, type Router } from 'express';
import { createRouter } from './router';
import type { Logger } from '../logger';
import type { Db } from '../db/pool';
import { listRuns, RunStatus } from '../db/jobRuns';
import { listNotifications } from '../db/outbox/views';
import { ALERT_KINDS, AlertKind, Region } from '../domain';
import type { ShopperPreferences } from '../services/ShopperPreferences';
import type { CronService } from '../jobs/CronService';
import type { JobOverview, jobsOverview } from '../jobs/overview';
import { RETENTION_JOB, SALE_JOB, STOCK_JOB } from '../jobs/wishlistJobs';
import { AdminGate, requireAdmin } from './access';
import { boundedBody } from './bodyDeadline';
import type { WatchStatus } from '../services/Watch';
import { errorHandler, HttpError } from './errors';
import type { SuppressionList } from '../services/SuppressionList';
import { SUPPRESSION_SOURCES } from '../db/suppressions';
import type { FeedbackEndpoints } from './feedbackRouter';
import type { DatabaseProbe } from './databaseDeadline';
import type { StorePace } from '../services/delivery/paceStatus';
import type { AlertProof } from '../services/AlertProof';

const JOBS: readonly string[] = [SALE_JOB, STOCK_JOB, RETENTION_JOB];
const RUN_STATUSES: RunStatus[] = ['running', 'succeeded', 'failed', 'abandoned'];
const NOTIFICATION_STATUSES = ['queued', 'sent', 'failed', 'skipped'] as const;

type Overview = Awaited<ReturnType<typeof jobsOverview>>;

function jobStatus(name: string, job: JobOverview | undefined) {
  if (!job) return { name, enabled: false, registered: false };
  const { lastRun } = job;
  return {
    name: job.name,
    enabled: job.enabled,
    schedule: job.schedule,
    timezone: job.timezone,
    description: job.description,
    running: job.running,
    runningOn: job.runningOn,
    lastRun,
    nextRun: job.nextRuns[0] ?? null,
    nextRuns: job.nextRuns,
    lastResult: lastRun?.status === 'succeeded' ? lastRun.result : null,
    health: job.health,
    lastSuccessAt: job.lastSuccessAt,
  };
}

function intParam(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new HttpError(400, `${name} must be a whole number from ${min} to ${max}`);
  return n;
}

/** ?limit= (1 to 500, default 50) and ?before=<id> (the previous page's nextBefore). */
function pageParams(query: Request['query']): { limit: number; before?: string } {
  const limit = intParam(query.limit, 'limit', 1, 500) ?? 50;
  const before = intParam(query.before, 'before', 1, Number.MAX_SAFE_INTEGER);
  return { limit, before: before === undefined ? undefined : String(before) };
}

function oneOf<T extends string>(value: unknown, name: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new HttpError(400, `${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}

/** A page of rows, newest first, with the cursor for the next one. */
function paged<T extends { id: string }>(rows: T[], limit: number): { rows: T[]; nextBefore: string | null } {
  return { rows, nextBefore: rows.length === limit ? rows[rows.length - 1].id : null };
}

/** /api/admin/wishlist-jobs: status, history and manual runs, over the process's one CronService. */
export function createAdminRouter(deps: {
  cron: CronService;
  db: Db;
  /** The admin token, the host's sign-in beside it, and the failure limit. */
  gate: AdminGate;
  preferences: ShopperPreferences;
  logger: Logger;
  /** Each job with its shared history and health (WishlistAlerts.overview). */
  overview: () => Promise<Overview>;
  /** Where each store's mail goes (passwords masked). */
  describeMail: () => Promise<Record<Region, string>>;
  /** The watch: enabled, interval, holder, last look, how far behind, what it acted on. */
  watch: () => Promise<WatchStatus>;
  /** The addresses no alert is sent to, and which provider notifications feed them. */
  suppressions: SuppressionList;
  feedback: FeedbackEndpoints;
  /** A request still waiting when the database stops answering gets 503 within its deadline. */
  probe: DatabaseProbe;
  /** Reach and attributed orders, per kind and store, for the last 7 and 30 days. */
  proof: Pick<AlertProof, 'stats'>;
  /** Each store's mail pace, whether the provider throttles it, and the time left for what is queued. */
  mailPace: () => Promise<StorePace[]>;
}): Router {
  const { cron, db } = deps;
  const router = createRouter({ probe: deps.probe });
  router.use(requireAdmin(deps.gate, 'view'));
  const act = requireAdmin(deps.gate, 'act');
  // After the token check: a caller without one cannot make the server read a body.
  router.use(...boundedBody(express.json({ limit: '4kb' })));

  router.get('/status', async (_req, res) => {
    const [{ jobs, warning }, mail, watch, suppressed, mailPace] = await Promise.all([
      deps.overview(), deps.describeMail(), deps.watch(), deps.suppressions.counts(), deps.mailPace(),
    ]);
    const byName = new Map(jobs.map((j) => [j.name, j]));
    res.json({
      success: true,
      data: {
        saleCheck: jobStatus(SALE_JOB, byName.get(SALE_JOB)), stockCheck: jobStatus(STOCK_JOB, byName.get(STOCK_JOB)),
        retention: jobStatus(RETENTION_JOB, byName.get(RETENTION_JOB)), watch, mail, mailPace,
        suppressions: { ...suppressed, notifications: deps.feedback },
      },
      ...(warning ? { message: warning } : {}),
    });
  });

  // The console's proof panel as JSON: emails and shoppers reached, orders and revenue attributed.
  router.get('/stats', async (_req, res) => {
    res.json({ success: true, data: await deps.proof.stats() });
  });

  // The CSRF token a browser sign-in's actions carry (X-CSRF-Token); the admin token needs none.
  router.get('/csrf-token', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ success: true, data: { csrfToken: res.locals.browserSession ? deps.gate.csrf.tokenFor(res.locals.caller.sessionKey) : null } });
  });

  router.get('/runs', async (req, res) => {
    const page = pageParams(req.query);
    const filter = { job: oneOf(req.query.job, 'job', JOBS), status: oneOf(req.query.status, 'status', RUN_STATUSES) };
    const { rows, nextBefore } = paged(await listRuns(db, { ...filter, ...page }), page.limit);
    res.json({ success: true, data: { runs: rows, nextBefore } });
  });

  router.get('/notifications', async (req, res) => {
    const page = pageParams(req.query);
    const filter = {
      status: oneOf(req.query.status, 'status', NOTIFICATION_STATUSES),
      kind: oneOf(req.query.kind, 'kind', ALERT_KINDS),
    };
    const { rows, nextBefore } = paged(await listNotifications(db, { ...filter, ...page }), page.limit);
    res.json({ success: true, data: { notifications: rows, nextBefore } });
  });

  // For the monolith's account page (server to server, with the admin token): whether a
  // shopper gets wishlist alerts at all, and turning them back on after an unsubscribe.
  router.get('/shoppers/:userId/alerts', async (req, res) => {
    const userId = intParam(req.params.userId, 'userId', 1, 2_147_483_647)!;
    const state = await deps.preferences.state(userId);
    if (!state) throw new HttpError(404, `No shopper with id ${userId}`);
    res.json({ success: true, data: state });
  });

  router.put('/shoppers/:userId/alerts', act, async (req, res) => {
    const userId = intParam(req.params.userId, 'userId', 1, 2_147_483_647)!;
    const enabled = (req.body as { enabled?: unknown } | undefined)?.enabled;
    if (typeof enabled !== 'boolean') throw new HttpError(400, 'Body must be JSON {"enabled": true} or {"enabled": false}');
    const state = await deps.preferences.setAll(userId, enabled);
    if (!state) throw new HttpError(404, `No shopper with id ${userId}`);
    res.json({ success: true, data: state });
  });

  // The suppression list, newest first (addresses masked); ?source=, ?userId= (the entry
  // holding back that shopper's current address), paged like /runs.
  router.get('/suppressions', async (req, res) => {
    const page = pageParams(req.query);
    const filter = { source: oneOf(req.query.source, 'source', SUPPRESSION_SOURCES), userId: intParam(req.query.userId, 'userId', 1, 2_147_483_647) };
    const { rows, nextBefore } = paged(await deps.suppressions.list({ ...filter, ...page }), page.limit);
    res.json({ success: true, data: { suppressions: rows, nextBefore, counts: await deps.suppressions.counts() } });
  });

  // Lifts an entry (the shopper's mailbox works again). A complaint's opt-out stays: PUT
  // /shoppers/:userId/alerts turns the shopper's alerts back on.
  router.delete('/suppressions/:id', act, async (req, res) => {
    const id = String(intParam(req.params.id, 'id', 1, Number.MAX_SAFE_INTEGER));
    const lifted = await deps.suppressions.lift(id, res.locals.caller.who);
    if (!lifted) throw new HttpError(404, `No suppression with id ${id}`);
    res.json({ success: true, data: { lifted } });
  });

  router.post('/trigger-sale-check', act, async (_req, res) => {
    const data = await cron.trigger(SALE_JOB, { by: res.locals.caller.who });
    res.json({ success: true, data, message: 'Sale check completed' });
  });

  router.post('/trigger-stock-check', act, async (_req, res) => {
    const data = await cron.trigger(STOCK_JOB, { by: res.locals.caller.who });
    res.json({ success: true, data, message: 'Stock check completed' });
  });

  router.use(errorHandler(deps.logger));
  return router;
}
