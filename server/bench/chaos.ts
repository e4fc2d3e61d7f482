/**
 * npm run chaos [-- --instances 6 --seconds 120 --alerts 20000]
 *
 * The many-instances scenarios at a larger size than the tests, on real server processes,
 * a real PostgreSQL (DATABASE_URL, or an embedded one) and an SMTP sink in this process:
 *   1. N instances, both jobs every second, alerts made due all along;
 *   2. the SMTP server refuses connections during a run, then comes back;
 *   3. an instance is killed (SIGKILL) while delivering, then started again.
 * Prints one table: ticks, runs, duplicate runs, alerts due, emails delivered, duplicates, lost.
 */
import { Client } from 'pg';
import type { Pool } from 'pg';
import { createPool, withTransaction } from '../src/db/pool';
import { observeProducts } from '../src/db/observations';
import { shopTimezone } from '../src/db/timezone';
import { prepareDatabase } from '../src/localDefaults';
import { silentLogger } from '../src/logger';
import { SmtpSink } from '../test/support/smtpSink';
import { ServerProcess, startServer } from '../test/support/serverProcess';
import { databaseUrl } from '../test/support/urls';
import { openServer } from '../test/support/postgresServer';
import { numberArg } from './shopData';

const INSTANCES = numberArg('instances', 6);
const SECONDS = numberArg('seconds', 120);
const ALERTS = numberArg('alerts', 20000);

// users.password is NOT NULL in the shop (a bcrypt hash); nobody logs in here.
const PASSWORD_HASH = '$2b$10$chaoschaoschaoschaoschaoschaoschaoschaoschaoschaosch';

