/**
 * npm run bench:stats [-- --wishlists 1000000 --alerts 400000 --orders 200000 --runs 15 --explain --keep]
 *
 * The proof panel's cost at the shop's scale: the shop (users, products, wishlists as the
 * main bench builds them), half a year of accepted alerts (what retention keeps), and a year
 * of orders (two lines each on average, a fifth of them guest checkouts, refunds, failures
 * and unpaid ones among them), of which a share follows an alert within a few days. Then
 * it times AlertProof.stats(), which the console's panel, GET /stats and /metrics call:
 * one warm-up, then --runs runs; it prints the fastest, the median and the slowest.
 */
import { readFileSync } from 'fs';
import os from 'os';
import { Client } from 'pg';
import { createPool } from '../src/db/pool';
import { prepareDatabase } from '../src/localDefaults';
import { silentLogger } from '../src/logger';
import { systemClock } from '../src/clock';
import { AlertProof } from '../src/services/AlertProof';
import { openServer } from '../test/support/postgresServer';
import { databaseUrl } from '../test/support/urls';
import { generateShop, inChunks, numberArg } from './shopData';

const W = numberArg('wishlists', 1_000_000);
const ALERTS = numberArg('alerts', 400_000);
const ORDERS = numberArg('orders', 200_000);
const RUNS = numberArg('runs', 15);
/** One order in this many is bought after an alert (by the alerted shopper, of the alerted product). */
const AFTER_ALERT_EVERY = 4;
const EXPLAIN = process.argv.includes('--explain');
/** Leaves the database in place (and says its name), to look at the plans afterwards. */
const KEEP = process.argv.includes('--keep');
const n = (v: number) => v.toLocaleString('en-US');

