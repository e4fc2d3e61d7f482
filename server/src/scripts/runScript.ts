import 'dotenv/config';
import type { Pool } from 'pg';
import { Config, ConfigError, loadConfig } from '../config/config';
import { createLogger, Logger } from '../logger';
import { createPool, describeDatabaseError } from '../db/pool';
import { openDatabase, prepareDatabase, resolveAdminToken, resolveUnsubscribeSecret } from '../localDefaults';
import { CronService } from '../jobs/CronService';
import { createWishlistAlerts, WishlistAlerts } from '../wishlistAlerts';
import { errorMessage } from '../errorMessage';
import { maskUrl } from '../maskSecrets';

export interface ScriptContext {
  config: Readonly<Config>;
  logger: Logger;
  pool: Pool;
  /** The module as the server builds it (its jobs registered, never started), with `overrides` of the config. */
  alerts(overrides?: Partial<Config>): WishlistAlerts;
  /** For display: the embedded server's URL as it is (its psql line is meant to be pasted), DATABASE_URL's with passwords masked. */
  databaseUrl: string;
}

/**
 * A script's composition root: the same config and embedded default as the server, the
 * database made ready (stand-in of the shop's tables where absent, migrations), everything
 * closed afterwards; a clear message and exit code 1 on failure.
 */
export function runScript(name: string, body: (ctx: ScriptContext) => Promise<void>, opts: { migrate?: boolean } = {}): void {
  (async () => {
    const config = loadConfig();
    const logger = createLogger({ level: config.logLevel, format: config.logFormat });
    const database = await openDatabase(config, logger);
    const pool = createPool(database.url, logger, { statementTimeoutMs: config.databaseStatementTimeoutMs });
    let alerts: WishlistAlerts | undefined;
    const open = (overrides: Partial<Config> = {}) =>
      (alerts ??= createWishlistAlerts({
        pool, logger, config: { ...config, ...overrides }, cron: new CronService({ logger }),
        adminToken: resolveAdminToken(config).value, unsubscribeSecret: resolveUnsubscribeSecret(config).value,
      }));
    try {
      if (opts.migrate !== false) await prepareDatabase(pool, config, logger);
      const shownUrl = database.embedded ? database.url : maskUrl(database.url);
      await body({ config, logger, pool, alerts: open, databaseUrl: shownUrl });
    } catch (err) {
      throw new Error(describeDatabaseError(err, database.url));
    } finally {
      await alerts?.close();
      await pool.end();
      await database.stop();
    }
  })().then(
    () => process.exit(0),
    (err) => {
      const detail = err instanceof ConfigError ? err.message : errorMessage(err);
      console.error(`❌ ${name} failed: ${detail}`);
      if (process.env.LOG_LEVEL === 'debug' && err?.stack) console.error(err.stack);
      process.exit(1);
    },
  );
}

