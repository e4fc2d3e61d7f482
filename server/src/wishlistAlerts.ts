import type { Pool } from 'pg';
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
import type { Mountable } from './http/app';
import { createHealthRouter } from './http/healthRouter';
import { createMetricsRouter } from './http/metricsRouter';
import { AdminAccess, shopSessionAccess } from './http/access';
import { AuthFailures } from './http/authFailures';
import { shopTimezone } from './db/timezone';
import { Watch } from './services/Watch';
import { ShopperPreferences } from './services/ShopperPreferences';

export type WishlistAlertsConfig = Pick<
  Config,
  | 'nodeEnv' | 'jobs' | 'mailFrom' | 'frontendUrl' | 'frontendUrlEu' | 'wishlistPagePath' | 'shopTimezone' | 'shopMail'
  | 'shopName' | 'shopLocale' | 'smtpUrl' | 'dataDir' | 'batchSize' | 'mailMaxAttempts' | 'stockCooldownHours'
  | 'smtpPoolSize' | 'instanceId' | 'leaseMs' | 'retryBaseMs' | 'publicUrl' | 'unsubscribeMailto'
  | 'saleMinDropPercent' | 'stockNotifyPerUnit' | 'maxEmailsPerDay' | 'adminApiToken' | 'unsubscribeSecret' | 'metricsPublic'
  | 'adminSignInUrl' | 'adminViewAuthority' | 'adminManageAuthority'
  | 'watchEnabled' | 'watchIntervalMs' | 'saleSettleSeconds' | 'stockSettleSeconds'
>;

export interface WishlistAlerts {
  /** The checks, to call directly (a script, a test) or through the jobs. */
  notifications: WishlistNotificationService;
  delivery: AlertDelivery;
  /** Where each region's mail goes (the shop's settings, re-read at most once a minute). */
  mail: MailRouter;
  /**
   * What the host mounts, each at its path: the admin API, the console, the shoppers'
   * unsubscribe links (public: the signed token is the permission), /metrics and /healthz.
   */
  routers: Mountable['routers'];
  /** Where each router expects to be mounted (the console's page and the emails' links use these). */
  paths: Mountable['paths'];
  /** Prometheus metrics, counted from the CronService's runs. */
  metrics: WishlistMetrics;
  /** Each job with its last runs and health (the console's badge, /healthz). */
  overview(): ReturnType<typeof jobsOverview>;
  /** The watch: alerts within seconds of a change (started by start()). */
  watch: Watch;
  /**
   * Asks for an immediate look at these products (after the shop's stock sync, say):
   * both checks for them, then delivery, on this instance.
   */
  productsChanged(ids: number[]): Promise<{ products: number; queued: number; emails: number }>;
  /** Starts the watch (when WISHLIST_WATCH_ENABLED); the host's CronService is started by the host. */
  start(): void;
  /** Stops the watch and closes the SMTP connections the module opened (not the host's pool). */
  close(): Promise<void>;
}

export interface WishlistAlertsDeps {
  pool: Pool;
  logger: Logger;
  /** The host's one CronService: the two jobs are added to it. */
  cron: CronService;
  config: WishlistAlertsConfig;
  /** Signs the unsubscribe links. Default: config.unsubscribeSecret (UNSUBSCRIBE_SECRET). */
  unsubscribeSecret?: string;
  /** The admin bearer token: the admin API, the console's sign-in and /metrics. Default: config.adminApiToken. */
  adminToken?: string;
  /**
   * Who may view and act, beside the admin token: the host's own sign-in. 'shop-session'
   * is the ready check for the shop's express-session sign-in (userId and authorities;
   * ADMIN_VIEW_AUTHORITY / ADMIN_MANAGE_AUTHORITY). Unset: the admin token only.
   */
  access?: AdminAccess | 'shop-session';
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
  const { pool, logger, config, cron } = deps;
  const adminToken = deps.adminToken ?? config.adminApiToken;
  const unsubscribeSecret = deps.unsubscribeSecret ?? config.unsubscribeSecret;
  if (!adminToken || !unsubscribeSecret) {
    throw new Error('createWishlistAlerts needs ADMIN_API_TOKEN and UNSUBSCRIBE_SECRET (in the config, or as adminToken and unsubscribeSecret)');
  }
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
    onAccepted: metrics.observeAccepted,
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
      saleSettleSeconds: config.saleSettleSeconds,
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
      saleSettleSeconds: config.saleSettleSeconds,
      stockSettleSeconds: config.stockSettleSeconds,
    },
  });
  registerWishlistJobs({ cron, notifications, config, logger });
  const watch = new Watch({
    pool, notifications, logger, clock, since,
    settings: {
      enabled: config.watchEnabled, intervalMs: config.watchIntervalMs, instanceId: config.instanceId,
      saleSettleSeconds: config.saleSettleSeconds, stockSettleSeconds: config.stockSettleSeconds,
    },
  });
  const productsChanged = async (ids: number[]) => {
    const scope = [...new Set(ids.filter((id) => Number.isInteger(id) && id > 0 && id <= 2_147_483_647))];
    const r = await notifications.checkProducts(async () => ({ ids: scope }));
    return { products: r.products, queued: r.queued, emails: r.delivered.emails };
  };
  const text = catalogueFor(config.shopLocale);
  const preferences = new ShopperPreferences({ db: pool, clock });
  const failures = new AuthFailures({ logger });
  const access =
    deps.access === 'shop-session'
      ? shopSessionAccess({ db: pool, view: config.adminViewAuthority, manage: config.adminManageAuthority })
      : deps.access;
  const gate = { token: adminToken, access, failures };
  return {
    notifications,
    delivery,
    mail,
    routers: {
      admin: createAdminRouter({
        cron, db: pool, gate, preferences, logger, overview, describeMail: () => mail.describe(), watch: () => watch.status(),
      }),
      console: createConsoleRouter({
        cron, db: pool, adminToken, access, failures, signInUrl: config.adminSignInUrl, secureCookies: config.nodeEnv === 'production',
        previews: mail, clock, logger, overview, watch: () => watch.status(),
      }),
      unsubscribe: createUnsubscribeRouter({
        preferences, logger, secret: unsubscribeSecret, text, lang: new Intl.Locale(config.shopLocale).language,
        shopName: config.shopName, shopUrl: config.frontendUrl,
      }),
      metrics: createMetricsRouter({ metrics, gate, public: config.metricsPublic, logger }),
      health: createHealthRouter({ pool, logger, overview, watch: () => watch.status() }),
    },
    paths: {
      admin: '/api/admin/wishlist-jobs', console: CONSOLE_PATH, unsubscribe: UNSUBSCRIBE_PATH, metrics: '/metrics', health: '/healthz',
    },
    metrics,
    overview,
    watch,
    productsChanged,
    start: () => watch.start(),
    close: async () => {
      failures.close();
      await watch.stop();
      await mail.close();
    },
  };
}
