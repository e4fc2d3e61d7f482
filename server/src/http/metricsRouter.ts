import { RequestHandler, type Router } from 'express';
import { createRouter } from './router';
import type { Logger } from '../logger';
import type { WishlistMetrics } from '../metrics/metrics';
import { AdminGate, requireAdmin } from './access';
import { errorHandler } from './errors';

/** GET / (mounted at /metrics): Prometheus text, for callers who may view (token or the host's sign-in), unless public. */
export function createMetricsRouter(deps: {
  metrics: WishlistMetrics; gate: AdminGate; public: boolean; logger: Logger;
}): Router {
  const router = createRouter();
  const guard: RequestHandler = deps.public ? (_req, _res, next) => next() : requireAdmin(deps.gate, 'view');
  router.get('/', guard, async (_req, res) => {
    const { registry } = deps.metrics;
    res.type(registry.contentType).send(await registry.metrics());
  });
  router.use(errorHandler(deps.logger));
  return router;
}
