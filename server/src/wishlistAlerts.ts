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
import { paceStatus } from './services/delivery/paceStatus';
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
import { createShopTriggersRouter } from './http/shopTriggersRouter';
import type { Router } from 'express';
import { createMetricsRouter } from './http/metricsRouter';
import { AdminAccess, AdminGate, shopSessionAccess } from './http/access';
import { CsrfTokens, originsOf } from './http/csrf';
import { AuthFailures } from './http/authFailures';
import { shopTimezone } from './db/timezone';
import { Watch } from './services/Watch';
import { ShopperPreferences } from './services/ShopperPreferences';
import { strongSecrets } from './config/checks';
import { Retention } from './services/Retention';
import { SuppressionList } from './services/SuppressionList';
import { createFeedbackRouter } from './http/feedbackRouter';
import type { HttpsGet } from './bounces/httpsGet';
import { DatabaseProbe } from './http/databaseDeadline';
import { AlertProof } from './services/AlertProof';

export type WishlistAlertsConfig = Pick<
  Config,
  | 'nodeEnv' | 'jobs' | 'mailFrom' | 'frontendUrl' | 'frontendUrlEu' | 'wishlistPagePath' | 'shopTimezone' | 'shopMail'
  | 'shopName' | 'shopLocale' | 'smtpUrl' | 'dataDir' | 'batchSize' | 'mailMaxAttempts' | 'stockCooldownHours'
  | 'smtpPoolSize' | 'instanceId' | 'leaseMs' | 'retryBaseMs' | 'publicUrl' | 'unsubscribeMailto'
  | 'saleMinDropPercent' | 'priceDropEnabled' | 'stockNotifyPerUnit' | 'maxEmailsPerDay' | 'adminApiToken' | 'unsubscribeSecret' | 'metricsPublic'
  | 'adminSignInUrl' | 'adminViewAuthority' | 'adminManageAuthority'
  | 'watchEnabled' | 'watchIntervalMs' | 'saleSettleSeconds' | 'stockSettleSeconds' | 'mailSwitchedOff' | 'retention'
  | 'snsTopicArns' | 'feedbackSecret' | 'proof' | 'mailRates'
>;

/** Where the provider's bounce and complaint notifications are posted: …/sns (Amazon SES through SNS), …/signed (the signed JSON form). */
export const FEEDBACK_PATH = '/wishlist-alerts/feedback';

export interface WishlistAlerts {
  /** The checks, to call directly (a script, a test) or through the jobs. */
  notifications: WishlistNotificationService;
  delivery: AlertDelivery;
  /** Where each region's mail goes (the shop's settings, re-read at most once a minute). */
  mail: MailRouter;
  /**
   * What the host mounts, each at its path: the admin API, the console, the shoppers'
   * unsubscribe links (public: the signed token is the permission), the provider's bounce
   * and complaint notifications (public: signed), /metrics and /healthz.
   */
  routers: Mountable['routers'];
  /** Where each router expects to be mounted (the console's page and the emails' links use these). */
  paths: Mountable['paths'];
  /**
   * The shop's own old trigger paths (POST /api/admin/wishlist-notifications/check-sales
   * and /check-stock, /api/admin/cron/trigger/wishlist-…), answered by the module: mount
   * at the root, ahead of the shop's routers. Everything else passes through.
   */
  shopTriggers: Router;
  /** Prometheus metrics, counted from the CronService's runs. */
  metrics: WishlistMetrics;
  /** Each job with its last runs and health (the console's badge, /healthz). */
  overview(): ReturnType<typeof jobsOverview>;
  /** The watch: alerts within seconds of a change (started by start()). */
  watch: Watch;
  /** The addresses no alert is sent to (bounces, complaints), and their admin's view. */
  suppressions: SuppressionList;
  /** Whether the alerts sell: reach, and the orders attributed to them (the console's panel, /stats, /metrics). */
  proof: AlertProof;
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
  /**
   * Signs the unsubscribe links (through a key derived for them) and the CSRF tokens.
   * Default: config.unsubscribeSecret (WISHLIST_UNSUBSCRIBE_SECRET, else UNSUBSCRIBE_SECRET).
   */
  unsubscribeSecret?: string;
  /**
   * The admin bearer token: the admin API, the console's sign-in and /metrics. Default:
   * config.adminApiToken. Optional when `access` is given: without it, only the host's
   * sign-in lets admins in.
   */
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
  /** How Amazon SNS is reached (its signing certificates, subscription confirmations); default: https with Node's fetch. */
  snsFetch?: HttpsGet;
}

/**
 * The module's one entry point for a host application (our own server, or the shop's
 * monolith): hand it the host's Pool, logger and CronService; it never creates its own.
 */
