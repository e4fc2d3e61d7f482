import { Client } from 'pg';
import { createPool } from '../../src/db/pool';
import { prepareDatabase } from '../../src/localDefaults';
import { silentLogger } from '../../src/logger';
import { openServer } from './postgresServer';
import { databaseUrl } from './urls';

/**
 * One PostgreSQL for the run (DATABASE_URL's, or an embedded one) and one migrated
 * template database; each test file clones the template (see testDatabase.ts).
 */
export default async function globalSetup(): Promise<void> {
  const server = await openServer();
  (globalThis as any).__wishlistPostgres = server;
  const template = `wl_template_${process.pid}`;
  const admin = new Client({ connectionString: server.adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${template}`);
  await admin.query(`CREATE DATABASE ${template}`);
  await admin.end();

  const logger = silentLogger();
  const pool = createPool(databaseUrl(server.adminUrl, template), logger);
  // The shop's tables as a stand-in (an empty database), then the module's migrations.
  await prepareDatabase(pool, { nodeEnv: 'test' }, logger);
  await pool.end();

  process.env.WL_TEST_ADMIN_URL = server.adminUrl;
  process.env.WL_TEST_TEMPLATE = template;
}
