/**
 * What the standalone server and the scripts set up for themselves where nothing is
 * configured: the embedded PostgreSQL, the stand-in of the shop's tables, generated
 * secrets kept under DATA_DIR. A host (the shop) brings its own and uses none of this.
 */
import { randomBytes } from 'crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import path from 'path';
import type { Pool } from 'pg';
import type { Config } from './config/config';
import type { Logger } from './logger';
import { ensureDatabase, startEmbeddedPostgres } from './db/embedded';
import { ensureShopStandIn } from './db/standin/shopStandIn';
import { migrate } from './db/migrate';

export interface OpenedDatabase {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

// Not the name earlier versions used: their databases had another layout.
const EMBEDDED_DATABASE = 'simfab';

/** DATABASE_URL when set; otherwise the embedded PostgreSQL kept under DATA_DIR. */
export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>, logger: Logger): Promise<OpenedDatabase> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false, stop: async () => undefined };
  const server = await startEmbeddedPostgres(path.join(config.dataDir, 'postgres'), logger);
  try {
    await ensureDatabase(server.adminUrl, EMBEDDED_DATABASE);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return { url: server.urlFor(EMBEDDED_DATABASE), embedded: true, stop: () => server.stop() };
}

/**
 * Makes the database ready: on a database without the shop's tables (the embedded default,
 * a new scratch database) a stand-in of them first, outside production; then the module's
 * migrations. In production a database without the shop's tables is a wrong DATABASE_URL.
 */
export async function prepareDatabase(pool: Pool, config: Pick<Config, 'nodeEnv'>, logger: Logger): Promise<string[]> {
  if (config.nodeEnv === 'production') {
    const { rows } = await pool.query(`SELECT to_regclass('public.products') IS NOT NULL AS found`);
    if (!rows[0].found) throw new Error("the shop's tables (products, wishlists, users) are not in this database: is DATABASE_URL the shop's database?");
  } else {
    await ensureShopStandIn(pool, logger);
  }
  return migrate(pool, logger);
}

export interface KeptSecret {
  value: string;
  /** The file it is kept in, when generated. */
  file?: string;
  /** True on the boot that generated it. */
  created: boolean;
}

/** The configured value, or a random one made at first boot and kept in DATA_DIR/<name>. */
function keptSecret(configured: string | undefined, dataDir: string, name: string): KeptSecret {
  if (configured) return { value: configured, created: false };
  const file = path.resolve(dataDir, name);
  if (existsSync(file)) return { value: readFileSync(file, 'utf8').trim(), file, created: false };
  mkdirSync(path.dirname(file), { recursive: true });
  const value = randomBytes(32).toString('base64url');
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return { value, file, created: true };
}

/** ADMIN_API_TOKEN, or the one kept in DATA_DIR/admin-token. */
export function resolveAdminToken(config: Pick<Config, 'adminApiToken' | 'dataDir'>): KeptSecret {
  return keptSecret(config.adminApiToken, config.dataDir, 'admin-token');
}

/** UNSUBSCRIBE_SECRET, or the one kept in DATA_DIR/unsubscribe-secret (production requires the variable). */
export function resolveUnsubscribeSecret(config: Pick<Config, 'unsubscribeSecret' | 'dataDir'>): KeptSecret {
  return keptSecret(config.unsubscribeSecret, config.dataDir, 'unsubscribe-secret');
}
