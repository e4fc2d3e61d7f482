import type { Request, Response, Router } from 'express';
import type { Logger } from '../logger';
import type { CronService } from '../jobs/CronService';
import type { NotificationResult } from '../services/WishlistNotificationService';
import { SALE_JOB, STOCK_JOB } from '../jobs/wishlistJobs';
import { AdminGate, requireAdmin } from './access';
import { bodyDeadline } from './bodyDeadline';
import { errorHandler } from './errors';
import { createRouter } from './router';
import type { DatabaseProbe } from './databaseDeadline';

/** The shop's own trigger paths for its old notifier, and the module's job each now runs. */
export const SHOP_TRIGGER_PATHS: ReadonlyArray<{ path: string; job: string; label: string }> = [
  { path: '/api/admin/wishlist-notifications/check-sales', job: SALE_JOB, label: 'Wishlist sale check completed' },
  { path: '/api/admin/wishlist-notifications/check-stock', job: STOCK_JOB, label: 'Wishlist stock check completed' },
  { path: `/api/admin/cron/trigger/${SALE_JOB}`, job: SALE_JOB, label: `Job '${SALE_JOB}' completed` },
  { path: `/api/admin/cron/trigger/${STOCK_JOB}`, job: STOCK_JOB, label: `Job '${STOCK_JOB}' completed` },
];

/**
 * The shop's old trigger routes, answered by the module: mounted at the root ahead of the
 * shop's own routers, a POST to one of these paths runs the module's check (the same run,
 * overlap guard and history as POST /api/admin/wishlist-jobs/trigger-…) and answers in
 * the shop's shape ({ success, message, data: { checked, notified, errors, timestamp } }).
 * Every other request passes through to the shop. The same access as the admin API:
 * the token, or a shop sign-in that may act, with its CSRF token.
 */
export function createShopTriggersRouter(deps: { cron: CronService; gate: AdminGate; logger: Logger; probe: DatabaseProbe }): Router {
  const router = createRouter({ probe: deps.probe });
  // The error handler ends each route, not the router: a route's own handler hears only
  // its own errors, so an error of the shop's (its body parser's, say) passes through to
  // the shop's handler as before.
  const failed = errorHandler(deps.logger);
  for (const { path, job, label } of SHOP_TRIGGER_PATHS) {
    router.post(path, requireAdmin(deps.gate, 'view'), bodyDeadline(10_000), requireAdmin(deps.gate, 'act'), async (_req: Request, res: Response) => {
      const result = (await deps.cron.trigger(job, { by: res.locals.caller.who })) as NotificationResult;
      res.json({ success: true, message: label, data: { ...result, timestamp: new Date().toISOString() } });
    }, failed);
  }
  return router;
}
