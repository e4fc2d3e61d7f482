import type { Pool } from 'pg';
import type { NextFunction, Request, Response, Router } from 'express';
import { Config, loadConfig } from './config/config';
import { createLogger, Logger } from './logger';
import type { Clock } from './clock';
import type { Mailer } from './mail/mailer';
import type { AdminAccess } from './http/access';
import { CronService } from './jobs/CronService';
import { PgRunCoordinator } from './jobs/PgRunCoordinator';
import { migrate } from './db/migrate';
import { errorMessage } from './errorMessage';
import { withTimeout } from './withTimeout';
import { createRouter } from './http/router';
import { SHOP_TRIGGER_PATHS } from './http/shopTriggersRouter';
import { createWishlistAlerts, WishlistAlerts } from './wishlistAlerts';

export interface InstallOptions {
  /** The host's one Pool. The module never creates a Pool, and never ends this one. */
  pool: Pool;
  /**
   * Who may use the admin API and the console beside ADMIN_API_TOKEN: 'shop-session' (the
   * default: the shop's express-session sign-in, its userId and authorities), a host's own
   * check, or 'token' (the admin token only).
   */
  access?: AdminAccess | 'shop-session' | 'token';
  /** The environment to read the settings from (default: process.env). */
  env?: Record<string, string | undefined>;
  /** Settings already read (the standalone server); default: read from `env`. */
  config?: Readonly<Config>;
  /** Default: a pino logger per LOG_LEVEL and LOG_FORMAT. */
  logger?: Logger;
  /** Overrides of the configured secrets (the standalone server's generated ones). */
  adminToken?: string;
  unsubscribeSecret?: string;
  mailer?: Mailer;
  clock?: Clock;
  /** What the time limit given to stop() is called, for the record of a run it cut off (the standalone server's SHUTDOWN_TIMEOUT_MS). */
  stopLimitName?: string;
}

export interface InstalledWishlistAlerts {
  /**
   * /healthz, /metrics, the shoppers' unsubscribe links and the provider's bounce and
   * complaint notifications. Mount BEFORE the host's session middleware: a health probe, a
   * shopper's click or a provider's post must not make a session.
   */
  publicRoutes: Router;
  /**
   * The admin API, the console, and the shop's old trigger paths. Mount right AFTER the
   * host's session middleware, before the host's own routes and its catch-all 404.
   */
  adminRoutes: Router;
  /**
   * Settles once the module's tables are migrated and its jobs and watch run (until then
   * its routes answer 503). Never rejects: a failed migration is logged and retried.
   */
  ready: Promise<void>;
  /** Asks for an immediate look at these products (after a stock sync, say). */
  productsChanged: WishlistAlerts['productsChanged'];
  /**
   * Stops the jobs (waiting up to timeoutMs for a run in progress; one cut off is marked
   * abandoned), the watch and the mail connections. Never ends the host's pool. True when
   * everything stopped in time.
   */
  stop(timeoutMs?: number): Promise<boolean>;
  /** The lower-level pieces (the checks, delivery, metrics), once built. */
  alerts: WishlistAlerts;
  config: Readonly<Config>;
}

const MIGRATE_RETRY_MS = 30_000;
const DEFAULT_STOP_MS = 8_000;
/** How long the catch-up, the abandon record and closing the watch and mail may take each. */
const CLOSE_MS = 5_000;

/**
 * Installs the module into a host (the shop's server) in one call, at the host's top
 * level: no await needed. The routers can be mounted at once; they answer 503 until the
 * module's tables are migrated, then the scheduled checks and the watch start. The module
 * brings its own scheduler (its jobs never touch the host's), logger and mail
 * connections; the Pool is the host's.
 */
