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

export interface AdminToken {
  token: string;
  /** The file it is kept in, when generated. */
  file?: string;
  /** True on the boot that generated it. */
  created: boolean;
}

/** ADMIN_API_TOKEN, or a random one made at first boot and kept in DATA_DIR/admin-token. */
export function resolveAdminToken(config: Pick<Config, 'adminApiToken' | 'dataDir'>): AdminToken {
  if (config.adminApiToken) return { token: config.adminApiToken, created: false };
  const file = path.resolve(config.dataDir, 'admin-token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), file, created: false };
  mkdirSync(path.dirname(file), { recursive: true });
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, file, created: true };
}