interface Row {
  scenario: string;
  ticks: number | string;
  runs: number | string;
  duplicateRuns: number | string;
  alertsDue: number;
  delivered: number;
  duplicates: number;
  lost: number;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

function count(sink: SmtpSink, expected: string[]) {
  const seen = new Map<string, number>();
  for (const m of sink.received) for (const to of m.to) seen.set(to, (seen.get(to) ?? 0) + 1);
  const delivered = expected.filter((e) => seen.has(e)).length;
  return { delivered, duplicates: sink.received.length - seen.size, lost: expected.length - delivered };
}

/**
 * What the watch (or a check) would have done between the shop's writes: the module looks
 * at these products, so that the sale or restock that follows is judged against the state
 * right before it. Without it a product first seen already restocked counts as in stock
 * since it was created, and its restock goes unannounced (observations.ts). The servers
 * read sale dates in the database's zone (no SHOP_TIMEZONE), and so does this.
 */
async function observe(pool: Pool, productIds: number[]): Promise<void> {
  await withTransaction(pool, async (c) => observeProducts(c, new Date(), await shopTimezone(c, undefined), productIds));
}

async function withDatabase<T>(adminUrl: string, work: (url: string) => Promise<T>): Promise<T> {
  const name = `wl_chaos_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: adminUrl });
  admin.on('error', () => undefined); // an interrupted run stops the embedded server under it
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = databaseUrl(adminUrl, name);
  const pool = createPool(url, silentLogger());
  // The shop's tables (the stand-in), then the module's migrations: what the servers find.
  await prepareDatabase(pool, { nodeEnv: 'test' }, silentLogger());
  await pool.end();
  try {
    return await work(url);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

/**
 * n shoppers with one product on their wishlists, observed, which then goes on sale. The
 * servers start afterwards and find the sale began after the wishlist rows were made.
 */
async function bulkAlerts(url: string, n: number, prefix: string): Promise<string[]> {
  const pool = createPool(url, silentLogger());
  const { rows: product } = await pool.query<{ id: number }>(
    `INSERT INTO products (sku, name, slug, status, region, regular_price, stock, in_stock)
     VALUES ($1::text, $1::text, $1::text, 'active', 'us', 100, 5, '1') RETURNING id`,
    [`${prefix}-product`],
  );
  await pool.query(
    `INSERT INTO users (email, password, first_name) SELECT $1 || i || '@chaos.example', $3, 'Shopper' FROM generate_series(1, $2::int) i`,
    [prefix, n, PASSWORD_HASH],
  );
  await pool.query(`INSERT INTO wishlists (user_id, product_id) SELECT u.id, p.id FROM users u, products p WHERE p.sku = $1`, [`${prefix}-product`]);
  await observe(pool, [product[0].id]);
  await pool.query(`UPDATE products SET is_on_sale = true, sale_price = 60 WHERE sku = $1`, [`${prefix}-product`]);
  await pool.end();
  return Array.from({ length: n }, (_, i) => `${prefix}${i + 1}@chaos.example`);
}

async function instancesScenario(url: string, sink: SmtpSink): Promise<Row> {
  const env = {
    DATABASE_URL: url,
    SMTP_URL: sink.url,
    WISHLIST_SALE_CHECK_SCHEDULE: '* * * * * *',
    WISHLIST_STOCK_CHECK_SCHEDULE: '* * * * * *',
    WISHLIST_ALLOW_SUBMINUTE_SCHEDULES: 'true', // every second: the chaos run's own pace
    WISHLIST_LEASE_SECONDS: '5',
    LOG_LEVEL: 'warn',
  };
  const servers = await Promise.all(Array.from({ length: INSTANCES }, (_, i) => startServer({ ...env, LOG_LEVEL: 'info', INSTANCE_ID: `chaos-${i + 1}` })));
  const pool = createPool(url, silentLogger());
  const expected: string[] = [];
  const started = Date.now();
  for (let batch = 0; Date.now() - started < SECONDS * 1000; batch++) {
    // Ten new shoppers every 100 ms, each with an item (a third of them in the EU shop)
    // that goes on sale (in stock) or comes back (out of stock, then restocked: stock and
    // in_stock, as the shop's updateProduct writes them). The module observes them in
    // between, as the watch would.
    const { rows } = await pool.query<{ email: string; product_id: number }>(
      `WITH u AS (INSERT INTO users (email, password, first_name)
                  SELECT 'i' || $1 || '-' || g || '@chaos.example', $2, 'Shopper' FROM generate_series(1, 10) g RETURNING id, email),
            p AS (INSERT INTO products (sku, name, slug, status, region, regular_price, stock, in_stock)
                  SELECT 'i' || $1 || '-' || g, 'i' || $1 || '-' || g, 'i' || $1 || '-' || g, 'active',
                         CASE WHEN g % 3 = 0 THEN 'eu' ELSE 'us' END, 100, g % 2 * 5, CASE WHEN g % 2 = 1 THEN '1' ELSE '0' END
                    FROM generate_series(1, 10) g RETURNING id, name),
            w AS (INSERT INTO wishlists (user_id, product_id)
                  SELECT u.id, p.id FROM u JOIN p ON split_part(u.email, '@', 1) = p.name RETURNING 1)
       SELECT u.email, p.id AS product_id FROM u JOIN p ON split_part(u.email, '@', 1) = p.name`,
      [batch, PASSWORD_HASH],
    );
    await observe(pool, rows.map((r) => r.product_id));
    await pool.query(
      `UPDATE products SET is_on_sale = stock > 0, sale_price = CASE WHEN stock > 0 THEN 80 END,
              stock = CASE WHEN stock > 0 THEN stock ELSE 3 END, in_stock = '1'
        WHERE sku LIKE 'i' || $1 || '-%'`,
      [batch],
    );
    expected.push(...rows.map((r) => r.email));
    await new Promise((r) => setTimeout(r, 100));
  }
  await until(() => count(sink, expected).lost === 0, 30_000);
  await Promise.all(servers.map((s) => s.stop()));
  const { rows: runs } = await pool.query(`SELECT count(*)::int AS runs, count(DISTINCT (job, slot))::int AS slots FROM wishlist_alert_runs WHERE slot IS NOT NULL`);
  const { rows: span } = await pool.query(
    `SELECT coalesce(sum(extract(epoch FROM max_slot - min_slot) + 1), 0)::int AS ticks
       FROM (SELECT job, min(slot) AS min_slot, max(slot) AS max_slot FROM wishlist_alert_runs WHERE slot IS NOT NULL GROUP BY job) j`,
  );
  await pool.end();
  return {
    scenario: `${INSTANCES} instances, both jobs every second, ${SECONDS}s`,
    ticks: span[0].ticks,
    runs: runs[0].runs,
    duplicateRuns: runs[0].runs - runs[0].slots,
    alertsDue: expected.length,
    ...count(sink, expected),
  };
}

async function smtpOutageScenario(url: string, sink: SmtpSink): Promise<Row> {
  const expected = await bulkAlerts(url, ALERTS / 4, 'outage');
  await sink.pause();
  const server = await startServer({
    DATABASE_URL: url,
    SMTP_URL: sink.url,
    WISHLIST_SALE_CHECK_SCHEDULE: '* * * * * *',
    WISHLIST_ALLOW_SUBMINUTE_SCHEDULES: 'true', // every second: the chaos run's own pace
    WISHLIST_STOCK_CHECK_ENABLED: 'false',
    WISHLIST_RETRY_BASE_SECONDS: '1',
    LOG_LEVEL: 'info',
  });
  await new Promise((r) => setTimeout(r, 5000)); // several runs find the mail server down
  await sink.resume();
  await until(() => count(sink, expected).lost === 0, 120_000);
  await new Promise((r) => setTimeout(r, 2000));
  await server.stop();
  return { scenario: 'SMTP refuses connections for 5s, then returns', ticks: '-', runs: '-', duplicateRuns: '-', alertsDue: expected.length, ...count(sink, expected) };
}

async function crashScenario(url: string, sink: SmtpSink): Promise<Row> {
  const expected = await bulkAlerts(url, ALERTS, 'crash');
  const env = {
    DATABASE_URL: url,
    SMTP_URL: sink.url,
    WISHLIST_SALE_CHECK_SCHEDULE: '* * * * * *',
    WISHLIST_ALLOW_SUBMINUTE_SCHEDULES: 'true', // every second: the chaos run's own pace
    WISHLIST_STOCK_CHECK_ENABLED: 'false',
    WISHLIST_LEASE_SECONDS: '2',
    LOG_LEVEL: 'info',
  };
  const first: ServerProcess = await startServer({ ...env, INSTANCE_ID: 'crash-1' });
  await until(() => sink.received.length >= ALERTS / 4, 120_000);
  first.child.kill('SIGKILL');
  await first.exited;
  const second = await startServer({ ...env, INSTANCE_ID: 'crash-2' });
  await until(() => count(sink, expected).lost === 0, 180_000);
  await new Promise((r) => setTimeout(r, 3000));
  await second.stop();
  return { scenario: `SIGKILL while delivering ${ALERTS}, restart`, ticks: '-', runs: '-', duplicateRuns: '-', alertsDue: expected.length, ...count(sink, expected) };
}

async function main() {
  const server = await openServer({ stopOnSignal: true });
  const rows: Row[] = [];
  try {
    for (const scenario of [instancesScenario, smtpOutageScenario, crashScenario]) {
      const sink = await SmtpSink.start();
      try {
        process.stdout.write(`running: ${scenario.name}…\n`);
        rows.push(await withDatabase(server.adminUrl, (url) => scenario(url, sink)));
      } finally {
        await sink.stop();
      }
    }
  } finally {
    await server.stop();
  }
  const header = ['scenario', 'ticks', 'runs', 'duplicate runs', 'alerts due', 'emails delivered', 'duplicates', 'lost'];
  const lines = rows.map((r) => [r.scenario, r.ticks, r.runs, r.duplicateRuns, r.alertsDue, r.delivered, r.duplicates, r.lost].map(String));
  process.stdout.write(`\n| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|\n`);
  for (const l of lines) process.stdout.write(`| ${l.join(' | ')} |\n`);
  process.exit(rows.some((r) => r.lost > 0 || (typeof r.duplicateRuns === 'number' && r.duplicateRuns > 0)) ? 1 : 0);
}

main().catch((err) => {
  process.stderr.write(`chaos failed: ${err?.stack ?? err}\n`);
  process.exit(1);
});
