import { randomBytes } from 'crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import path from 'path';
import type { Config } from './config/config';
import type { Logger } from './logger';
import { ensureDatabase, startEmbeddedPostgres } from './db/embedded';
import { createPreviewMailer, createSmtpMailer, Mailer } from './mail/mailer';

export interface OpenedDatabase {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

const EMBEDDED_DATABASE = 'wishlist_alerts';

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

/** SMTP with a pool when SMTP_URL is set; otherwise .eml files in DATA_DIR/outbox. */
export function openMailer(config: Pick<Config, 'smtpUrl' | 'dataDir' | 'smtpPoolSize'>, logger: Logger): Mailer {
  if (config.smtpUrl) return createSmtpMailer(config.smtpUrl, { poolSize: config.smtpPoolSize });
  return createPreviewMailer(path.join(config.dataDir, 'outbox'), logger);
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
