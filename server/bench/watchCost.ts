/**
 * npm run bench:watch [-- --sizes 10000,100000,1000000 --young 0.3 --looks 200]
 *
 * The watch's look at several catalogue sizes, on DATABASE_URL's server (or an embedded
 * PostgreSQL), each size in a database of its own: the products loaded, observed once,
 * VACUUM ANALYZE, then --young of them rewritten as orders would (young, unfrozen rows).
 * Then, on the same data in the same run:
 * - the floor: one count(*) of the products (a pass over the table, no parallel workers);
 * - the look as it was before issue 21 (every product's row version and sale dates);
 * - a look that reads the rows (as after a write), as one statement set, rolled back;
 * - the idle look, as the watch makes it (lease, counters, clock rules, outbox probe):
 *   wall time, and the CPU of the look's database backend (from /proc: the database must
 *   run on this machine), per look and per minute at the default interval (5 s).
 */
import { Client } from 'pg';
import type { Pool } from 'pg';
import { loadConfig } from '../src/config/config';
import { createPool, withTransaction } from '../src/db/pool';
import { prepareDatabase } from '../src/localDefaults';
import { observeProducts } from '../src/db/observations';
import { shopTimezone } from '../src/db/timezone';
import { changedProducts } from '../src/db/watch';
import { CronService } from '../src/jobs/CronService';
import { silentLogger } from '../src/logger';
import { createWishlistAlerts } from '../src/wishlistAlerts';
import { openServer } from '../test/support/postgresServer';
import { databaseUrl } from '../test/support/urls';
import { backendCpuMs } from './backendCpu';
import { generateShop, numberArg, rewriteShare, serverVersion } from './shopData';

const sizesArg = process.argv.indexOf('--sizes');
const SIZES = (sizesArg >= 0 ? process.argv[sizesArg + 1] : '10000,100000,1000000').split(',').map(Number);
const YOUNG = numberArg('young', 0.3);
const LOOKS = numberArg('looks', 200);
const INTERVAL_S = 5;
const LOOK_APP = 'wl-watch-bench-look';

const n = (v: number) => v.toLocaleString('en-US');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f1 = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));

async function timedMedian(times: number, work: () => Promise<unknown>): Promise<number> {
  const all: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    await work();
    all.push(performance.now() - t);
  }
  return median(all);
}

// The look's statement before issue 21, kept here to be measured beside the current one.
// $1 now, $2 the shop's time zone, $3 sale settle seconds, $4 stock settle seconds.
const PREVIOUS_LOOK = `
WITH last AS (SELECT looked_at, snapshot FROM wishlist_alert_watch),
cur AS (SELECT pg_current_snapshot() AS snapshot, pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS xmax),
limits AS (
  SELECT cur.xmax, cur.snapshot AS now_snapshot, last.snapshot, last.looked_at,
         age((pg_snapshot_xmin(last.snapshot)::text::bigint % 4294967296)::text::xid) AS oldest_age
    FROM cur CROSS JOIN last
)
SELECT (SELECT now_snapshot::text FROM limits) AS snapshot, ARRAY(
  SELECT p.id FROM products p CROSS JOIN limits l
   WHERE l.snapshot IS NULL
      OR (age(p.xmin) <= l.oldest_age AND p.xmin::text::bigint >= 3
          AND NOT pg_visible_in_snapshot(
                (l.xmax - ((l.xmax % 4294967296) - p.xmin::text::bigint + 4294967296) % 4294967296)::text::xid8, l.snapshot))
      OR (wishlist_alert_zoned(p.sale_start_date, $2::text) > l.looked_at AND wishlist_alert_zoned(p.sale_start_date, $2::text) <= $1::timestamptz)
      OR (wishlist_alert_zoned(p.sale_end_date, $2::text) > l.looked_at AND wishlist_alert_zoned(p.sale_end_date, $2::text) <= $1::timestamptz)
  UNION
  SELECT o.product_id FROM wishlist_alert_products o CROSS JOIN limits l
   WHERE (o.sale_observed_at + make_interval(secs => $3::float8) > l.looked_at
          AND o.sale_observed_at + make_interval(secs => $3::float8) <= $1::timestamptz)
      OR (o.stock_observed_at + make_interval(secs => $4::float8) > l.looked_at
          AND o.stock_observed_at + make_interval(secs => $4::float8) <= $1::timestamptz)
)::int[] AS ids`;

interface SizeResult {
  products: number;
  young: number;
  floorMs: number;
  previousMs: number;
  readMs: number;
  idleMs: number;
  idleCpuMs: number | null;
}