export function createWishlistAlerts(deps: WishlistAlertsDeps): WishlistAlerts {
  const { pool, logger, config, cron } = deps;
  // A host's own sign-in may stand in for the token; the secrets given are held to the config's rules.
  const { adminToken, unsubscribeSecret } = strongSecrets({
    adminToken: deps.adminToken ?? config.adminApiToken, unsubscribeSecret: deps.unsubscribeSecret ?? config.unsubscribeSecret,
  }, config.nodeEnv === 'production', { tokenRequired: !deps.access });
  const clock = deps.clock ?? systemClock;
  const since = clock.now();
  const overview = () => jobsOverview({ cron, db: pool, since, now: clock.now() });
  const proof = new AlertProof({ pool, clock, attributionDays: config.proof.attributionDays, shopTimezone: config.shopTimezone });
  const mailPace = () => paceStatus(pool, config.mailRates);
  const metrics = createMetrics({ db: pool, jobs: [SALE_JOB, STOCK_JOB], proof });
  cron.onRunFinished(metrics.observeRun);
  const mailSettings = mailSettingsFrom(config, unsubscribeSecret);
  const sources = new MailSources({
    db: pool, clock, logger, smtpUrl: config.smtpUrl, shopEnv: config.shopMail, mailFrom: config.mailFrom,
    production: config.nodeEnv === 'production',
  });
  const mail = createMailRouter({
    sources, smtpPoolSize: config.smtpPoolSize, previewDir: `${config.dataDir}/outbox`, logger, mailer: deps.mailer,
    switchedOff: config.mailSwitchedOff,
  });
  const suppressions = new SuppressionList({ db: pool, clock, logger, onAdded: metrics.observeSuppressed });
  const delivery = new AlertDelivery({
    pool,
    router: mail,
    render: createAlertRenderer(mailSettings),
    logger,
    clock,
    timezone: () => shopTimezone(pool, config.shopTimezone),
    onAccepted: metrics.observeAccepted,
    onRefused: (email, err) => suppressions.refused(email, err),
    onDelivered: metrics.observeDelivery,
    settings: {
      batchSize: config.batchSize,
      maxEmailsPerDay: config.maxEmailsPerDay,
      saleMinDropPercent: config.saleMinDropPercent,
      priceDropEnabled: config.priceDropEnabled,
      maxAttempts: config.mailMaxAttempts,
      retryBaseMs: config.retryBaseMs,
      concurrency: config.smtpPoolSize,
      instanceId: config.instanceId,
      leaseMs: config.leaseMs,
      storefronts: mailSettings.storefronts,
      saleSettleSeconds: config.saleSettleSeconds,
      mailRates: config.mailRates,
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
      priceDropEnabled: config.priceDropEnabled,
    },
  });
  const retention = new Retention({ pool, logger, clock, settings: config.retention });
  registerWishlistJobs({ cron, notifications, retention, config, logger });
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
  const probe = new DatabaseProbe(pool);
  const feedbackState = { snsTopics: config.snsTopicArns.length, signedForm: config.feedbackSecret !== undefined };
  const gate: AdminGate = {
    token: adminToken, access, failures, csrf: new CsrfTokens(unsubscribeSecret),
    trustedOrigins: originsOf([config.publicUrl, config.frontendUrl, config.frontendUrlEu]),
  };
  return {
    notifications,
    delivery,
    mail,
    routers: {
      admin: createAdminRouter({
        cron, db: pool, gate, preferences, logger, overview, describeMail: () => mail.describe(), watch: () => watch.status(),
        suppressions, feedback: feedbackState, probe, proof, mailPace,
      }),
      console: createConsoleRouter({
        cron, db: pool, gate, signInUrl: config.adminSignInUrl, secureCookies: config.nodeEnv === 'production',
        previews: mail, clock, logger, overview, watch: () => watch.status(), suppressions, feedback: feedbackState, probe, proof,
        mailPace,
      }),
      unsubscribe: createUnsubscribeRouter({
        preferences, logger, secret: unsubscribeSecret, text, lang: new Intl.Locale(config.shopLocale).language,
        shopName: config.shopName, shopUrl: config.frontendUrl,
      }),
      metrics: createMetricsRouter({ metrics, gate, public: config.metricsPublic, logger }),
      health: createHealthRouter({ pool, logger, overview, watch: () => watch.status() }),
      feedback: createFeedbackRouter({
        suppressions, topics: config.snsTopicArns, secret: config.feedbackSecret, fetch: deps.snsFetch, clock, logger,
      }),
    },
    shopTriggers: createShopTriggersRouter({ cron, gate, logger, probe }),
    paths: {
      admin: '/api/admin/wishlist-jobs', console: CONSOLE_PATH, unsubscribe: UNSUBSCRIBE_PATH, metrics: '/metrics', health: '/healthz',
      feedback: FEEDBACK_PATH,
    },
    metrics,
    overview,
    watch,
    suppressions,
    proof,
    productsChanged,
    start: () => watch.start(),
    close: async () => {
      failures.close();
      await watch.stop();
      await mail.close();
    },
  };
}
