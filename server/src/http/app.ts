import express, { Express } from 'express';
import type { Pool } from 'pg';
import type { Logger } from '../logger';
import { errorMessage } from '../errorMessage';
import type { CronService } from '../jobs/CronService';
import type { WishlistAlerts } from '../wishlistAlerts';
import { errorHandler, notFound } from './errors';

export interface AppDeps {
  pool: Pool;
  cron: CronService;
  alerts: WishlistAlerts;
  logger: Logger;
  adminToken: string;
}

/** The HTTP app; it never listens, so tests mount it on their own database. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '100kb' }));

  app.get('/healthz', async (_req, res) => {
    try {
      await deps.pool.query('SELECT 1');
      res.json({ status: 'ok', database: 'up' });
    } catch (err) {
      res.status(503).json({ status: 'unavailable', database: 'down', error: errorMessage(err) });
    }
  });

  app.use('/api/admin/wishlist-jobs', deps.alerts.adminRouter(deps.cron, deps.adminToken));
  app.use(deps.alerts.unsubscribePath, deps.alerts.unsubscribeRouter());
  app.use('/api', notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