async function measure(adminUrl: string, admin: Client, products: number): Promise<SizeResult> {
  const name = `wl_watch_${products}_${Date.now().toString(36)}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = databaseUrl(adminUrl, name);
  const logger = silentLogger();
  const setup = createPool(url, logger, { statementTimeoutMs: 3_600_000 });
  const lookUrl = new URL(url);
  lookUrl.searchParams.set('application_name', LOOK_APP);
  // One connection: the look's backend, whose CPU is read from /proc.
  const pool: Pool = createPool(lookUrl.toString(), logger, { max: 1 });
  const config = loadConfig({
    NODE_ENV: 'test', SMTP_URL: 'smtp://127.0.0.1:9', INSTANCE_ID: 'watch-bench',
    ADMIN_API_TOKEN: 'watch-bench-admin-token-0123456789', UNSUBSCRIBE_SECRET: 'watch-bench-unsubscribe-secret-0123456789',
    PUBLIC_URL: 'https://alerts.simfab.example', FRONTEND_URL: 'https://simfab.example',
    WISHLIST_SALE_CHECK_ENABLED: 'false', WISHLIST_STOCK_CHECK_ENABLED: 'false',
  });
  const alerts = createWishlistAlerts({ pool, logger, cron: new CronService({ logger }), config });
  try {
    await prepareDatabase(setup, config, logger);
    const timezone = await shopTimezone(setup, config.shopTimezone);
    const share = (id: string, k: number) => `abs(hashint4(${id} + ${k})) % 1000 < 250`;
    await generateShop(setup, { users: Math.max(10, products / 10), products, wishlists: products, inEu: (id) => share(id, products), outOfStock: (id) => share(`-${id}`, 0) });
    await withTransaction(setup, (c) => observeProducts(c, new Date(), timezone, null));
    await setup.query('VACUUM ANALYZE');
    const young = await rewriteShare(setup, products, YOUNG);

    // The watch's first looks (the first takes every product), until one keeps the snapshot:
    // the rewrite's counters are published and read.
    const snapshot = async () => (await setup.query('SELECT snapshot::text AS s FROM wishlist_alert_watch')).rows[0].s as string | null;
    for (let before = await snapshot(), i = 0; i < 30; i++) {
      await alerts.watch.lookOnce();
      const after = await snapshot();
      if (after !== null && after === before) break;
      before = after;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const settings = { timezone, saleSettleSeconds: config.saleSettleSeconds, stockSettleSeconds: config.stockSettleSeconds };
    // One pass over the products, as the look makes it (no parallel workers).
    const floorMs = await timedMedian(5, () => withTransaction(setup, async (c) => {
      await c.query('SET LOCAL max_parallel_workers_per_gather = 0');
      await c.query('SELECT count(*) FROM products');
    }));
    const previousMs = await timedMedian(5, () => withTransaction(setup, (c) => c.query(PREVIOUS_LOOK, [new Date(), timezone, settings.saleSettleSeconds, settings.stockSettleSeconds])));
    const readMs = await timedMedian(5, () => withTransaction(setup, async (c) => {
      await changedProducts(c, new Date(), { ...settings, writes: null });
      throw Object.assign(new Error('roll back'), { rollBack: true });
    }).catch((err) => { if (!err.rollBack) throw err; }));

    const pids = async () => (await setup.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2`, [name, LOOK_APP])).rows.map((r) => r.pid);
    await alerts.watch.lookOnce(); // the look's connection, opened again if it was idle
    const cpuBefore = backendCpuMs(await pids());
    const idleMs = await timedMedian(LOOKS, async () => {
      const found = await alerts.watch.lookOnce();
      if (found?.products) throw new Error(`an idle look found ${found.products} products`);
    });
    const cpuAfter = backendCpuMs(await pids());
    const idleCpuMs = cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / LOOKS;
    return { products, young, floorMs, previousMs, readMs, idleMs, idleCpuMs };
  } finally {
    await alerts.close();
    await pool.end();
    await setup.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

async function main(): Promise<void> {
  const server = await openServer({ stopOnSignal: true });
  const admin = new Client({ connectionString: server.adminUrl });
  admin.on('error', () => undefined);
  await admin.connect();
  const results: SizeResult[] = [];
  let version = '';
  try {
    version = await serverVersion(admin);
    process.stderr.write(`on ${version}\n`);
    for (const size of SIZES) results.push(await measure(server.adminUrl, admin, size));
  } finally {
    await admin.end();
    await server.stop();
  }
  const perMinute = 60 / INTERVAL_S;
  const share = (ms: number) => `${((ms * perMinute) / 600).toFixed(2)}%`; // ms per look × looks per minute / 60,000 ms × 100
  const lines = [
    `the watch's look on ${version}, young rows ${Math.round(YOUNG * 100)}%, a look every ${INTERVAL_S} s (${perMinute}/min); medians`,
    '| products | young rows | floor: count(*), one pass | look before issue 21 | look reading the rows | idle look (wall) | idle look (backend CPU) | idle: % of one core (CPU × 12/min) |',
    '|---|---|---|---|---|---|---|---|',
    ...results.map((r) =>
      `| ${n(r.products)} | ${n(r.young)} | ${f1(r.floorMs)} ms | ${f1(r.previousMs)} ms | ${f1(r.readMs)} ms | ${f1(r.idleMs)} ms | ` +
      `${r.idleCpuMs === null ? 'n/a' : `${f1(r.idleCpuMs)} ms`} | ${r.idleCpuMs === null ? `${share(r.idleMs)} (wall)` : share(r.idleCpuMs)} |`),
  ];
  process.stdout.write(`\n${lines.join('\n')}\n`);
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`\nwatch bench failed: ${err?.stack ?? err}\n`);
  process.exit(1);
});

