import type { Pool } from 'pg';
import type { Router } from 'express';
import type { Config } from './config/config';
import { Clock, systemClock } from './clock';
import type { Logger } from './logger';
import type { Mailer } from './mail/mailer';
import { catalogueFor } from './mail/catalogue';
import { createAlertRenderer, mailSettingsFrom, UNSUBSCRIBE_PATH } from './mail/render';
import { AlertDelivery } from './services/AlertDelivery';
import { WishlistNotificationService } from './services/WishlistNotificationService';
import type { CronService } from './jobs/CronService';
import { registerWishlistJobs } from './jobs/wishlistJobs';
import { createAdminRouter } from './http/adminRouter';
import { PgRunCoordinator } from './jobs/PgRunCoordinator';
import { createUnsubscribeRouter } from './http/unsubscribeRouter';
import { createConsoleRouter } from './http/console/consoleRouter';
import { CONSOLE_PATH } from './http/console/page';
import { createMetrics, WishlistMetrics } from './metrics/metrics';
import { SALE_JOB, STOCK_JOB } from './jobs/wishlistJobs';
import { jobsOverview } from './jobs/overview';

export type WishlistAlertsConfig = Pick<
  Config,
  | 'jobs' | 'mailFrom' | 'frontendUrl' | 'shopName' | 'shopLocale' | 'shopCurrency' | 'batchSize' | 'mailMaxAttempts'
  | 'stockCooldownHours' | 'smtpPoolSize' | 'instanceId' | 'leaseMs' | 'retryBaseMs'
  | 'publicUrl' | 'unsubscribeMailto' | 'saleMinDropPercent' | 'stockNotifyPerUnit' | 'maxEmailsPerDay'
>;

export interface WishlistAlerts {
  notifications: WishlistNotificationService;
  delivery: AlertDelivery;
  /** Adds the two jobs to the host's CronService. */
  registerJobs(cron: CronService): void;
  /** The admin API, to mount at /api/admin/wishlist-jobs. */
  adminRouter(cron: CronService, adminToken: string): Router;
  /** The shoppers' unsubscribe links, to mount at `unsubscribePath` (public: the token is the permission). */
  unsubscribeRouter(): Router;
  unsubscribePath: string;
  /** The admin console page, to mount at `consolePath`. */
  consoleRouter(cron: CronService, adminToken: string): Router;
  consolePath: string;
  /** Prometheus metrics; pass `metrics.observeRun` to the CronService as onRunFinished. */
  metrics: WishlistMetrics;
  /** Each job with its last runs and health (the console's badge, /healthz). */
  overview(cron: CronService): ReturnType<typeof jobsOverview>;
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
  /** Signs the unsubscribe links (UNSUBSCRIBE_SECRET, or the one kept under DATA_DIR). */
  unsubscribeSecret: string;
  clock?: Clock;
}): WishlistAlerts {
  const { pool, mailer, logger, config, unsubscribeSecret } = deps;
  const clock = deps.clock ?? systemClock;
  const since = clock.now();
  const overview = (cron: CronService) => jobsOverview({ cron, db: pool, since, now: clock.now() });
  const metrics = createMetrics({ db: pool, jobs: [SALE_JOB, STOCK_JOB] });
  const render = createAlertRenderer(mailSettingsFrom(config, unsubscribeSecret));
  const delivery = new AlertDelivery({
    pool,
    mailer,
    render,
    logger,
    clock,
    settings: {
      mailFrom: config.mailFrom,
      frontendUrl: config.frontendUrl,
      batchSize: config.batchSize,
      maxEmailsPerDay: config.maxEmailsPerDay,
      saleMinDropPercent: config.saleMinDropPercent,
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
    settings: {
      stockCooldownHours: config.stockCooldownHours,
      stockNotifyPerUnit: config.stockNotifyPerUnit,
      saleMinDropPercent: config.saleMinDropPercent,
    },
  });
  return {
    notifications,
    delivery,
    registerJobs: (cron) => registerWishlistJobs({ cron, notifications, config, logger }),
    adminRouter: (cron, adminToken) => createAdminRouter({ cron, db: pool, adminToken, clock, overview: () => overview(cron) }),
    unsubscribeRouter: () =>
      createUnsubscribeRouter({
        db: pool,
        clock,
        secret: unsubscribeSecret,
        text: catalogueFor(config.shopLocale),
        lang: new Intl.Locale(config.shopLocale).language,
        shopName: config.shopName,
        shopUrl: config.frontendUrl,
      }),
    unsubscribePath: UNSUBSCRIBE_PATH,
    consoleRouter: (cron, adminToken) => createConsoleRouter({ cron, db: pool, adminToken, mailer, clock, overview: () => overview(cron) }),
    consolePath: CONSOLE_PATH,
    metrics,
    overview,
    runCoordinator: () => new PgRunCoordinator(pool, config.instanceId, config.leaseMs),
  };
}
