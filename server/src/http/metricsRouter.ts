import { RequestHandler, Router } from 'express';
import type { Logger } from '../logger';
import type { WishlistMetrics } from '../metrics/metrics';
import { requireAdminToken } from './auth';
import { errorHandler } from './errors';

/** GET / (mounted at /metrics): Prometheus text, behind the admin token unless public. */
export function createMetricsRouter(deps: { metrics: WishlistMetrics; adminToken: string; public: boolean; logger: Logger }): Router {
  const router = Router();
  const guard: RequestHandler = deps.public ? (_req, _res, next) => next() : requireAdminToken(deps.adminToken);
  router.get('/', guard, async (_req, res) => {
    const { registry } = deps.metrics;
    res.type(registry.contentType).send(await registry.metrics());
  });
  router.use(errorHandler(deps.logger));
  return router;
}
