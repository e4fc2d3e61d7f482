import { hostname } from 'os';
import { parseShopMailEnv, ShopMailEnv } from '../mail/shopMailEnv';
import { envReader, maskValue } from './envReader';
import { formatAddress, validRecipient, validSender } from '../mail/address';

export { maskValue };
import { adminTokenProblem, isHttps, isLocalAddress, unsubscribeSecretProblem } from './checks';
import { readRetention, RetentionSettings } from './retention';
import { FeedbackSettings, readFeedbackSettings } from './feedback';
import { ProofSettings, readProofSettings } from './proof';
import { MailRates, readMailRates } from './mailPace';

export type JobName = 'wishlist-sale-check' | 'wishlist-stock-check' | 'wishlist-retention';

export interface JobSettings {
  schedule: string;
  enabled: boolean;
  timezone: string;
}

/** FeedbackSettings: who may report bounces and complaints (./feedback.ts). */
export interface Config extends FeedbackSettings {
  nodeEnv: 'development' | 'test' | 'production';
  port: number;
  /** The address the server listens on (0.0.0.0: every IPv4 interface). */
  host: string;
  /** Absent: the server starts an embedded PostgreSQL under dataDir. */
  databaseUrl?: string;
  /** The server cancels a statement of ours running longer than this; the client gives up a little later. */
  databaseStatementTimeoutMs: number;
  /** Absent: mail is written as .eml files to `${dataDir}/outbox`. */
  smtpUrl?: string;
  dataDir: string;
  adminApiToken?: string;
  mailFrom: string;
  /** The US storefront: product links are FRONTEND_URL/product/<slug>. */
  frontendUrl: string;
  /** The EU storefront (FRONTEND_URL_EU; FRONTEND_URL when unset). */
  frontendUrlEu: string;
  /** The shop's wishlist page under each storefront ("manage your alerts"). */
  wishlistPagePath: string;
  /** The zone the shop's sale dates are written in; unset: the database's TimeZone. */
  shopTimezone?: string;
  /** The shop's own mail variables (SMTP_HOST, EMAIL_TEST_MODE, …), as its mail service reads them. */
  shopMail: ShopMailEnv;
  shopName: string;
  shopLocale: string;
  logLevel: string;
  logFormat: 'pretty' | 'json';
  shutdownTimeoutMs: number;
  jobs: Record<JobName, JobSettings>;
  stockCooldownHours: number;
  mailMaxAttempts: number;
  smtpPoolSize: number;
  batchSize: number;
  /** Names this process in the run history and on claimed outbox messages. */
  instanceId: string;
  /** How long a run or a claimed message stays ours without a heartbeat. */
  leaseMs: number;
  missedRunPolicy: 'once' | 'skip';
  /** First retry delay of a failed message; it doubles with each attempt (jittered, at most 6 hours). */
  retryBaseMs: number;
  /** Where shoppers reach this server: the base of the unsubscribe links in emails. */
  publicUrl: string;
  /**
   * Signs unsubscribe links (through a key derived from it: see unsubscribe/tokens.ts):
   * WISHLIST_UNSUBSCRIBE_SECRET, else the shop's UNSUBSCRIBE_SECRET. Absent: the
   * standalone server makes one at first boot and keeps it in DATA_DIR.
   */
  unsubscribeSecret?: string;
  /** Which variable gave it (for messages). */
  unsubscribeSecretVariable?: 'WISHLIST_UNSUBSCRIBE_SECRET' | 'UNSUBSCRIBE_SECRET';
  /** Offered as a second List-Unsubscribe target (mailto:). */
  unsubscribeMailto?: string;
  /** A sale smaller than this (percent off) is not announced, nor a deeper cut or a price drop smaller than this. */
  saleMinDropPercent: number;
  /** Lower regular prices are announced as price drops (with the sale check and the watch). */
  priceDropEnabled: boolean;
  /** Shoppers told per unit restocked, per check (0: no limit). */
  stockNotifyPerUnit: number;
  /** Alert emails per shopper per 24 hours; the rest wait for a digest (0: no limit). */
  maxEmailsPerDay: number;
  /** /metrics without the admin token (for a Prometheus on a private network). */
  metricsPublic: boolean;
  /** The watch: looks for changed products every watchIntervalMs (one instance at a time). */
  watchEnabled: boolean;
  watchIntervalMs: number;
  /** A sale, or a restock, is announced once it has been observed live this long. */
  saleSettleSeconds: number;
  stockSettleSeconds: number;
  /**
   * The shop's sign-in page, offered by the console to a visitor without a sign-in (with
   * the shop's sessions): ADMIN_SIGNIN_URL, else the storefront's FRONTEND_URL/login.
   */
  adminSignInUrl: string;
  /**
   * Alerts go out only while both are on: the shop's EMAIL_ENABLED (exactly 'false' stops
   * all of the shop's mail, as the shop reads it) and the module's own WISHLIST_MAIL_ENABLED.
   * While either is off, alerts are queued and wait, with the reason.
   */
  mailSwitchedOff: string | null;
  /** The session authorities that let a shop admin view, and act (the shop's sessions). */
  adminViewAuthority: string;
  adminManageAuthority: string;
  /** What the daily retention job keeps (WISHLIST_RETAIN_*_DAYS). */
  retention: RetentionSettings;
  /** The campaign tags on the alerts' links, and the attribution window of orders (./proof.ts). */
  proof: ProofSettings;
  /** Each store's mail pace limit, for all instances together (./mailPace.ts). */
  mailRates: MailRates;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export interface LoadOptions {
  /**
   * Inside a host (the shop's server, through installWishlistAlerts): the host's own
   * sign-in lets its admins in, so production does not require ADMIN_API_TOKEN (without
   * it, there is no token access); HOST is the host's, not read.
   */
  inHost?: boolean;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];


/**
 * Parses and validates the environment once. Throws a ConfigError naming every bad
 * variable, so a misconfigured server never boots half-way.
 */
export function loadConfig(env: Env = process.env, opts: LoadOptions = {}): Readonly<Config> {
  const problems: string[] = [];
  const reader = envReader(env, problems);
  const { bad, raw, str, bool, num, url, timezone, schedule, oneOf } = reader;

  const nodeEnv = oneOf('NODE_ENV', ['development', 'test', 'production'] as const, 'development');
  const production = nodeEnv === 'production';
  const jobsTimezone = timezone('WISHLIST_JOBS_TIMEZONE', 'America/New_York');
  const allowSubMinute = bool('WISHLIST_ALLOW_SUBMINUTE_SCHEDULES', false);

  const shopLocale = str('SHOP_LOCALE', 'en-US');
  try {
    if (Intl.NumberFormat.supportedLocalesOf([shopLocale]).length === 0) bad('SHOP_LOCALE', shopLocale, 'unsupported locale');
  } catch {
    bad('SHOP_LOCALE', shopLocale, 'not a valid locale tag (e.g. en-US, de-DE)');
  }
  const shopTimezone = raw('SHOP_TIMEZONE') === undefined ? undefined : timezone('SHOP_TIMEZONE', '');
  const wishlistPagePath = str('WISHLIST_PAGE_PATH', '/wishlist');
  if (!/^\/[^\s?#]*$/.test(wishlistPagePath)) bad('WISHLIST_PAGE_PATH', wishlistPagePath, 'expected a path starting with / (e.g. /wishlist)');
  const shopMail = parseShopMailEnv(env);
  problems.push(...shopMail.problems);
  const frontendUrl = (url('FRONTEND_URL', ['http:', 'https:'], 'http://localhost:5173') as string).replace(/\/+$/, '');
  const frontendUrlEu = raw('FRONTEND_URL_EU') === undefined ? frontendUrl : (url('FRONTEND_URL_EU', ['http:', 'https:']) as string).replace(/\/+$/, '');

  const adminApiToken = raw('ADMIN_API_TOKEN');
  if (adminApiToken !== undefined) {
    // The variable as given: whitespace at either end would be part of what the sender must send.
    const problem = adminTokenProblem(env.ADMIN_API_TOKEN as string, production);
    if (problem) bad('ADMIN_API_TOKEN', adminApiToken, problem);
  }
  if (production && adminApiToken === undefined && !opts.inHost) {
    problems.push('ADMIN_API_TOKEN is required when NODE_ENV=production');
  }

  // The module's own name first; the shop's UNSUBSCRIBE_SECRET (which also signs its
  // newsletter links) only through a key derived for the module's links alone.
  const unsubscribeSecretVariable = raw('WISHLIST_UNSUBSCRIBE_SECRET') !== undefined ? 'WISHLIST_UNSUBSCRIBE_SECRET'
    : raw('UNSUBSCRIBE_SECRET') !== undefined ? 'UNSUBSCRIBE_SECRET' : undefined;
  const unsubscribeSecret = unsubscribeSecretVariable && raw(unsubscribeSecretVariable);
  const secretProblem = unsubscribeSecret === undefined ? null : unsubscribeSecretProblem(unsubscribeSecret, production);
  if (unsubscribeSecretVariable && secretProblem) bad(unsubscribeSecretVariable, unsubscribeSecret as string, secretProblem);
  if (production && unsubscribeSecret === undefined) {
    // A secret generated per machine would break the links of every email sent by another instance.
    problems.push('WISHLIST_UNSUBSCRIBE_SECRET (or the shop\'s UNSUBSCRIBE_SECRET) is required when NODE_ENV=production (the same on every instance)');
  }
  const port = num('PORT', 3000, { integer: true, min: 0, max: 65535 });
  const publicUrl = (url('PUBLIC_URL', ['http:', 'https:'], `http://localhost:${port || 3000}`) as string).replace(/\/+$/, '');
  if (production && raw('PUBLIC_URL') === undefined) {
    problems.push('PUBLIC_URL is required when NODE_ENV=production (the https address shoppers reach for unsubscribe links)');
  } else if (production && !isHttps(publicUrl)) {
    bad('PUBLIC_URL', publicUrl, 'must be https in production: mailbox providers ignore one-click unsubscribe over http');
  }
  if (production) {
    // Links in emails that point at the server's own machine reach no shopper.
    if (raw('FRONTEND_URL') === undefined) {
      problems.push(`FRONTEND_URL is required when NODE_ENV=production (the storefront shoppers reach; the default ${frontendUrl} is this machine)`);
    }
    for (const name of ['FRONTEND_URL', 'FRONTEND_URL_EU', 'PUBLIC_URL']) {
      const value = raw(name);
      if (value !== undefined && isLocalAddress(value)) bad(name, value, 'is this machine: production needs the address shoppers reach');
    }
  }
  const host = opts.inHost ? '' : str('HOST', '0.0.0.0');
  if (!opts.inHost && !/^[A-Za-z0-9.:%-]+$/.test(host)) bad('HOST', host, 'expected an IP address or host name to listen on (e.g. 0.0.0.0, 127.0.0.1, ::)');
  const mailFrom = str('MAIL_FROM', shopSender(shopMail));
  if (validSender(mailFrom) === null) {
    bad('MAIL_FROM', mailFrom, 'expected one sender address, with or without a display name (e.g. Shop Alerts <alerts@shop.example>), and no line breaks');
  }
  const unsubscribeMailto = raw('MAIL_UNSUBSCRIBE_MAILTO');
  if (unsubscribeMailto !== undefined && validRecipient(unsubscribeMailto) === null) {
    bad('MAIL_UNSUBSCRIBE_MAILTO', unsubscribeMailto, 'expected an email address (e.g. unsubscribe@shop.example)');
  }

  const adminSignInUrl = str('ADMIN_SIGNIN_URL', `${frontendUrl}/login`);
  if (raw('ADMIN_SIGNIN_URL') !== undefined && !/^\/(?!\/)/.test(adminSignInUrl) && !/^https?:\/\//i.test(adminSignInUrl)) {
    bad('ADMIN_SIGNIN_URL', adminSignInUrl, 'expected an http(s) URL or a path starting with / (e.g. https://simfab.com/login)');
  }

  const config: Config = {
    nodeEnv,
    port,
    host,
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    databaseStatementTimeoutMs: num('DATABASE_STATEMENT_TIMEOUT_MS', 60000, { integer: true, min: 1000, max: 86_400_000 }),
    smtpUrl: url('SMTP_URL', ['smtp:', 'smtps:']),
    dataDir: str('DATA_DIR', '.data'),
    adminApiToken,
    mailFrom,
    frontendUrl,
    frontendUrlEu,
    wishlistPagePath: wishlistPagePath.replace(/\/+$/, '') || '/',
    shopTimezone,
    shopMail,
    shopName: str('SHOP_NAME', 'SimFab'),
    shopLocale,
    logLevel: oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    logFormat: oneOf('LOG_FORMAT', ['pretty', 'json'] as const, production ? 'json' : 'pretty'),
    shutdownTimeoutMs: num('SHUTDOWN_TIMEOUT_MS', 30000, { integer: true, min: 0, max: 3_600_000 }),
    jobs: {
      'wishlist-sale-check': {
        schedule: schedule('WISHLIST_SALE_CHECK_SCHEDULE', '0 * * * *', { allowSubMinute }),
        enabled: bool('WISHLIST_SALE_CHECK_ENABLED', true),
        timezone: jobsTimezone,
      },
      'wishlist-stock-check': {
        schedule: schedule('WISHLIST_STOCK_CHECK_SCHEDULE', '*/30 * * * *', { allowSubMinute }),
        enabled: bool('WISHLIST_STOCK_CHECK_ENABLED', true),
        timezone: jobsTimezone,
      },
      'wishlist-retention': {
        schedule: schedule('WISHLIST_RETENTION_SCHEDULE', '15 3 * * *', { allowSubMinute }),
        enabled: bool('WISHLIST_RETENTION_ENABLED', true),
        timezone: jobsTimezone,
      },
    },
    stockCooldownHours: num('WISHLIST_STOCK_COOLDOWN_HOURS', 24, { min: 0, max: 8760 }),
    mailMaxAttempts: num('WISHLIST_MAIL_MAX_ATTEMPTS', 8, { integer: true, min: 1, max: 100 }),
    smtpPoolSize: num('WISHLIST_SMTP_POOL_SIZE', 5, { integer: true, min: 1, max: 100 }),
    batchSize: num('WISHLIST_BATCH_SIZE', 200, { integer: true, min: 1, max: 10000 }),
    instanceId: str('INSTANCE_ID', `${hostname()}-${process.pid}`),
    leaseMs: num('WISHLIST_LEASE_SECONDS', 60, { min: 1, max: 86400 }) * 1000,
    retryBaseMs: num('WISHLIST_RETRY_BASE_SECONDS', 60, { min: 0.1, max: 86400 }) * 1000,
    missedRunPolicy: oneOf('WISHLIST_MISSED_RUN_POLICY', ['once', 'skip'] as const, 'once'),
    publicUrl,
    unsubscribeSecret,
    unsubscribeSecretVariable,
    unsubscribeMailto,
    saleMinDropPercent: num('WISHLIST_SALE_MIN_DROP_PERCENT', 0, { min: 0, max: 99 }),
    priceDropEnabled: bool('WISHLIST_PRICE_DROP_ENABLED', true),
    stockNotifyPerUnit: num('WISHLIST_STOCK_NOTIFY_PER_UNIT', 0, { integer: true, min: 0, max: 10_000 }),
    maxEmailsPerDay: num('WISHLIST_MAX_EMAILS_PER_DAY', 3, { integer: true, min: 0, max: 1000 }),
    metricsPublic: bool('METRICS_PUBLIC', false),
    watchEnabled: bool('WISHLIST_WATCH_ENABLED', true),
    watchIntervalMs: num('WISHLIST_WATCH_INTERVAL_SECONDS', 5, { min: 0.1, max: 3600 }) * 1000,
    saleSettleSeconds: num('WISHLIST_SALE_SETTLE_SECONDS', 120, { min: 0, max: 86400 }),
    stockSettleSeconds: num('WISHLIST_STOCK_SETTLE_SECONDS', 0, { min: 0, max: 86400 }),
    adminSignInUrl,
    mailSwitchedOff: mailSwitchedOff(shopMail.enabled, bool('WISHLIST_MAIL_ENABLED', true)),
    adminViewAuthority: str('ADMIN_VIEW_AUTHORITY', 'emails:view'),
    adminManageAuthority: str('ADMIN_MANAGE_AUTHORITY', 'emails:manage'),
    retention: readRetention(reader),
    proof: readProofSettings(reader),
    mailRates: readMailRates(reader, production),
    ...readFeedbackSettings(reader),
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/** The sender the shop's own mail uses when nothing else names one: EMAIL_FROM_NAME / EMAIL_FROM_EMAIL, then its defaults. */
function shopSender(shopMail: ShopMailEnv): string {
  return formatAddress(shopMail.fromName ?? 'SimFab', shopMail.fromEmail ?? 'noreply@simfab.com');
}

function mailSwitchedOff(shopEnabled: boolean, moduleEnabled: boolean): string | null {
  if (!shopEnabled) return "EMAIL_ENABLED=false: the shop's mail is switched off; alerts wait until it is true or unset";
  if (!moduleEnabled) return 'WISHLIST_MAIL_ENABLED=false: wishlist alerts are switched off; they wait until it is true or unset';
  return null;
}
