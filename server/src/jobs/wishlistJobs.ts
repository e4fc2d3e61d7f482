import type { Config, JobName } from '../config/config';
import type { Logger } from '../logger';
import type { NotificationResult, WishlistNotificationService } from '../services/WishlistNotificationService';
import type { CronService } from './CronService';

export const SALE_JOB: JobName = 'wishlist-sale-check';
export const STOCK_JOB: JobName = 'wishlist-stock-check';

export const JOB_DESCRIPTIONS: Record<JobName, string> = {
  'wishlist-sale-check': 'Check wishlist items for sales and send notifications',
  'wishlist-stock-check': 'Check wishlist items for stock availability and send notifications',
};

/** Registers the two wishlist jobs; each handler is one call into the service. */
export function registerWishlistJobs(deps: {
  cron: CronService;
  notifications: WishlistNotificationService;
  config: Pick<Config, 'jobs'>;
  logger: Logger;
}): void {
  const { cron, notifications, config, logger } = deps;
  const add = (name: JobName, label: string, check: (log: Logger) => Promise<NotificationResult>) =>
    cron.addJob(name, { ...config.jobs[name], description: JOB_DESCRIPTIONS[name] }, async ({ log, by, trigger }) => {
      log.info({ triggeredBy: by }, `🔄 Running wishlist ${label} check...${by ? ` (${trigger}, by ${by})` : ''}`);
      const result = await check(log);
      if (result.errors > 0) log.warn({ errors: result.errors }, `⚠️ ${result.errors} errors during wishlist ${label} check`);
      return result;
    });
  add(SALE_JOB, 'sale', (log) => notifications.checkSales({ log }));
  add(STOCK_JOB, 'stock', (log) => notifications.checkStock({ log }));
  logger.info('✅ Wishlist notification cron jobs registered');
}
