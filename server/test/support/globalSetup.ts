import { Client } from 'pg';
import { chmodSync, mkdtempSync } from 'fs';
import os from 'os';
import path from 'path';
import { startEmbeddedPostgres } from '../../src/db/embedded';
import { createPool } from '../../src/db/pool';
import { migrate } from '../../src/db/migrate';
import { silentLogger } from '../../src/logger';
import { databaseUrl } from './urls';

/**
 * One PostgreSQL for the run (DATABASE_URL, or an embedded one in a temp dir) and one
 * migrated template database; each test file clones the template (see testDatabase.ts).
 */
export default async function globalSetup(): Promise<void> {
  const logger = silentLogger();
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wishlist-alerts-test-'));
    chmodSync(dir, 0o755); // run as root, PostgreSQL runs as the 'postgres' user and must reach it
    const server = await startEmbeddedPostgres(path.join(dir, 'postgres'), logger);
    (globalThis as any).__wishlistEmbedded = server;
    adminUrl = server.adminUrl;
  }
  const template = `wl_template_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${template}`);
  await admin.query(`CREATE DATABASE ${template}`);
  await admin.end();

  const pool = createPool(databaseUrl(adminUrl, template), logger);
  await migrate(pool, logger);
  await pool.end();

  process.env.WL_TEST_ADMIN_URL = adminUrl;
  process.env.WL_TEST_TEMPLATE = template;
}