export function installWishlistAlerts(opts: InstallOptions): InstalledWishlistAlerts {
  const { pool } = opts;
  const config = opts.config ?? loadConfig(opts.env ?? process.env, { inHost: true });
  const logger = opts.logger ?? createLogger({ level: config.logLevel, format: config.logFormat });
  const coordinator = new PgRunCoordinator(pool, config.instanceId, config.leaseMs);
  const cron = new CronService({ logger, coordinator, missedRunPolicy: config.missedRunPolicy });
  const access = opts.access === 'token' ? undefined : opts.access ?? 'shop-session';
  const alerts = createWishlistAlerts({
    pool, logger, cron, config, access, adminToken: opts.adminToken, unsubscribeSecret: opts.unsubscribeSecret,
    mailer: opts.mailer, clock: opts.clock,
  });

  let state: { phase: 'migrating' | 'running' | 'stopped'; problem: string | null } = { phase: 'migrating', problem: null };
  let stopping = false;
  let catchingUp: Promise<unknown> = Promise.resolve();
  let retry: { timer: NodeJS.Timeout; wake: () => void } | null = null;
  const ready = (async () => {
    for (;;) {
      try {
        await migrate(pool, logger);
        break;
      } catch (err) {
        state.problem = `its tables could not be migrated (${errorMessage(err)}); retrying every ${MIGRATE_RETRY_MS / 1000} s`;
        logger.error(`❌ Wishlist alerts: ${state.problem}`);
        await new Promise<void>((wake) => (retry = { timer: setTimeout(wake, MIGRATE_RETRY_MS), wake }));
        retry = null;
        if (stopping) return;
      }
    }
    if (stopping) return;
    state = { phase: 'running', problem: null };
    catchingUp = cron
      .start()
      .then(() => logger.info(`⏪ Missed runs looked at (WISHLIST_MISSED_RUN_POLICY=${config.missedRunPolicy})`))
      .catch((err) => logger.error(`Catching up on missed runs failed: ${errorMessage(err)}`));
    alerts.start();
    const unconfigured = await alerts.mail.unconfigured().catch(() => []);
    if (unconfigured.length > 0) {
      logger.error(`❌ Wishlist alerts: no mail server for ${unconfigured.join(', ')}; those alerts wait (see /api/admin/wishlist-jobs/status)`);
    }
  })();

  const whenRunning = (req: Request, res: Response, next: NextFunction) => {
    if (state.phase === 'running') return next();
    const why = state.phase === 'stopped' ? 'stopped' : state.problem ?? 'starting (migrating its tables)';
    res.status(503).set('Retry-After', '5').json({ success: false, error: `Wishlist alerts are ${why}` });
  };
  const { routers, paths } = alerts;
  const publicRoutes = createRouter();
  for (const name of ['health', 'metrics', 'unsubscribe', 'feedback'] as const) publicRoutes.use(paths[name], whenRunning, routers[name]);
  const adminRoutes = createRouter();
  for (const name of ['admin', 'console'] as const) adminRoutes.use(paths[name], whenRunning, routers[name]);
  adminRoutes.use(whenRunningOnShopTriggers(whenRunning), alerts.shopTriggers);

  return {
    publicRoutes,
    adminRoutes,
    ready,
    productsChanged: alerts.productsChanged,
    alerts,
    config,
    async stop(timeoutMs = DEFAULT_STOP_MS) {
      stopping = true;
      if (retry) {
        clearTimeout(retry.timer);
        retry.wake();
      }
      await withTimeout(ready, timeoutMs);
      state = { phase: 'stopped', problem: null };
      const limit = opts.stopLimitName ? `${opts.stopLimitName}=${timeoutMs}` : `${timeoutMs} ms`;
      alerts.delivery.stopSending();
      let idle = await cron.stop(timeoutMs, limit);
      // A catch-up still asking whether it missed a run: its query ends before the host's pool does.
      if (idle) await withTimeout(catchingUp, CLOSE_MS);
      if (!idle) {
        const reason = `abandoned: the instance shut down and the run did not finish within ${limit}`;
        const n = (await withTimeout(coordinator.abandonOwnRuns(reason).catch(() => 0), CLOSE_MS)) ?? 0;
        logger.warn(`${n} wishlist job run(s) did not finish within ${limit}; marked abandoned`);
      }
      // The watch waits for a look in progress, which a stalled or locked database can hold:
      // past the bound the module is left as it is, and the host is told it did not stop cleanly.
      const closed = await withTimeout(alerts.close().then(() => true).catch((err) => {
        logger.warn(`Closing wishlist alerts failed: ${errorMessage(err)}`);
        return false;
      }), CLOSE_MS);
      return idle && closed === true;
    },
  };
}

/** The 503 gate for the shop's old trigger paths only: every other request of the shop passes untouched. */
function whenRunningOnShopTriggers(whenRunning: (req: Request, res: Response, next: NextFunction) => void) {
  return (req: Request, res: Response, next: NextFunction) =>
    req.method === 'POST' && SHOP_TRIGGER_SET.has(req.path) ? whenRunning(req, res, next) : next();
}

const SHOP_TRIGGER_SET = new Set(SHOP_TRIGGER_PATHS.map((p) => p.path));
