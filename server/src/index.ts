import 'dotenv/config';
import type { Server } from 'http';
import type { AddressInfo } from 'net';
import { ConfigError, loadConfig } from './config/config';
import { createLogger, Logger } from './logger';
import { createPool, describeDatabaseError } from './db/pool';
import { CronService } from './jobs/CronService';
import { PgRunCoordinator } from './jobs/PgRunCoordinator';
import { createApp } from './http/app';
import { createWishlistAlerts } from './wishlistAlerts';
import { errorMessage } from './errorMessage';
import { maskSecrets } from './maskSecrets';
import { openDatabase, prepareDatabase, resolveAdminToken, resolveUnsubscribeSecret } from './localDefaults';
import type { Region } from './domain';

/** The composition root: the only place that builds the Pool, the coordinator and the CronService. */
export async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });

  const database = await openDatabase(config, logger);
  const pool = createPool(database.url, logger, { statementTimeoutMs: config.databaseStatementTimeoutMs });
  const closers: Array<[string, () => Promise<unknown>]> = [['database', () => database.stop()], ['pool', () => pool.end()]];
  let server: Server | undefined;
  let catchingUp: Promise<unknown> = Promise.resolve();
  const coordinator = new PgRunCoordinator(pool, config.instanceId, config.leaseMs);
  const cron = new CronService({ logger, coordinator, missedRunPolicy: config.missedRunPolicy });

  const shutdown = async (signal: string) => {
    logger.info(`🛑 ${signal} received: shutting down`);
    const force = setTimeout(() => {
      logger.error('Shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 15_000);
    force.unref();
    // Stop accepting requests; requests in flight (a manual trigger, say) end with their run.
    const httpClosed = server ? new Promise<true>((resolve) => server!.close(() => resolve(true))) : Promise.resolve(true as const);
    let idle = await cron.stop(config.shutdownTimeoutMs);
    if (!idle) {
      const reason = `abandoned: the instance shut down and the run did not finish within SHUTDOWN_TIMEOUT_MS=${config.shutdownTimeoutMs}`;
      const n = await coordinator.abandonOwnRuns(reason).catch(() => 0);
      logger.warn(`${n} job run(s) did not finish within SHUTDOWN_TIMEOUT_MS=${config.shutdownTimeoutMs}; marked abandoned, exiting`);
      // A manual trigger waiting for the run has been answered 503 (abandoned); its
      // connection closes once that answer is out, below.
    }
    if (!(await withTimeout(httpClosed, 5000))) {
      server?.closeAllConnections();
      idle = false;
    }
    if (idle) await withTimeout(catchingUp, 5000); // a catch-up still asking whether it missed a run
    for (const [name, close] of closers.reverse()) {
      // A run cut off above, a request still answering, or a look of the watch that did not
      // stop in time goes on querying: ending the pool under it would only turn each of its
      // queries into an error. Exiting closes the connections instead, and PostgreSQL rolls
      // back whatever they had open.
      if (name === 'pool' && !idle) continue;
      const closed = await withTimeout(close().then(() => true), 5000).catch((err) => {
        logger.warn(`Closing the ${name} failed: ${errorMessage(err)}`);
        return true;
      });
      if (!closed) idle = false;
    }
    logger.info('👋 Stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  try {
    await prepareDatabase(pool, config, logger).catch((err) => {
      throw new Error(describeDatabaseError(err, database.url));
    });
    const admin = resolveAdminToken(config);
    const alerts = createWishlistAlerts({
      pool, logger, cron, config, adminToken: admin.value, unsubscribeSecret: resolveUnsubscribeSecret(config).value,
    });
    closers.push(['mailer', () => alerts.close()]);
    const mail = await alerts.mail.describe();
    const unconfigured = await alerts.mail.unconfigured();
    if (unconfigured.length > 0) throw new Error(noMailServer(unconfigured));

    const app = createApp({ logger, ...alerts });
    server = await new Promise<Server>((resolve, reject) => {
      // Express 5 hands a listen error (EADDRINUSE) to the callback.
      const s = app.listen(config.port, config.host, (err?: Error) =>
        err ? reject(new Error(`Cannot listen on ${config.host} port ${config.port}: ${err.message}`)) : resolve(s));
    });
    catchingUp = cron
      .start()
      .then(() => logger.info(`⏪ Missed runs looked at (WISHLIST_MISSED_RUN_POLICY=${config.missedRunPolicy})`))
      .catch((err) => logger.error(`Catching up on missed runs failed: ${errorMessage(err)}`));
    alerts.start();
    printBanner(logger, { database, mail, admin, address: server.address() as AddressInfo });
  } catch (err) {
    for (const [, close] of closers.reverse()) await close().catch(() => undefined);
    throw err;
  }
}

/** Production never writes mail to the preview folder: a store without a server would keep every alert waiting. */
function noMailServer(regions: Region[]): string {
  const stores = regions.map((r) => r.toUpperCase()).join(' and ');
  return `no mail server for the ${stores} store${regions.length > 1 ? 's' : ''} (NODE_ENV=production never uses the preview folder): ` +
    "set SMTP_URL, or the store's smtp_host with smtp_enabled=true in the shop's region_settings, or the shop's SMTP_HOST or EMAIL_SMTP_HOST";
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function printBanner(
  logger: Logger,
  info: {
    database: { url: string; embedded: boolean };
    mail: Record<Region, string>;
    admin: ReturnType<typeof resolveAdminToken>;
    address: AddressInfo;
  },
): void {
  const { database, admin, address } = info;
  const { port } = address;
  const listening = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${port}`;
  const everywhere = address.address === '0.0.0.0' || address.address === '::';
  const here = everywhere ? `http://localhost:${port}` : listening;
  // The embedded server's password is a fixed local one, and its psql line is meant to be pasted.
  const shownUrl = database.embedded ? database.url : maskSecrets(database.url);
  const lines = [
    `🚀 Wishlist alerts listening on ${listening}${everywhere ? ` (every interface; ${here} on this machine)` : ''}`,
    `   Database: ${database.embedded ? 'embedded PostgreSQL' : 'DATABASE_URL'}  →  psql "${shownUrl}"`,
    `   Mail (us): ${info.mail.us}`,
    `   Mail (eu): ${info.mail.eu}`,
    `   Admin console: ${here}/admin/wishlist-jobs  (sign in with the admin token)`,
  ];
  if (admin.created) lines.push(`   Admin token (shown once): ${admin.value}   (kept in ${admin.file})`);
  else if (admin.file) lines.push(`   Admin token: in ${admin.file}`);
  else lines.push('   Admin token: ADMIN_API_TOKEN');
  if (admin.file) lines.push(`   Try: curl -H "Authorization: Bearer $(cat ${admin.file})" ${here}/api/admin/wishlist-jobs/status`);
  logger.info(lines.join('\n'));
}

if (require.main === module) {
  main().catch((err) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
    } else {
      process.stderr.write(`❌ Failed to start: ${errorMessage(err)}\n`);
    }
    process.exit(1);
  });
}
