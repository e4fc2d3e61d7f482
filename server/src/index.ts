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
import { openDatabase, prepareDatabase, resolveAdminToken, resolveUnsubscribeSecret } from './runtime';
import type { Region } from './domain';

/** The composition root: the only place that builds the Pool, the coordinator and the CronService. */
export async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });

  const database = await openDatabase(config, logger);
  const pool = createPool(database.url, logger);
  const closers: Array<[string, () => Promise<unknown>]> = [['database', () => database.stop()], ['pool', () => pool.end()]];
  let server: Server | undefined;
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
    const httpClosed = server ? new Promise<void>((resolve) => server!.close(() => resolve())) : Promise.resolve();
    if (!(await cron.stop(config.shutdownTimeoutMs))) {
      const reason = `abandoned: the instance shut down and the run did not finish within SHUTDOWN_TIMEOUT_MS=${config.shutdownTimeoutMs}`;
      const n = await coordinator.abandonOwnRuns(reason).catch(() => 0);
      logger.warn(`${n} job run(s) did not finish within SHUTDOWN_TIMEOUT_MS=${config.shutdownTimeoutMs}; marked abandoned, exiting`);
      server?.closeAllConnections();
    }
    await withTimeout(httpClosed, 5000);
    for (const [name, close] of closers.reverse()) {
      // A run cut off above may still hold a pool client; do not wait on it forever.
      await withTimeout(close(), 5000).catch((err) => logger.warn(`Closing the ${name} failed: ${errorMessage(err)}`));
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

    const app = createApp({ logger, ...alerts });
    server = await new Promise<Server>((resolve, reject) => {
      // Express 5 hands a listen error (EADDRINUSE) to the callback.
      const s = app.listen(config.port, (err?: Error) => (err ? reject(new Error(`Cannot listen on port ${config.port}: ${err.message}`)) : resolve(s)));
    });
    cron.start().catch((err) => logger.error(`Catching up on missed runs failed: ${errorMessage(err)}`));
    alerts.start();
    const { port } = server.address() as AddressInfo;
    printBanner(logger, { database, mail, admin, port });
  } catch (err) {
    for (const [, close] of closers.reverse()) await close().catch(() => undefined);
    throw err;
  }
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
    port: number;
  },
): void {
  const { database, admin } = info;
  const shownUrl = database.url.replace(/\/\/([^:/@]*):([^@]*)@/, database.embedded ? '//$1:$2@' : '//$1:***@');
  const lines = [
    `🚀 Wishlist alerts listening on http://localhost:${info.port}`,
    `   Database: ${database.embedded ? 'embedded PostgreSQL' : 'DATABASE_URL'}  →  psql "${shownUrl}"`,
    `   Mail (us): ${info.mail.us}`,
    `   Mail (eu): ${info.mail.eu}`,
    `   Admin console: http://localhost:${info.port}/admin/wishlist-jobs  (sign in with the admin token)`,
  ];
  if (admin.created) lines.push(`   Admin token (shown once): ${admin.value}   (kept in ${admin.file})`);
  else if (admin.file) lines.push(`   Admin token: in ${admin.file}`);
  else lines.push('   Admin token: ADMIN_API_TOKEN');
  lines.push(`   Try: curl -H "Authorization: Bearer $(cat ${admin.file ?? '<token file>'})" localhost:${info.port}/api/admin/wishlist-jobs/status`);
  if (!admin.file) lines.pop();
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
