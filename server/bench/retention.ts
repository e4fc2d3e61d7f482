/**
 * npm run bench:retention [-- --items 2000000]
 *
 * A first cleanup of a year of history: `--items` decided alerts (and their messages, one
 * per 1.25 alerts) queued 200 to 400 days ago, of which one in 20 is the alert still current
 * for its product (a restock that lasts, so retention keeps it), and a month of recent
 * history. Runs the retention job once with the defaults and reports how long it took and
 * how long each delete statement held its locks (the longest, and the 99th percentile).
 */
import type { QueryResult } from 'pg';
import { prepareDatabase } from '../src/localDefaults';
import { systemClock } from '../src/clock';
import { Retention } from '../src/services/Retention';
import { onBenchDatabase, runBench } from './benchDatabase';
import { generateShop, numberArg } from './shopData';

const ITEMS = numberArg('items', 2_000_000);
/** One old alert in this many is still current (kept). */
const KEEP_EVERY = 20;
const n = (v: number) => v.toLocaleString('en-US');

async function main(): Promise<void> {
  await onBenchDatabase('retention', async ({ pool, logger }) => {
    await prepareDatabase(pool, { nodeEnv: 'test' }, logger);
    const wishlists = Math.max(1000, Math.ceil(ITEMS / KEEP_EVERY));
    await generateShop(pool, { users: Math.ceil(wishlists / 5), products: Math.ceil(wishlists / 10), wishlists, inEu: () => 'false', outOfStock: () => 'false' });
    // Every product back in stock at epoch 1: an old stock alert at occurrence '1' of a live wishlist row is current.
    await pool.query(`INSERT INTO wishlist_alert_products (product_id, sale_live, sale_epoch, sale_began_at, stock_live, stock_epoch, stock_back_at)
                      SELECT id, false, 0, '-infinity', true, 1, '-infinity' FROM products`);
    const recent = Math.round(ITEMS / 12);
    process.stderr.write(`history: ${n(ITEMS)} old alerts, ${n(recent)} recent\n`);
    await pool.query(
      `INSERT INTO wishlist_alert_messages (id, user_id, kind, region, status, attempts, created_at, updated_at, sent_at)
       SELECT g, g % 1000 + 1, 'stock', 'us', 'sent', 1, c, c, c
         FROM generate_series(1, ($1::int + $2::int) * 4 / 5) g,
              LATERAL (SELECT CASE WHEN g <= $1::int * 4 / 5 THEN now() - interval '400 days' + g * (interval '200 days' / ($1::int * 4 / 5))
                                   ELSE now() - interval '20 days' END AS c) t`,
      [ITEMS, recent],
    );
    await pool.query(`SELECT setval('wishlist_alert_messages_id_seq', (SELECT max(id) FROM wishlist_alert_messages))`);
    // The kept ones: an old stock alert of a live wishlist row at the product's current epoch.
    await pool.query(
      `INSERT INTO wishlist_alert_items (message_id, wishlist_id, user_id, product_id, kind, occurrence, status, created_at, updated_at)
       SELECT m.id, coalesce(w.id, 100000000 + g), coalesce(w.user_id, 1), coalesce(w.product_id, 1), 'stock',
              CASE WHEN w.id IS NOT NULL THEN '1' ELSE 'old' END, 'sent', m.created_at, m.created_at
         FROM generate_series(1, $1::int + $3::int) g
         JOIN wishlist_alert_messages m ON m.id = (g - 1) * 4 / 5 + 1
         LEFT JOIN wishlists w ON g % $2::int = 0 AND w.id = g / $2::int
        ORDER BY g`, // ids in the order of queueing, as the checks write them
      [ITEMS, KEEP_EVERY, recent],
    );
    await pool.query('VACUUM ANALYZE wishlist_alert_items');
    await pool.query('VACUUM ANALYZE wishlist_alert_messages');

    const statements: number[] = [];
    const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<QueryResult>;
    (pool as unknown as { query: unknown }).query = async (...args: unknown[]) => {
      const started = performance.now();
      try {
        return await query(...args);
      } finally {
        if (typeof args[0] === 'string' && args[0].includes('doomed')) statements.push(performance.now() - started);
      }
    };
    const started = performance.now();
    const result = await new Retention({ pool, logger, clock: systemClock, settings: { runsDays: 90, messagesDays: 180, itemsDays: 180 } }).apply();
    const total = performance.now() - started;
    statements.sort((a, b) => a - b);
    const p = (q: number) => statements[Math.min(statements.length - 1, Math.floor(q * statements.length))].toFixed(0);
    const left = (await pool.query(`SELECT (SELECT count(*) FROM wishlist_alert_items)::int AS items, (SELECT count(*) FROM wishlist_alert_messages)::int AS messages`)).rows[0];
    process.stdout.write(
      `removed ${n(result.items)} alerts and ${n(result.messages)} messages in ${(total / 1000).toFixed(1)} s, ` +
        `${statements.length} delete statements: median ${p(0.5)} ms, p99 ${p(0.99)} ms, longest ${statements[statements.length - 1].toFixed(0)} ms; ` +
        `left ${n(left.items)} alerts and ${n(left.messages)} messages\n`,
    );
  });
}

runBench(main);
