import { Router } from 'express';
import type { Pool } from 'pg';
import type { Logger } from '../logger';
import { errorMessage } from '../errorMessage';
import type { jobsOverview } from '../jobs/overview';
import { errorHandler } from './errors';
import type { WatchStatus } from '../services/Watch';

/**
 * GET / (mounted at /healthz): the database, and each job's health as the console's badge
 * shows it. 503 only when the database is down: a late job is for an alert, not for a
 * restart.
 */
export function createHealthRouter(deps: {
  pool: Pool; logger: Logger; overview: () => ReturnType<typeof jobsOverview>; watch: () => Promise<WatchStatus>;
}): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    try {
      await deps.pool.query('SELECT 1');
      const [{ jobs }, watch] = await Promise.all([deps.overview(), deps.watch()]);
      const byJob = Object.fromEntries(
        jobs.map((j) => [j.name, { health: j.health, enabled: j.enabled, running: j.running, lastSuccessAt: j.lastSuccessAt }]),
      );
      const failing = jobs.some((j) => j.health === 'failing') || watch.health === 'degraded';
      res.json({
        status: failing ? 'degraded' : 'ok', database: 'up', jobs: byJob,
        watch: { health: watch.health, lookedAt: watch.lookedAt, behindMs: watch.behindMs },
      });
    } catch (err) {
      res.status(503).json({ status: 'unavailable', database: 'down', error: errorMessage(err) });
    }
  });
  router.use(errorHandler(deps.logger));
  return router;
}
