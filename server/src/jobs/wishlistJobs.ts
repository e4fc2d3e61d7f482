import type { Config, JobName } from '../config/config';
import type { Logger } from '../logger';
import type { NotificationResult, WishlistNotificationService } from '../services/WishlistNotificationService';
import type { Retention } from '../services/Retention';
import type { CronService } from './CronService';

export const SALE_JOB: JobName = 'wishlist-sale-check';
export const STOCK_JOB: JobName = 'wishlist-stock-check';
export const RETENTION_JOB: JobName = 'wishlist-retention';

export const JOB_DESCRIPTIONS: Record<JobName, string> = {
  'wishlist-sale-check': 'Check wishlist items for sales and send notifications',
  'wishlist-stock-check': 'Check wishlist items for stock availability and send notifications',
  'wishlist-retention': 'Remove alert history past its retention, and what deleted wishlist rows left behind',
};

/** Registers the two wishlist jobs and the daily retention job; each handler is one call into a service. */
export function registerWishlistJobs(deps: {
  cron: CronService;
  notifications: WishlistNotificationService;
  retention: Retention;
  config: Pick<Config, 'jobs'>;
  logger: Logger;
}): void {
  const { cron, notifications, retention, config, logger } = deps;
  const add = (name: JobName, label: string, check: (log: Logger) => Promise<NotificationResult>) =>
    cron.addJob(name, { ...config.jobs[name], description: JOB_DESCRIPTIONS[name] }, async ({ log, by, trigger }) => {
      log.info({ triggeredBy: by }, `🔄 Running wishlist ${label} check...${by ? ` (${trigger}, by ${by})` : ''}`);
      const result = await check(log);
      if (result.errors > 0) log.warn({ errors: result.errors }, `⚠️ ${result.errors} errors during wishlist ${label} check`);
      return result;
    });
  add(SALE_JOB, 'sale', (log) => notifications.checkSales({ log }));
  add(STOCK_JOB, 'stock', (log) => notifications.checkStock({ log }));
  cron.addJob(RETENTION_JOB, { ...config.jobs[RETENTION_JOB], description: JOB_DESCRIPTIONS[RETENTION_JOB] }, ({ log }) => retention.apply(log));
  logger.info('✅ Wishlist notification cron jobs registered');
}
