import type { Pool } from 'pg';
import type { Router } from 'express';
import type { Config } from './config/config';
import { Clock, systemClock } from './clock';
import type { Logger } from './logger';
import type { Mailer } from './mail/mailer';
import { catalogueFor } from './mail/catalogue';
import { createAlertRenderer, mailSettingsFrom, UNSUBSCRIBE_PATH } from './mail/render';
import { MailSources } from './mail/mailSources';
import { createMailRouter } from './mail/mailRouter';
import type { MailRouter } from './mail/routes';
import { AlertDelivery } from './services/delivery/AlertDelivery';
import { WishlistNotificationService } from './services/WishlistNotificationService';
import type { CronService } from './jobs/CronService';
import { registerWishlistJobs, SALE_JOB, STOCK_JOB } from './jobs/wishlistJobs';
import { createAdminRouter } from './http/adminRouter';
import { createUnsubscribeRouter } from './http/unsubscribeRouter';
import { createConsoleRouter } from './http/console/consoleRouter';
import { CONSOLE_PATH } from './http/console/page';
import { createMetrics, WishlistMetrics } from './metrics/metrics';
import { jobsOverview } from './jobs/overview';
import { shopTimezone } from './db/timezone';

export type WishlistAlertsConfig = Pick<
  Config,
  | 'nodeEnv' | 'jobs' | 'mailFrom' | 'frontendUrl' | 'frontendUrlEu' | 'wishlistPagePath' | 'shopTimezone' | 'shopMail'
  | 'shopName' | 'shopLocale' | 'smtpUrl' | 'dataDir' | 'batchSize' | 'mailMaxAttempts' | 'stockCooldownHours'
  | 'smtpPoolSize' | 'instanceId' | 'leaseMs' | 'retryBaseMs' | 'publicUrl' | 'unsubscribeMailto'
  | 'saleMinDropPercent' | 'stockNotifyPerUnit' | 'maxEmailsPerDay'
>;

export interface WishlistAlerts {
  /** The checks, to call directly (a script, a test) or through the jobs. */
  notifications: WishlistNotificationService;
  delivery: AlertDelivery;
  /** Where each region's mail goes (the shop's settings, re-read at most once a minute). */
  mail: MailRouter;
  /** What the host mounts: the admin API, the console and the shoppers' unsubscribe links. */
  routers: { admin: Router; console: Router; unsubscribe: Router };
  /** Where the console and the unsubscribe links expect to be mounted. */
  paths: { admin: string; console: string; unsubscribe: string };
  /** Prometheus metrics, counted from the CronService's runs. */
  metrics: WishlistMetrics;
  /** Each job with its last runs and health (the console's badge, /healthz). */
  overview(): ReturnType<typeof jobsOverview>;
  /** Closes the SMTP connections the module opened (not the host's pool or mailer). */
  close(): Promise<void>;
}

export interface WishlistAlertsDeps {
  pool: Pool;
  logger: Logger;
  /** The host's one CronService: the two jobs are added to it. */
  cron: CronService;
  config: WishlistAlertsConfig;
  /** Signs the unsubscribe links (UNSUBSCRIBE_SECRET, or the one kept under DATA_DIR). */
  unsubscribeSecret: string;
  /** The admin bearer token (ADMIN_API_TOKEN): the admin API, the console's sign-in and /metrics. */
  adminToken: string;
  /**
   * Send every region's alerts through this mailer instead of the server the shop's
   * settings name (senders and test mode still follow the shop's settings).
   */
  mailer?: Mailer;
  clock?: Clock;
}

/**
 * The module's one entry point for a host application (our own server, or the shop's
 * monolith): hand it the host's Pool, logger and CronService; it never creates its own.
 */
export function createWishlistAlerts(deps: WishlistAlertsDeps): WishlistAlerts {
  const { pool, logger, config, cron, unsubscribeSecret, adminToken } = deps;
  const clock = deps.clock ?? systemClock;
  const since = clock.now();
  const overview = () => jobsOverview({ cron, db: pool, since, now: clock.now() });
  const metrics = createMetrics({ db: pool, jobs: [SALE_JOB, STOCK_JOB] });
  cron.onRunFinished(metrics.observeRun);
  const mailSettings = mailSettingsFrom(config, unsubscribeSecret);
  const sources = new MailSources({
    db: pool, clock, logger, smtpUrl: config.smtpUrl, shopEnv: config.shopMail, mailFrom: config.mailFrom,
    production: config.nodeEnv === 'production',
  });
  const mail = createMailRouter({
    sources, smtpPoolSize: config.smtpPoolSize, previewDir: `${config.dataDir}/outbox`, logger, mailer: deps.mailer,
  });
  const delivery = new AlertDelivery({
    pool,
    router: mail,
    render: createAlertRenderer(mailSettings),
    logger,
    clock,
    timezone: () => shopTimezone(pool, config.shopTimezone),
    settings: {
      batchSize: config.batchSize,
      maxEmailsPerDay: config.maxEmailsPerDay,
      saleMinDropPercent: config.saleMinDropPercent,
      maxAttempts: config.mailMaxAttempts,
      retryBaseMs: config.retryBaseMs,
      concurrency: config.smtpPoolSize,
      instanceId: config.instanceId,
      leaseMs: config.leaseMs,
      storefronts: mailSettings.storefronts,
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
      shopTimezone: config.shopTimezone,
    },
  });
  registerWishlistJobs({ cron, notifications, config, logger });
  const text = catalogueFor(config.shopLocale);
  return {
    notifications,
    delivery,
    mail,
    routers: {
      admin: createAdminRouter({ cron, db: pool, adminToken, clock, overview }),
      console: createConsoleRouter({ cron, db: pool, adminToken, previews: mail, clock, overview }),
      unsubscribe: createUnsubscribeRouter({
        db: pool, clock, secret: unsubscribeSecret, text, lang: new Intl.Locale(config.shopLocale).language,
        shopName: config.shopName, shopUrl: config.frontendUrl,
      }),
    },
    paths: { admin: '/api/admin/wishlist-jobs', console: CONSOLE_PATH, unsubscribe: UNSUBSCRIBE_PATH },
    metrics,
    overview,
    close: () => mail.close(),
  };
}
