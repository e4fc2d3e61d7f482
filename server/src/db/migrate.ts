import { readdirSync, readFileSync } from 'fs';
import path from 'path';
import type { Pool } from 'pg';
import type { Logger } from '../logger';
import { withTransaction } from './pool';
import { errorMessage } from '../errorMessage';

const MIGRATIONS_DIR = path.join(__dirname, 'migrations');
// Any constant works; it only has to be the same in every process that migrates this database.
const MIGRATION_LOCK_KEY = 727_001;

/** A migration that failed, named, with the database's reason; the error is kept as `cause`. */
export class MigrationError extends Error {
  constructor(readonly migration: string, readonly cause: unknown) {
    super(`Migration ${migration} failed: ${errorMessage(cause)}`);
    this.name = 'MigrationError';
  }
}

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort()
    .map((file) => ({ id: Number(file.split('_')[0]), name: file, sql: readFileSync(path.join(dir, file), 'utf8') }));
}

/**
 * Applies every migration not yet recorded, each in its own transaction under a
 * transaction-scoped advisory lock, so two processes booting at once apply each
 * migration exactly once (the second waits, then sees it recorded).
 */
export async function migrate(pool: Pool, logger: Logger, migrations = listMigrations()): Promise<string[]> {
  const applied: string[] = [];
  for (const m of migrations) {
    const done = await withTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      await client.query(`CREATE TABLE IF NOT EXISTS wishlist_alert_migrations (
        id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const seen = await client.query('SELECT 1 FROM wishlist_alert_migrations WHERE id = $1', [m.id]);
      if (seen.rowCount) return false;
      await client.query('INSERT INTO wishlist_alert_migrations (id, name) VALUES ($1, $2)', [m.id, m.name]);
      await client.query(m.sql);
      return true;
    }).catch((err) => {
      throw new MigrationError(m.name, err);
    });
    if (done) {
      applied.push(m.name);
      logger.info(`🗃️  Migration applied: ${m.name}`);
    }
  }
  return applied;
}
