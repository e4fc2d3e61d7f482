import { Router } from 'express';
import type { Pool } from 'pg';
import type { Logger } from '../logger';
import { errorMessage } from '../errorMessage';
import type { jobsOverview } from '../jobs/overview';
import { errorHandler } from './errors';

/**
 * GET / (mounted at /healthz): the database, and each job's health as the console's badge
 * shows it. 503 only when the database is down: a late job is for an alert, not for a
 * restart.
 */
export function createHealthRouter(deps: { pool: Pool; logger: Logger; overview: () => ReturnType<typeof jobsOverview> }): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    try {
      await deps.pool.query('SELECT 1');
      const { jobs } = await deps.overview();
      const byJob = Object.fromEntries(
        jobs.map((j) => [j.name, { health: j.health, enabled: j.enabled, running: j.running, lastSuccessAt: j.lastSuccessAt }]),
      );
      const failing = jobs.some((j) => j.health === 'failing');
      res.json({ status: failing ? 'degraded' : 'ok', database: 'up', jobs: byJob });
    } catch (err) {
      res.status(503).json({ status: 'unavailable', database: 'down', error: errorMessage(err) });
    }
  });
  router.use(errorHandler(deps.logger));
  return router;
}
