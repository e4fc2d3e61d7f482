import { randomBytes } from 'crypto';
import { Client, Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import { silentLogger } from '../../src/logger';
import { databaseUrl } from './urls';

export interface TestDatabase {
  name: string;
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

async function admin<T>(work: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: process.env.WL_TEST_ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh, migrated database of this test file's own, cloned from the run's template. */
export async function createTestDatabase(opts: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `wl_test_${randomBytes(5).toString('hex')}`;
  const template = opts.migrated === false ? 'template1' : process.env.WL_TEST_TEMPLATE!;
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
  const url = databaseUrl(process.env.WL_TEST_ADMIN_URL!, name);
  const pool = createPool(url, silentLogger());
  return {
    name,
    url,
    pool,
    async drop() {
      await pool.end();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
