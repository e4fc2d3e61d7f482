import 'dotenv/config';
import type { Pool } from 'pg';
import { Config, ConfigError, loadConfig } from '../config/config';
import { createLogger, Logger } from '../logger';
import { createPool, describeDatabaseError } from '../db/pool';
import { migrate } from '../db/migrate';
import { openDatabase, openMailer } from '../runtime';
import type { Mailer } from '../mail/mailer';
import { errorMessage } from '../errorMessage';

export interface ScriptContext {
  config: Readonly<Config>;
  logger: Logger;
  pool: Pool;
  mailer: Mailer;
  databaseUrl: string;
}

/**
 * A script's composition root: the same config and embedded default as the server,
 * migrations applied, everything closed afterwards; a clear message and exit code 1 on
 * failure.
 */
export function runScript(name: string, body: (ctx: ScriptContext) => Promise<void>, opts: { migrate?: boolean } = {}): void {
  (async () => {
    const config = loadConfig();
    const logger = createLogger({ level: config.logLevel, format: config.logFormat });
    const database = await openDatabase(config, logger);
    const pool = createPool(database.url, logger);
    const mailer = openMailer(config, logger);
    try {
      if (opts.migrate !== false) await migrate(pool, logger);
      await body({ config, logger, pool, mailer, databaseUrl: database.url });
    } catch (err) {
      throw new Error(describeDatabaseError(err, database.url));
    } finally {
      await mailer.close();
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
