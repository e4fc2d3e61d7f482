import { readFileSync } from 'fs';
import path from 'path';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from '../../logger';
import { withTransaction } from '../pool';

// Read at run time from beside this file (server/copy-assets.mjs copies it into dist).
const SHOP_SCHEMA_FILE = path.join(__dirname, 'shop-schema.sql');
// Any constant works, as long as every process that boots on this database uses it.
// It differs from the migrations' key so the two locks never wait on each other by accident.
const STAND_IN_LOCK_KEY = 727_000;

/** The shop's tables come as a whole: if `products` is there, the shop's schema is. */
async function shopTablesPresent(pool: Pool): Promise<boolean> {
  const { rows } = await pool.query<{ present: boolean }>(`SELECT to_regclass('public.products') IS NOT NULL AS present`);
  return rows[0].present;
}

/**
 * The same question inside the locked transaction. Not to_regclass: it answers from the
 * backend's catalog caches, and in two processes racing on an empty database (8 runs of 8)
 * the one that had waited on the lock still got NULL from it after the other had committed
 * the tables, then failed with "relation users already exists". A plain query of pg_class
 * reads the catalog with a fresh snapshot per statement and sees the commit.
 */
async function shopTablesCommitted(client: PoolClient): Promise<boolean> {
  const { rows } = await client.query<{ present: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'public' AND c.relname = 'products') AS present`,
  );
  return rows[0].present;
}

/**
 * On an empty database (the embedded default, the demo, the tests, the bench), creates a
 * stand-in of the shop's tables so the module has something to run against. On the shop's
 * real database the tables exist and this does nothing: the shop owns them.
 * Returns true when it created them.
 */
export async function ensureShopStandIn(pool: Pool, logger: Logger): Promise<boolean> {
  // Cheap check first, so a normal boot on the shop's database takes no lock at all.
  if (await shopTablesPresent(pool)) return false;
  const created = await withTransaction(pool, async (client) => {
    // Two processes booting at once: the second waits here, then sees the first's tables.
    await client.query('SELECT pg_advisory_xact_lock($1)', [STAND_IN_LOCK_KEY]);
    if (await shopTablesCommitted(client)) return false;
    await client.query(readFileSync(SHOP_SCHEMA_FILE, 'utf8'));
    return true;
  });
  if (created) logger.info("🏪 Created a stand-in of the shop's tables (empty database): users, products, wishlists, orders, email templates and settings");
  return created;
}
