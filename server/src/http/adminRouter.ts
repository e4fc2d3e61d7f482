import { Router } from 'express';
import type { Db } from '../db/pool';
import { latestRuns, listRuns, RunRow, RunStatus } from '../db/jobRuns';
import { listNotifications } from '../db/outbox';
import type { AlertKind } from '../mail/templates';
import type { CronService, JobView } from '../jobs/CronService';
import { SALE_JOB, STOCK_JOB } from '../jobs/wishlistJobs';
import { errorMessage } from '../errorMessage';
import { requireAdminToken } from './auth';
import { HttpError } from './errors';

const JOBS = [SALE_JOB, STOCK_JOB];
const RUN_STATUSES: RunStatus[] = ['running', 'succeeded', 'failed', 'abandoned'];
const NOTIFICATION_STATUSES = ['queued', 'sent', 'failed', 'skipped'];

type History = { last: RunRow | null; running: RunRow | null } | undefined;

function jobStatus(name: string, job: JobView | undefined, history: History) {
  if (!job) return { name, enabled: false, registered: false };
  // The shared history says what any instance did; this process's memory is the fallback.
  const lastRun = history ? history.last : job.lastRun;
  return {
    name: job.name,
    enabled: job.config.enabled,
    schedule: job.config.schedule,
    timezone: job.config.timezone,
    description: job.config.description,
    running: job.running || Boolean(history?.running),
    runningOn: history?.running?.instanceId ?? null,
    lastRun,
    nextRun: job.nextRun,
    nextRuns: job.nextRuns,
    lastResult: lastRun?.status === 'succeeded' ? lastRun.result : null,
  };
}

function intParam(value: unknown, name: string, { min, max, fallback }: { min: number; max: number; fallback?: number }) {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new HttpError(400, `${name} must be a whole number from ${min} to ${max}`);
  return n;
}

/** /api/admin/wishlist-jobs: status, history and manual runs, over the process's one CronService. */
export function createAdminRouter(deps: { cron: CronService; db: Db; adminToken: string }): Router {
  const { cron, db } = deps;
  const router = Router();
  router.use(requireAdminToken(deps.adminToken));

  router.get('/status', async (_req, res) => {
    let history: Map<string, History> | undefined;
    let warning: string | undefined;
    try {
      history = await latestRuns(db, JOBS);
    } catch (err) {
      warning = `Run history unavailable (${errorMessage(err)}); showing this instance's view`;
    }
    res.json({
      success: true,
      data: {
        saleCheck: jobStatus(SALE_JOB, cron.getJob(SALE_JOB), history?.get(SALE_JOB)),
        stockCheck: jobStatus(STOCK_JOB, cron.getJob(STOCK_JOB), history?.get(STOCK_JOB)),
      },
      ...(warning ? { message: warning } : {}),
    });
  });

  router.get('/runs', async (req, res) => {
    const { job, status } = req.query;
    if (job !== undefined && !JOBS.includes(String(job) as (typeof JOBS)[number])) {
      throw new HttpError(400, `job must be one of ${JOBS.join(', ')}`);
    }
    if (status !== undefined && !RUN_STATUSES.includes(String(status) as RunStatus)) {
      throw new HttpError(400, `status must be one of ${RUN_STATUSES.join(', ')}`);
    }
    const limit = intParam(req.query.limit, 'limit', { min: 1, max: 500, fallback: 50 })!;
    const before = intParam(req.query.before, 'before', { min: 1, max: Number.MAX_SAFE_INTEGER });
    const runs = await listRuns(db, {
      job: job as string | undefined,
      status: status as RunStatus | undefined,
      limit,
      before: before === undefined ? undefined : String(before),
    });
    const nextBefore = runs.length === limit ? runs[runs.length - 1].id : null;
    res.json({ success: true, data: { runs, nextBefore } });
  });

  router.get('/notifications', async (req, res) => {
    const { status, kind } = req.query;
    if (status !== undefined && !NOTIFICATION_STATUSES.includes(String(status))) {
      throw new HttpError(400, `status must be one of ${NOTIFICATION_STATUSES.join(', ')}`);
    }
    if (kind !== undefined && kind !== 'sale' && kind !== 'stock') throw new HttpError(400, 'kind must be sale or stock');
    const limit = intParam(req.query.limit, 'limit', { min: 1, max: 500, fallback: 50 })!;
    const before = intParam(req.query.before, 'before', { min: 1, max: Number.MAX_SAFE_INTEGER });
    const notifications = await listNotifications(db, {
      status: status as string | undefined,
      kind: kind as AlertKind | undefined,
      limit,
      before: before === undefined ? undefined : String(before),
    });
    const nextBefore = notifications.length === limit ? notifications[notifications.length - 1].id : null;
    res.json({ success: true, data: { notifications, nextBefore } });
  });

  router.post('/trigger-sale-check', async (_req, res) => {
    const data = await cron.trigger(SALE_JOB);
    res.json({ success: true, data, message: 'Sale check completed' });
  });

  router.post('/trigger-stock-check', async (_req, res) => {
    const data = await cron.trigger(STOCK_JOB);
    res.json({ success: true, data, message: 'Stock check completed' });
  });

  return router;
}
