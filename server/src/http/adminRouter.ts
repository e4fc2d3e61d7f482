import { Router } from 'express';
import type { CronService, JobView } from '../jobs/CronService';
import { SALE_JOB, STOCK_JOB } from '../jobs/wishlistJobs';
import { requireAdminToken } from './auth';

function jobStatus(name: string, job: JobView | undefined) {
  if (!job) return { name, enabled: false, registered: false };
  return {
    name: job.name,
    enabled: job.config.enabled,
    schedule: job.config.schedule,
    timezone: job.config.timezone,
    description: job.config.description,
    running: job.running,
    lastRun: job.lastRun,
    nextRun: job.nextRun,
    nextRuns: job.nextRuns,
    lastResult: job.lastRun?.status === 'succeeded' ? job.lastRun.result : null,
  };
}

/** /api/admin/wishlist-jobs: status and manual runs, over the process's one CronService. */
export function createAdminRouter(deps: { cron: CronService; adminToken: string }): Router {
  const { cron } = deps;
  const router = Router();
  router.use(requireAdminToken(deps.adminToken));

  router.get('/status', (_req, res) => {
    res.json({
      success: true,
      data: { saleCheck: jobStatus(SALE_JOB, cron.getJob(SALE_JOB)), stockCheck: jobStatus(STOCK_JOB, cron.getJob(STOCK_JOB)) },
    });
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
