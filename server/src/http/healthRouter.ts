import type { Router } from 'express';
import { createRouter } from './router';
import type { Pool, QueryConfig } from 'pg';
import type { Logger } from '../logger';
import { errorMessage } from '../errorMessage';
import type { jobsOverview } from '../jobs/overview';
import type { WatchStatus } from '../services/Watch';
import { errorHandler } from './errors';
import { noSniff } from './securityHeaders';
import { DATABASE_DEADLINE_MS } from './databaseDeadline';

/**
 * GET / (mounted at /healthz): the database, and each job's health as the console's badge
 * shows it. 503 only when the database is down or does not answer within the deadline: a
 * late job is for an alert, not for a restart. The answer never carries the driver's
 * message (hosts, ports); the log does, once per outage.
 */
export function createHealthRouter(deps: {
  pool: Pool;
  logger: Logger;
  overview: () => ReturnType<typeof jobsOverview>;
  watch: () => Promise<WatchStatus>;
  deadlineMs?: number;
}): Router {
  // A probe that gets no answer by then says the database is down: probes time out at a few seconds.
  const deadlineMs = deps.deadlineMs ?? DATABASE_DEADLINE_MS;
  const router = createRouter();
  let down = false;
  router.use(noSniff);
  router.get('/', async (_req, res) => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from PostgreSQL within ${deadlineMs} ms`)), deadlineMs);
    });
    try {
      const probe = (async () => {
        // Frees the connection at the deadline too (node-postgres reads query_timeout per query).
        await deps.pool.query({ text: 'SELECT 1', query_timeout: deadlineMs } as QueryConfig);
        return Promise.all([deps.overview(), deps.watch()]);
      })();
      probe.catch(() => undefined); // settles after the deadline when the database is slow
      const [{ jobs }, watch] = await Promise.race([probe, deadline]);
      if (down) deps.logger.info('Health check: the database answers again');
      down = false;
      const byJob = Object.fromEntries(
        jobs.map((j) => [j.name, { health: j.health, enabled: j.enabled, running: j.running, lastSuccessAt: j.lastSuccessAt }]),
      );
      const failing = jobs.some((j) => j.health === 'failing') || watch.health === 'degraded';
      res.json({
        status: failing ? 'degraded' : 'ok', database: 'up', jobs: byJob,
        watch: { health: watch.health, lookedAt: watch.lookedAt, behindMs: watch.behindMs },
      });
    } catch (err) {
      if (!down) deps.logger.warn({ err: errorMessage(err) }, `Health check: the database is down: ${errorMessage(err)}`);
      down = true;
      res.status(503).json({ status: 'unavailable', database: 'down' });
    } finally {
      clearTimeout(timer);
    }
  });
  router.use(errorHandler(deps.logger));
  return router;
}
