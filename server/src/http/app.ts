import express, { Express } from 'express';
import type { Pool } from 'pg';
import type { Logger } from '../logger';
import { errorMessage } from '../errorMessage';
import type { CronService } from '../jobs/CronService';
import type { WishlistAlerts } from '../wishlistAlerts';
import { errorHandler, notFound } from './errors';
import { requireAdminToken } from './auth';

export interface AppDeps {
  pool: Pool;
  cron: CronService;
  alerts: WishlistAlerts;
  logger: Logger;
  adminToken: string;
  /** Serve /metrics without the admin token (METRICS_PUBLIC=true). */
  metricsPublic?: boolean;
}

/** The HTTP app; it never listens, so tests mount it on their own database. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '100kb' }));

  // The database, and each job's health as the console's badge shows it. 503 only when
  // the database is down: a late job is for an alert, not for a restart.
  app.get('/healthz', async (_req, res) => {
    const jobs = async () => {
      const { jobs: list } = await deps.alerts.overview(deps.cron);
      return Object.fromEntries(list.map((j) => [j.name, { health: j.health, enabled: j.enabled, running: j.running, lastSuccessAt: j.lastSuccessAt }]));
    };
    try {
      await deps.pool.query('SELECT 1');
      const byJob = await jobs();
      const failing = Object.values(byJob).some((j) => j.health === 'failing');
      res.json({ status: failing ? 'degraded' : 'ok', database: 'up', jobs: byJob });
    } catch (err) {
      res.status(503).json({ status: 'unavailable', database: 'down', error: errorMessage(err) });
    }
  });

  const metricsAuth: express.RequestHandler = deps.metricsPublic ? (_req, _res, next) => next() : requireAdminToken(deps.adminToken);
  app.get('/metrics', metricsAuth, async (_req, res) => {
    const { registry } = deps.alerts.metrics;
    res.type(registry.contentType).send(await registry.metrics());
  });

  app.use('/api/admin/wishlist-jobs', deps.alerts.adminRouter(deps.cron, deps.adminToken));
  app.use(deps.alerts.unsubscribePath, deps.alerts.unsubscribeRouter());
  app.use(deps.alerts.consolePath, deps.alerts.consoleRouter(deps.cron, deps.adminToken));
  app.use('/api', notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
