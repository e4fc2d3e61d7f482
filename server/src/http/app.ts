import express, { Express } from 'express';
import type { Pool } from 'pg';
import type { Logger } from '../logger';
import { errorMessage } from '../errorMessage';
import type { WishlistAlerts } from '../wishlistAlerts';
import { errorHandler, notFound } from './errors';
import { requireAdminToken } from './auth';

export type AppDeps = Pick<WishlistAlerts, 'routers' | 'paths' | 'metrics' | 'overview'> & {
  pool: Pool;
  logger: Logger;
  adminToken: string;
  /** Serve /metrics without the admin token (METRICS_PUBLIC=true). */
  metricsPublic?: boolean;
};

/** The HTTP app; it never listens, so tests mount it on their own database. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '100kb' }));

  // The database, and each job's health as the console's badge shows it. 503 only when
  // the database is down: a late job is for an alert, not for a restart.
  app.get('/healthz', async (_req, res) => {
    const jobs = async () => {
      const { jobs: list } = await deps.overview();
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
    const { registry } = deps.metrics;
    res.type(registry.contentType).send(await registry.metrics());
  });

  app.use(deps.paths.admin, deps.routers.admin);
  app.use(deps.paths.unsubscribe, deps.routers.unsubscribe);
  app.use(deps.paths.console, deps.routers.console);
  app.use('/api', notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