/** A local server process's CPU time (user + system) from /proc, in ms; null when it cannot be read (a remote server). */
function backendCpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ (100) ticks
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const server = await openServer({ stopOnSignal: true });
  const name = `wl_bench_stats_${process.pid}`;
  const admin = new Client({ connectionString: server.adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  server.onInterrupt(() => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined));
  const logger = silentLogger();
  const pool = createPool(databaseUrl(server.adminUrl, name), logger, { statementTimeoutMs: 3_600_000 });
  try {
    const version = (await pool.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0].v;
    await prepareDatabase(pool, { nodeEnv: 'test' }, logger);
    const P = Math.max(10, Math.round(W / 10));
    const U = Math.max(10, Math.round(W / 5));
    const inEu = (id: string) => `abs(hashint4(${id} + ${P})) % 1000 < 300`;
    await generateShop(pool, { users: U, products: P, wishlists: W, inEu, outOfStock: () => 'false' });
    const wishlists = (await pool.query<{ max: number }>('SELECT max(id)::int AS max FROM wishlists')).rows[0].max;

    // Accepted alerts over the last 180 days, one email each; 70% sales, 30% restocks.
    await inChunks(pool, `alerts (${n(ALERTS)})`, ALERTS, 50_000,
      `WITH a AS (
         SELECT g, w.id AS wishlist_id, w.user_id, w.product_id, p.region,
                CASE WHEN g % 10 < 7 THEN 'sale' ELSE 'stock' END AS kind,
                now() - (abs(hashint4(g)) % (180 * 86400)) * interval '1 second' AS sent_at
           FROM generate_series($1::int, $2::int) g
           JOIN wishlists w ON w.id = (g::bigint * 7919) % $3 + 1
           JOIN products p ON p.id = w.product_id
       ), m AS (
         INSERT INTO wishlist_alert_messages (id, user_id, kind, region, status, attempts, email_id, created_at, updated_at, sent_at)
         SELECT g, user_id, kind, region, 'sent', 1, '<bench-' || g || '@simfab.example>', sent_at, sent_at, sent_at FROM a
       )
       INSERT INTO wishlist_alert_items (message_id, wishlist_id, user_id, product_id, kind, occurrence, status, created_at, updated_at, sent_at)
       SELECT g, wishlist_id, user_id, product_id, kind, 'bench-' || g, 'sent', sent_at, sent_at, sent_at FROM a`,
      [wishlists]);
    await pool.query(`SELECT setval('wishlist_alert_messages_id_seq', $1)`, [ALERTS]);

    // A year of orders in the shop's local time. Every AFTER_ALERT_EVERY-th is the alerted
    // shopper buying the alerted product 0 to 10 days after the alert; the rest anyone, anything.
    const statusMix = `CASE WHEN g % 100 < 85 THEN 'paid' WHEN g % 100 < 88 THEN 'partially_refunded' WHEN g % 100 < 93 THEN 'refunded'
                            WHEN g % 100 < 97 THEN 'pending' ELSE 'failed' END`;
    await inChunks(pool, `orders (${n(ORDERS)})`, ORDERS, 20_000,
      `WITH o AS (
         SELECT g, coalesce(a.user_id, abs(hashint4(g)) % $4 + 1) AS user_id,
                coalesce(a.product_id, abs(hashint4(-g)) % $5 + 1) AS product_id,
                CASE WHEN a.sent_at IS NOT NULL
                     THEN (a.sent_at AT TIME ZONE current_setting('TimeZone')) + (abs(hashint4(g + 1)) % (10 * 86400)) * interval '1 second'
                     ELSE LOCALTIMESTAMP - (abs(hashint4(g + 2)) % (365 * 86400)) * interval '1 second' END AS created_at,
                g % 5 = 0 AS guest, ${statusMix} AS payment_status
           FROM generate_series($1::int, $2::int) g
           LEFT JOIN wishlist_alert_items a ON g % $3 = 0 AND a.id = (g::bigint * 104729) % $6 + 1
       ), ins AS (
         INSERT INTO orders (id, order_number, user_id, customer_email, status, payment_status, subtotal, total_amount, currency, region,
                             billing_address, shipping_address, created_at, updated_at)
         SELECT o.g, 'SF-BENCH-' || o.g, CASE WHEN o.guest THEN NULL ELSE o.user_id END,
                CASE WHEN o.guest THEN upper('user' || o.user_id || '@bench.example') ELSE 'user' || o.user_id || '@bench.example' END,
                CASE o.payment_status WHEN 'refunded' THEN 'refunded' WHEN 'failed' THEN 'failed' WHEN 'pending' THEN 'pending' ELSE 'delivered' END,
                o.payment_status, 0, 0, CASE p.region WHEN 'eu' THEN 'EUR' ELSE 'USD' END, p.region, '{}', '{}', o.created_at, o.created_at
           FROM o JOIN products p ON p.id = o.product_id
         RETURNING id, created_at
       )
       INSERT INTO order_items (order_id, product_id, product_name, product_sku, quantity, unit_price, total_price, created_at)
       SELECT o.g, x.product_id, p.name, p.sku, 1 + o.g % 2, p.regular_price::float8::numeric(10,2),
              (p.regular_price::float8 * (1 + o.g % 2))::numeric(10,2), o.created_at
         FROM o
         CROSS JOIN LATERAL (VALUES (o.product_id), (CASE WHEN o.g % 3 = 0 THEN NULL ELSE abs(hashint4(o.g * 3)) % $5 + 1 END)) AS x(product_id)
         JOIN products p ON p.id = x.product_id`,
      [AFTER_ALERT_EVERY, U, P, ALERTS]);
    await pool.query(`SELECT setval(pg_get_serial_sequence('orders', 'id'), $1)`, [ORDERS]);
    for (const t of ['wishlist_alert_items', 'wishlist_alert_messages', 'orders', 'order_items', 'users', 'products']) await pool.query(`VACUUM ANALYZE ${t}`);
    const sizes = (await pool.query(
      `SELECT (SELECT count(*) FROM orders)::int AS orders, (SELECT count(*) FROM order_items)::int AS lines,
              (SELECT count(*) FROM wishlist_alert_items WHERE sent_at > now() - interval '30 days')::int AS recent`,
    )).rows[0];
    process.stderr.write(`PostgreSQL ${version}: ${n(W)} wishlist rows, ${n(ALERTS)} accepted alerts (${n(sizes.recent)} in the last 30 days), ` +
      `${n(sizes.orders)} orders with ${n(sizes.lines)} lines\n`);

    // One connection, so its server process is known: on a shared machine the wall time
    // says as much about the other processes as about the statement, the process's CPU time does not.
    const one = createPool(databaseUrl(server.adminUrl, name), logger, { max: 1, statementTimeoutMs: 3_600_000 });
    const backend = (await one.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const proof = new AlertProof({ pool: one, clock: systemClock, attributionDays: 7 });
    const warm = await proof.stats();
    const times: number[] = [];
    const cpuBefore = backendCpuMs(backend);
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await proof.stats();
      times.push(performance.now() - t);
    }
    const cpuAfter = backendCpuMs(backend);
    await one.end();
    times.sort((a, b) => a - b);
    const [week, month] = warm.windows;
    const f = (t: number) => `${t.toFixed(0)} ms`;
    process.stdout.write(
      `stats(): fastest ${f(times[0])}, median ${f(times[Math.floor(times.length / 2)])}, slowest ${f(times[times.length - 1])} over ${RUNS} runs; ` +
        `7 days: ${n(week.total.emailsAccepted)} emails, ${n(week.total.orders)} orders; ` +
        `30 days: ${n(month.total.emailsAccepted)} emails, ${n(month.total.orders)} orders, ` +
        `revenue ${month.total.revenue.map((r) => `${r.currency} ${r.amount}`).join(' / ')}\n`,
    );
    if (cpuBefore !== null && cpuAfter !== null) {
      process.stdout.write(`PostgreSQL server process CPU time: ${((cpuAfter - cpuBefore) / RUNS).toFixed(0)} ms per stats() (user + system, 10 ms ticks); load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
    }
    if (EXPLAIN) {
      const { attributionSql } = await import('../src/db/attribution');
      const { rows } = await pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${attributionSql}`, [new Date(), [7, 30], 7, warm.timezone, 5]);
      process.stdout.write(`${rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n')}\n`);
    }
  } finally {
    await pool.end();
    if (KEEP) process.stderr.write(`kept database ${name}\n`);
    else await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    await server.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
