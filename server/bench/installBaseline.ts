/**
 * npm run bench:install [-- --products 100000 --wishlists 1000000]
 *
 * Installing on a shop that already has its catalogue and its shoppers' wishlists: how long
 * migrate() takes, and its baseline (013_install_baseline.sql) within it; then how long the
 * first look takes, which turns the baseline into observations, beside a second look.
 * Runs on DATABASE_URL's server when it is set (it says which version), else an embedded one.
 */
import { withTransaction } from '../src/db/pool';
import { listMigrations, migrate } from '../src/db/migrate';
import { ensureShopStandIn } from '../src/db/standin/shopStandIn';
import { observeProducts } from '../src/db/observations';
import { onBenchDatabase, runBench } from './benchDatabase';
import { generateShop, numberArg } from './shopData';

const PRODUCTS = numberArg('products', 100_000);
const WISHLISTS = numberArg('wishlists', 1_000_000);
const n = (v: number) => v.toLocaleString('en-US');

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

async function main(): Promise<void> {
  await onBenchDatabase('install', async ({ pool, logger }) => {
    const { rows } = await pool.query<{ version: string }>(`SELECT current_setting('server_version') AS version`);
    await ensureShopStandIn(pool, logger);
    await generateShop(pool, {
      users: Math.ceil(WISHLISTS / 5), products: PRODUCTS, wishlists: WISHLISTS,
      inEu: (id) => `${id} % 4 = 0`, outOfStock: (id) => `${id} % 5 = 0`,
    });
    // A shop that sells: one product in ten on sale, and a share of the rows rewritten since loading.
    await pool.query(`UPDATE products SET is_on_sale = true, sale_price = regular_price * 0.8 WHERE id % 10 = 0`);
    await pool.query(`UPDATE products SET stock = stock - 1 WHERE id % 10 = 3`);
    await pool.query('VACUUM ANALYZE');

    const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const before = listMigrations().filter((m) => m.id < 13);
    const earlier = await timed(() => migrate(pool, logger, before));
    const baseline = await timed(() => migrate(pool, logger));
    const copied = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM wishlist_alert_baseline')).rows[0].n;
    // Changes after install, before the first look: a sale and a restock on 1,000 products each.
    await pool.query(`UPDATE products SET is_on_sale = true, sale_price = regular_price * 0.7 WHERE id % 100 = 1`);
    await pool.query(`UPDATE products SET stock = 5 WHERE id % 100 = 5`);
    const first = await timed(() => withTransaction(pool, (c) => observeProducts(c, new Date(), tz, null)));
    const second = await timed(() => withTransaction(pool, (c) => observeProducts(c, new Date(), tz, null)));
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    process.stdout.write(
      `PostgreSQL ${rows[0].version}, ${n(PRODUCTS)} products, ${n(WISHLISTS)} wishlists\n` +
        `migrations 001-010: ${ms(earlier.ms)}\n` +
        `013 baseline (${n(copied)} products copied): ${ms(baseline.ms)}\n` +
        `first look (takes the baseline over; ${n(first.value.added)} first observed, ${n(first.value.changed)} changed): ${ms(first.ms)}\n` +
        `second look (${n(second.value.changed)} changed): ${ms(second.ms)}\n`,
    );
  });
}

runBench(main);
