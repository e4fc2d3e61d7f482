/**
 * npm run bench:price-drops [-- --wishlists 1000000 --cut 0.1]
 *
 * What price drops add to the hourly sale check, at the bench's scale: the shop (one
 * product per ten wishlist rows), observed once, then the price-drop statement with no
 * price changed (every hourly check until the shop changes a price), after the shop cuts
 * the regular price of `--cut` of its products by 10 % with one UPDATE (observation, then
 * the statement that queues the drops), once more with nothing new, and for comparison the
 * sale statement after a sale on as many other products. --explain: the
 * statement's plan after the cut (EXPLAIN ANALYZE, in a transaction rolled back first).
 */
import type { Pool, PoolClient } from 'pg';
import { Db, withTransaction } from '../src/db/pool';
import { prepareDatabase } from '../src/localDefaults';
import { observeProducts } from '../src/db/observations';
import { queuePriceDropAlerts } from '../src/db/outbox/queuePriceDrops';
import { queueSaleAlerts } from '../src/db/outbox/queueSales';
import { roomForCandidates } from '../src/db/outbox/queueCommon';
import { onBenchDatabase, runBench } from './benchDatabase';
import { generateShop, numberArg } from './shopData';

const W = numberArg('wishlists', 1_000_000);
const CUT = numberArg('cut', 0.1);
const EXPLAIN = process.argv.includes('--explain');
const n = (v: number) => v.toLocaleString('en-US');
const ms = (t: number) => `${t.toFixed(0)} ms`;

async function main(): Promise<void> {
  await onBenchDatabase('drops', async ({ pool, logger }) => {
    await prepareDatabase(pool, { nodeEnv: 'test' }, logger);
    const products = Math.max(10, Math.ceil(W / 10));
    await generateShop(pool, { users: Math.max(10, Math.ceil(W / 5)), products, wishlists: W, inEu: () => 'false', outOfStock: () => 'false' });
    const timezone = 'UTC';
    const check = (label: string, queue = queuePriceDropAlerts) =>
      withTransaction(pool, async (client) => {
        const now = new Date();
        await roomForCandidates(client);
        let t = performance.now();
        const observed = await observeProducts(client, now, timezone, null);
        const observeMs = performance.now() - t;
        t = performance.now();
        const queued = await queue(client, now, { minDropPercent: 0, timezone, scope: null, settleSeconds: 0 });
        const queueMs = performance.now() - t;
        const what = queue === queuePriceDropAlerts ? 'price-drop' : 'sale';
        console.log(`${label.padEnd(44)} observe ${ms(observeMs).padStart(8)} (${n(observed.changed)} changed)   ${what} statement ${ms(queueMs).padStart(8)}: ${n(queued.checked)} checked, ${n(queued.queued)} queued`);
      });
    // First look, then statistics, as bench.ts does: a first look planned on statistics
    // that say wishlist_alert_products is empty rescans it for every product.
    await check('first look (installing)');
    await pool.query('VACUUM ANALYZE');
    await check('no price changed');
    const { rowCount } = await pool.query(
      `UPDATE products SET regular_price = (regular_price::float8 * 0.9)::real WHERE abs(hashint4(id)) % 1000 < $1`,
      [Math.round(CUT * 1000)],
    );
    console.log(`(the shop cut the regular price of ${n(rowCount ?? 0)} of ${n(products)} products by 10 %; ${n(W)} wishlist rows)`);
    if (EXPLAIN) await explained(pool, timezone);
    await check('after the cut');
    await check('after the cut, again (nothing new)');
    // For comparison, on the same data: a sale on the same share of other products.
    await pool.query(
      `UPDATE products SET is_on_sale = true, sale_price = (regular_price::float8 * 0.9)::real WHERE abs(hashint4(-id)) % 1000 < $1`,
      [Math.round(CUT * 1000)],
    );
    await check('a sale on as many other products', queueSaleAlerts);
  });
}

/** Observes, then prints the plan of the price-drop statement as it runs, and rolls both back. */
async function explained(pool: Pool, timezone: string): Promise<void> {
  const client: PoolClient = await pool.connect();
  try {
    await client.query('BEGIN');
    await roomForCandidates(client);
    const now = new Date();
    await observeProducts(client, now, timezone, null);
    const explaining: Db = {
      query: (async (text: string, values: unknown[]) => {
        const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values);
        console.log(rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n'));
        return { rows: [{ checked: 0, queued: 0 }] };
      }) as unknown as Db['query'],
    };
    await queuePriceDropAlerts(explaining, now, { minDropPercent: 0, timezone, scope: null, settleSeconds: 0 });
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

runBench(main);
