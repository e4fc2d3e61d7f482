import type { Pool } from 'pg';
import type { Router } from 'express';
import type { Config } from './config/config';
import { Clock, systemClock } from './clock';
import type { Logger } from './logger';
import type { Mailer } from './mail/mailer';
import { moneyFormatter } from './mail/format';
import { AlertDelivery } from './services/AlertDelivery';
import { WishlistNotificationService } from './services/WishlistNotificationService';
import type { CronService } from './jobs/CronService';
import { registerWishlistJobs } from './jobs/wishlistJobs';
import { createAdminRouter } from './http/adminRouter';
import { PgRunCoordinator } from './jobs/PgRunCoordinator';

export type WishlistAlertsConfig = Pick<
  Config,
  | 'jobs' | 'mailFrom' | 'frontendUrl' | 'shopName' | 'shopLocale' | 'shopCurrency' | 'batchSize' | 'mailMaxAttempts'
  | 'stockCooldownHours' | 'smtpPoolSize' | 'instanceId' | 'leaseMs' | 'retryBaseMs'
>;

export interface WishlistAlerts {
  notifications: WishlistNotificationService;
  delivery: AlertDelivery;
  /** Adds the two jobs to the host's CronService. */
  registerJobs(cron: CronService): void;
  /** The admin API, to mount at /api/admin/wishlist-jobs. */
  adminRouter(cron: CronService, adminToken: string): Router;
  /** A coordinator for the host's CronService, so each tick runs on one instance only. */
  runCoordinator(): PgRunCoordinator;
}

/**
 * The module's one entry point for a host application (our own server, or the shop's
 * monolith): hand it the host's Pool, mailer and logger; it never creates its own.
 */
export function createWishlistAlerts(deps: {
  pool: Pool;
  mailer: Mailer;
  logger: Logger;
  config: WishlistAlertsConfig;
  clock?: Clock;
}): WishlistAlerts {
  const { pool, mailer, logger, config } = deps;
  const clock = deps.clock ?? systemClock;
  const delivery = new AlertDelivery({
    pool,
    mailer,
    logger,
    clock,
    settings: {
      mailFrom: config.mailFrom,
      frontendUrl: config.frontendUrl,
      shopName: config.shopName,
      money: moneyFormatter(config.shopLocale, config.shopCurrency),
      batchSize: config.batchSize,
      maxAttempts: config.mailMaxAttempts,
      retryBaseMs: config.retryBaseMs,
      concurrency: config.smtpPoolSize,
      instanceId: config.instanceId,
      leaseMs: config.leaseMs,
    },
  });
  const notifications = new WishlistNotificationService({
    pool,
    delivery,
    logger,
    clock,
    settings: { stockCooldownHours: config.stockCooldownHours },
  });
  return {
    notifications,
    delivery,
    registerJobs: (cron) => registerWishlistJobs({ cron, notifications, config, logger }),
    adminRouter: (cron, adminToken) => createAdminRouter({ cron, db: pool, adminToken }),
    runCoordinator: () => new PgRunCoordinator(pool, config.instanceId, config.leaseMs),
  };
}
