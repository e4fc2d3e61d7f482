import 'dotenv/config';
import type { Server } from 'http';
import type { AddressInfo } from 'net';
import { ConfigError, loadConfig } from './config/config';
import { createLogger, Logger } from './logger';
import { createPool, describeDatabaseError } from './db/pool';
import { createApp } from './http/app';
import { installWishlistAlerts, InstalledWishlistAlerts } from './install';
import { errorMessage } from './errorMessage';
import { withTimeout } from './withTimeout';
import { maskUrl } from './maskSecrets';
import { openDatabase, prepareDatabase, resolveAdminToken, resolveUnsubscribeSecret } from './localDefaults';
import type { Region } from './domain';

/**
 * The standalone server's composition root: the config, the one Pool (on the embedded
 * PostgreSQL or DATABASE_URL), the HTTP server; the module itself is installed as the shop
 * installs it (install.ts builds its scheduler, mail and logger-scoped services).
 */
export async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });

  const database = await openDatabase(config, logger);
  const pool = createPool(database.url, logger, { statementTimeoutMs: config.databaseStatementTimeoutMs });
  const closers: Array<[string, () => Promise<unknown>]> = [['database', () => database.stop()], ['pool', () => pool.end()]];
  let server: Server | undefined;
  let installed: InstalledWishlistAlerts | undefined;

  const shutdown = async (signal: string) => {
    logger.info(`🛑 ${signal} received: shutting down`);
    const force = setTimeout(() => {
      logger.error('Shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 15_000);
    force.unref();
    // Stop accepting requests; requests in flight (a manual trigger, say) end with their run.
    const httpClosed = server ? new Promise<true>((resolve) => server!.close(() => resolve(true))) : Promise.resolve(true as const);
    // The jobs (a run cut off is marked abandoned, and a manual trigger waiting for it is
    // answered 503), the watch, the mail connections.
    let idle = installed ? await installed.stop(config.shutdownTimeoutMs) : true;
    if (!(await withTimeout(httpClosed, 5000))) {
      server?.closeAllConnections();
      idle = false;
    }
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
    // The same installation as the shop's, with the admin token as the only way in.
    installed = installWishlistAlerts({
      pool, config, logger, access: 'token', adminToken: admin.value, unsubscribeSecret: resolveUnsubscribeSecret(config).value,
      stopLimitName: 'SHUTDOWN_TIMEOUT_MS',
    });
    const { alerts } = installed;
    const mail = await alerts.mail.describe();
    const unconfigured = await alerts.mail.unconfigured();
    if (unconfigured.length > 0) throw new Error(noMailServer(unconfigured));

    const app = createApp({ logger, ...alerts });
    server = await new Promise<Server>((resolve, reject) => {
      // A listen error (EADDRINUSE) is the server's 'error' event, under Express 4 and 5 alike.
      const s = app.listen(config.port, config.host);
      s.once('listening', () => resolve(s));
      s.once('error', (err) => reject(new Error(`Cannot listen on ${config.host} port ${config.port}: ${err.message}`)));
    });
    await installed.ready;
    printBanner(logger, { database, mail, admin, address: server.address() as AddressInfo });
  } catch (err) {
    await installed?.stop(0).catch(() => undefined);
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
  const shownUrl = database.embedded ? database.url : maskUrl(database.url);
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
