/**
 * npm run bench [-- --wishlists 1000000 --products 100000 --users 200000 --on-sale 0.1 --restocked 0.05 --eu 0.3 --young 0.3]
 *
 * Builds the shop (the stand-in of its tables, then the module's migrations) at that size
 * in a database of its own (DATABASE_URL's server, or an embedded PostgreSQL 18; the
 * version is printed), lets the
 * module observe the products once, runs VACUUM ANALYZE, rewrites --young of the products
 * as a selling shop's orders would (young, unfrozen rows), puts a storewide sale and a
 * restock on it with plain UPDATEs, and measures, on the same data in the same run: the floor (one count(*) with
 * the same predicates), the write floor (one keyed row per due item), the design's per-row
 * loop (on a sample, scaled), ours (find and queue, as the checks do it; deliver, through
 * the module's MailRouter), and a bare nodemailer pool to the same SMTP sink. Then it
 * checks that every due item was announced exactly once, in the module's outbox and in
 * the shop's own logs. --smoke: a small run that checks correctness only.
 */
import os from 'os';
import path from 'path';
import type { Pool, PoolClient } from 'pg';
import nodemailer from 'nodemailer';
import { Client } from 'pg';
import type { AlertKind } from '../src/domain';
import { loadConfig } from '../src/config/config';
import { createPool, Db, withTransaction } from '../src/db/pool';
import { prepareDatabase } from '../src/localDefaults';
import { observeProducts } from '../src/db/observations';
import { queueSaleAlerts } from '../src/db/outbox/queueSales';
import { queueRestockAlerts } from '../src/db/outbox/queueRestocks';
import { QueueResult, roomForCandidates } from '../src/db/outbox/queueCommon';
import { readShopTemplates, TEMPLATE_TYPES } from '../src/db/shopTemplates';
import { shopTimezone } from '../src/db/timezone';
import { CronService } from '../src/jobs/CronService';
import { silentLogger } from '../src/logger';
import { MESSAGE_DEFAULTS } from '../src/mail/mailer';
import { createAlertRenderer, mailSettingsFrom } from '../src/mail/render';
import { createWishlistAlerts } from '../src/wishlistAlerts';
import { openServer } from '../test/support/postgresServer';
import { databaseUrl } from '../test/support/urls';
import { CountingSink } from './countingSink';
import { Progress } from './progress';
import { generateShop, numberArg, rewriteShare, serverVersion } from './shopData';

const smoke = process.argv.includes('--smoke');
const W = numberArg('wishlists', 1_000_000);
const P = numberArg('products', Math.max(10, Math.round(W / 10)));
const U = numberArg('users', Math.max(10, Math.round(W / 5)));
const ON_SALE = numberArg('on-sale', 0.1);
const RESTOCKED = numberArg('restocked', 0.05);
const EU = numberArg('eu', 0.3);
const YOUNG = numberArg('young', 0.3);
const POOL_SIZE = numberArg('smtp-pool', 5);
const BATCH = numberArg('batch', 500);
const SAMPLE = Math.min(10_000, W);
const EXPLAIN = process.argv.includes('--explain');

const UNSUBSCRIBE_SECRET = 'bench-unsubscribe-secret-0123456789abcdef';

const ms = (t: number) => (t < 10_000 ? `${t.toFixed(0)} ms` : `${(t / 1000).toFixed(1)} s`);
const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`;
const n = (v: number) => v.toLocaleString('en-US');

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const result = await work();
  return [result, performance.now() - t];
}

/** Node's CPU time (user + system) spent while `work` runs, in ms. */
async function cpuTime<T>(work: () => Promise<T>): Promise<[T, number]> {
  const before = process.cpuUsage();
  const result = await work();
  const used = process.cpuUsage(before);
  return [result, (used.user + used.system) / 1000];
}

/**
 * Samples RSS while `work` runs; returns its peak. memoryUsage.rss() only: the full
 * memoryUsage() also collects the heap's statistics, a cost the sampled work would pay
 * and the bare pool (not sampled) would not.
 */
async function peakRss<T>(work: () => Promise<T>): Promise<[T, number]> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 25);
  try {
    const result = await work();
    return [result, Math.max(peak, process.memoryUsage.rss())];
  } finally {
    clearInterval(timer);
  }
}

// Membership of the sale and restock sets, and the region, by a cheap hash of the product
// id (the region's inputs, P+1..2P, are disjoint from the other two's).
const inSale = (id: string) => `abs(hashint4(${id})) % 1000 < ${Math.round(ON_SALE * 1000)}`;
const inRestock = (id: string) => `abs(hashint4(-${id})) % 1000 < ${Math.round(RESTOCKED * 1000)}`;
const inEu = (id: string) => `abs(hashint4(${id} + ${P})) % 1000 < ${Math.round(EU * 1000)}`;

/** The module's settings, as the server would load them; mail goes to the sink through SMTP_URL. */
function benchConfig(smtpUrl: string) {
  return loadConfig({
    NODE_ENV: 'test',
    SMTP_URL: smtpUrl,
    WISHLIST_SMTP_POOL_SIZE: String(POOL_SIZE),
    WISHLIST_BATCH_SIZE: String(BATCH),
    // The jobs and the watch are never started here (neither the CronService nor the
    // module is); the bench calls the parts itself.
    WISHLIST_SALE_CHECK_ENABLED: 'false',
    WISHLIST_STOCK_CHECK_ENABLED: 'false',
    WISHLIST_WATCH_ENABLED: 'false',
    // The storewide sale and the restock are taken as settled: the settle time is a wait
    // between the observation and the check, not work (queueing and claiming pass it on
    // to their statements all the same).
    WISHLIST_SALE_SETTLE_SECONDS: '0',
    WISHLIST_STOCK_SETTLE_SECONDS: '0',
    INSTANCE_ID: 'bench',
    ADMIN_API_TOKEN: 'bench-admin-token-0123456789',
    UNSUBSCRIBE_SECRET,
    PUBLIC_URL: 'https://alerts.simfab.example',
    FRONTEND_URL: 'https://simfab.example',
    FRONTEND_URL_EU: 'https://eu.simfab.example',
    MAIL_FROM: 'Wishlist Alerts <wishlist@simfab.example>',
    DATA_DIR: path.join(os.tmpdir(), 'wishlist-alerts-bench'),
  });
}
type BenchConfig = ReturnType<typeof benchConfig>;


/**
 * The check's first step, done by the bench with the module's own functions, in the
 * order WishlistNotificationService.check does it (the template switch, then one
 * transaction: the shop's time zone, room for the candidates, the observation, the queue
 * statement). Delivery is timed apart; the per-run data warning count is left out.
 */
async function findAndQueue(pool: Pool, config: BenchConfig, kind: AlertKind) {
  const switchedOn = (await readShopTemplates(pool))[kind].active;
  if (!switchedOn) throw new Error(`the shop's ${kind} template is switched off`);
  return withTransaction(pool, async (client) => {
    const now = new Date();
    const timezone = await shopTimezone(client, config.shopTimezone);
    await roomForCandidates(client);
    const [, observeMs] = await timed(() => observeProducts(client, now, timezone, null));
    const [result, queueMs] = await timed(() => queue(client, config, kind, now, timezone));
    return { ...result, observeMs, queueMs };
  });
}

function queue(db: Db, config: BenchConfig, kind: AlertKind, now: Date, timezone: string): Promise<QueueResult> {
  return kind === 'sale'
    ? queueSaleAlerts(db, now, { minDropPercent: config.saleMinDropPercent, timezone, scope: null, settleSeconds: config.saleSettleSeconds })
    : queueRestockAlerts(db, now, {
        cooldownHours: config.stockCooldownHours, perUnit: config.stockNotifyPerUnit, scope: null, settleSeconds: config.stockSettleSeconds,
      });
}

// The due rows, with the predicates of the queue statements (server/src/db/outbox/): the
// shop's rules as the module's SQL functions, and what the shopper has seen (told of, or
// true when the item was added) against what the module observed. Left out: the outbox
// itself (the NOT EXISTS on queued or decided items), which the floors do not write to.
// $1 the shop's time zone, $2 now, $3 the minimum sale discount in percent, $4 the settle seconds.
const SALE_DUE = `
  FROM wishlists w
  JOIN products p ON p.id = w.product_id
  JOIN wishlist_alert_products o ON o.product_id = p.id
  LEFT JOIN wishlist_alert_seen s ON s.wishlist_id = w.id
 WHERE w.notify_on_sale AND o.sale_live
   AND NOT EXISTS (SELECT 1 FROM wishlist_alert_item_optouts xi WHERE xi.wishlist_id = w.id AND xi.kind = 'sale')
   AND coalesce(o.sale_observed_at, '-infinity') <= $2::timestamptz - make_interval(secs => $4::float8)
   AND wishlist_alert_visible(p.status, p.deleted_at) AND p.region IN ('us', 'eu')
   AND wishlist_alert_on_sale(p.is_on_sale, p.sale_price, p.regular_price, p.price_min, p.price_max,
                              p.sale_start_date, p.sale_end_date, $1::text, $2::timestamptz)
   AND CASE WHEN o.sale_epoch > coalesce(s.sale_epoch, CASE WHEN w.created_at >= o.sale_began_at THEN o.sale_epoch ELSE o.sale_epoch - 1 END)
            THEN wishlist_alert_big_enough(wishlist_alert_cents(p.regular_price), wishlist_alert_cents(p.sale_price), $3::numeric)
            ELSE wishlist_alert_deeper_cut(wishlist_alert_cents(p.sale_price),
                                           CASE WHEN s.sale_epoch IS NOT NULL THEN s.sale_price
                                                WHEN w.created_at >= o.sale_price_at THEN o.sale_price
                                                ELSE o.sale_price_prev END, $3::numeric) END
   AND NOT EXISTS (SELECT 1 FROM wishlist_alert_optouts x WHERE x.user_id = w.user_id)`;
const SALE_OCCURRENCE = `o.sale_epoch || ':' || wishlist_alert_cents(p.sale_price)`;
// $1 now, $2 the cool-down in hours, $3 the settle seconds.
const STOCK_DUE = `
  FROM wishlists w
  JOIN products p ON p.id = w.product_id
  JOIN wishlist_alert_products o ON o.product_id = p.id
  LEFT JOIN wishlist_alert_seen s ON s.wishlist_id = w.id
 WHERE w.notify_on_stock AND o.stock_live
   AND NOT EXISTS (SELECT 1 FROM wishlist_alert_item_optouts xi WHERE xi.wishlist_id = w.id AND xi.kind = 'stock')
   AND coalesce(o.stock_observed_at, '-infinity') <= $1::timestamptz - make_interval(secs => $3::float8)
   AND wishlist_alert_visible(p.status, p.deleted_at) AND p.region IN ('us', 'eu')
   AND wishlist_alert_in_stock(p.stock, p.in_stock)
   AND o.stock_epoch > coalesce(s.stock_epoch, CASE WHEN w.created_at >= o.stock_back_at THEN o.stock_epoch ELSE o.stock_epoch - 1 END)
   AND (w.last_stock_notified_at IS NULL
        OR w.last_stock_notified_at <= ($1::timestamptz - make_interval(secs => $2::float8 * 3600))::timestamp)
   AND NOT EXISTS (SELECT 1 FROM wishlist_alert_optouts x WHERE x.user_id = w.user_id)`;
const STOCK_OCCURRENCE = `o.stock_epoch::text`;

interface Due {
  sql: { sale: string; stock: string };
  params: { sale: unknown[]; stock: unknown[] };
}

function dueStatements(config: BenchConfig, now: Date, timezone: string): Due {
  return {
    sql: { sale: SALE_DUE, stock: STOCK_DUE },
    params: {
      sale: [timezone, now, config.saleMinDropPercent, config.saleSettleSeconds],
      stock: [now, config.stockCooldownHours, config.stockSettleSeconds],
    },
  };
}

class Rollback extends Error {}

/**
 * Runs `work` in a transaction that first observes the products as a check would (not
 * timed), with the check's room for candidates, then rolls it all back: the floors read
 * the state ours will observe, and leave the change for ours to find.
 */
async function observedThenRolledBack<T>(pool: Pool, timezone: string, work: (c: PoolClient, now: Date) => Promise<T>): Promise<T> {
  let out: T | undefined;
  await withTransaction(pool, async (c) => {
    const now = new Date();
    await roomForCandidates(c);
    await observeProducts(c, now, timezone, null);
    out = await work(c, now);
    throw new Rollback();
  }).catch((err) => {
    if (!(err instanceof Rollback)) throw err;
  });
  return out as T;
}

/** Times writing one row per due item (both kinds) into a new table with these extra columns and keys. */
async function writeDueRows(c: PoolClient, due: Due, keys: string): Promise<number> {
  await c.query(`CREATE TABLE bench_write_floor (wishlist_id int NOT NULL, kind text NOT NULL, occurrence text NOT NULL${keys ? `, ${keys}` : ''})`);
  try {
    const [, elapsed] = await timed(async () => {
      await c.query(`INSERT INTO bench_write_floor (wishlist_id, kind, occurrence) SELECT w.id, 'sale', ${SALE_OCCURRENCE} ${due.sql.sale}`, due.params.sale);
      await c.query(`INSERT INTO bench_write_floor (wishlist_id, kind, occurrence) SELECT w.id, 'stock', ${STOCK_OCCURRENCE} ${due.sql.stock}`, due.params.stock);
    });
    return elapsed;
  } finally {
    await c.query(`DROP TABLE bench_write_floor`);
  }
}

/** A first line of a statement, to title its plan. */
function statementTitle(sql: string): string {
  const line = sql.split('\n').map((l) => l.trim()).find((l) => l && !l.startsWith('--')) ?? sql;
  return line.length > 90 ? `${line.slice(0, 89)}…` : line;
}

/**
 * A Db that runs each statement it is given under EXPLAIN (ANALYZE, BUFFERS) instead, and
 * prints the plan: the module's own functions run through it, so the plans are of the
 * statements exactly as the module sends them. ANALYZE executes them (their writes
 * included); the caller rolls back. Advisory locks pass through unexplained.
 */
function explaining(c: PoolClient, label: string): Db {
  return {
    async query(text: string, values?: unknown[]) {
      if (/^\s*SELECT pg_advisory/i.test(text)) return c.query(text, values);
      const { rows } = await c.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values);
      process.stdout.write(`\n-- ${label}: ${statementTitle(text)}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}\n`);
      return { rows: [], rowCount: 0 };
    },
  };
}

/** Prints the plans of the observation, the floor and both queue statements (run and rolled back). */
async function explain(pool: Pool, config: BenchConfig, timezone: string): Promise<void> {
  for (const kind of ['sale', 'stock'] as const) {
    await withTransaction(pool, async (c) => {
      const now = new Date();
      await roomForCandidates(c); // as the checks run them
      // The observation of the sale and restock (the sale check makes it; the stock check then finds nothing new).
      await observeProducts(kind === 'sale' ? explaining(c, 'observe') : c, now, timezone, null);
      const due = dueStatements(config, now, timezone);
      await explaining(c, `floor (${kind})`).query(`SELECT count(*) ${due.sql[kind]}`, due.params[kind]);
      await queue(explaining(c, `queue ${kind} alerts`), config, kind, now, timezone);
      throw new Rollback();
    }).catch((err) => {
      if (!(err instanceof Rollback)) throw err;
    });
  }
}

/** The design's loop: for each candidate row, one query for the product and one for the user. */
async function perRowBaseline(pool: Pool): Promise<number> {
  const { rows } = await pool.query(`SELECT id, user_id, product_id FROM wishlists WHERE notify_on_sale ORDER BY id LIMIT $1`, [SAMPLE]);
  const bar = new Progress(`per-row baseline (${n(SAMPLE)} rows)`, rows.length);
  const t = performance.now();
  for (const w of rows) {
    const product = (await pool.query('SELECT * FROM products WHERE id = $1', [w.product_id])).rows[0];
    await pool.query('SELECT * FROM users WHERE id = $1', [w.user_id]);
    void product;
    bar.tick();
  }
  const perRow = (performance.now() - t) / rows.length;
  bar.finish();
  return perRow;
}

/**
 * The bare pool: nodemailer alone, to the same sink, with emails like ours (rendered by the
 * module's renderer, as many items each as ours carried, in the same proportions), each
 * rendered once and sent as copies. `itemsPerEmail[k]`: how many of ours carried k items.
 */
async function bareNodemailer(sink: CountingSink, config: BenchConfig, from: string, itemsPerEmail: Map<number, number>): Promise<number> {
  const transport = nodemailer.createTransport({ url: sink.url, pool: true, maxConnections: POOL_SIZE, maxMessages: Infinity }, MESSAGE_DEFAULTS);
  const render = createAlertRenderer(mailSettingsFrom(config, UNSUBSCRIBE_SECRET));
  const mailWith = (k: number) => render({
    userId: 1,
    firstName: 'User',
    digest: false,
    region: 'us',
    currency: 'USD',
    header: { image: '/SimFab-logo-red-black-min-crop.svg', title: 'SimFab' },
    items: Array.from({ length: k }, (_, j) => ({
      kind: j % 2 === 0 ? ('sale' as const) : ('stock' as const), wishlistId: j + 1, productId: j + 1, name: `Product ${j + 1}`, slug: `product-${j + 1}`,
      regularPrice: '199.99', salePrice: j % 2 === 0 ? '159.99' : null, saleEndsAt: null, imageUrl: null,
    })),
  });
  // The i-th email carries as many items as the i-th of ours in an ordering by item count.
  const mails = [...itemsPerEmail].sort(([a], [b]) => a - b).flatMap(([k, emails]) => Array<ReturnType<typeof mailWith>>(emails).fill(mailWith(k)));
  const count = mails.length;
  const bar = new Progress(`bare nodemailer pool (${n(count)})`, count);
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: POOL_SIZE * 4 }, async () => {
      while (next < count) {
        const i = next++;
        await transport.sendMail({ from, to: `bare${i}@bench.example`, messageId: `<bare.${i}@simfab.example>`, ...mails[i] });
        bar.tick();
      }
    }),
  );
  const elapsed = performance.now() - t;
  bar.finish();
  transport.close();
  return elapsed;
}

const one = async (pool: Pool, sql: string, params: unknown[] = []): Promise<number> => (await pool.query(sql, params)).rows[0].n as number;

async function main(): Promise<void> {
  const started = Date.now();
  const server = await openServer({ stopOnSignal: true });
  const name = `wl_bench_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: server.adminUrl });
  // An interrupted bench stops the embedded server under this connection; its queries
  // still report every real problem.
  admin.on('error', () => undefined);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  server.onInterrupt(() => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined));
  const pool = createPool(databaseUrl(server.adminUrl, name), silentLogger(), { max: POOL_SIZE + 5 });
  const sink = await CountingSink.start();
  const config = benchConfig(sink.url);
  const logger = silentLogger();
  const cron = new CronService({ logger }); // never started: the jobs are registered, not run
  let alerts: ReturnType<typeof createWishlistAlerts> | null = null;
  let failed = false;
  try {
    // The shop's tables (the stand-in), then the module installed on them.
    await prepareDatabase(pool, config, logger);
    const version = await serverVersion(pool);
    process.stderr.write(`on ${version}\n`);
    const timezone = await shopTimezone(pool, config.shopTimezone);
    const [, genMs] = await timed(async () => {
      await generateShop(pool, { users: U, products: P, wishlists: W, inEu, outOfStock: inRestock });
      // The module has been watching the shop: it observed these products before the sale
      // and the restock, as the watch or any check would have.
      await withTransaction(pool, (c) => observeProducts(c, new Date(), timezone, null));
      // The shop's tables have been around long enough for autovacuum to have visited them.
      await pool.query('VACUUM ANALYZE');
      // And the shop sells: a share of its products' rows were rewritten since (young, unfrozen).
      await rewriteShare(pool, P, YOUNG);
    });
    // The storewide sale and the restock, as the admin panel and the stock sync would
    // (the shop's trigger restamps updated_at).
    await pool.query(`UPDATE products p SET is_on_sale = true, sale_price = round((regular_price * 0.8)::numeric, 2) WHERE ${inSale('p.id')}`);
    await pool.query(`UPDATE products p SET stock = 25, in_stock = '1' WHERE ${inRestock('p.id')}`);
    await pool.query('ANALYZE products');

    // The floors, on the state the check will observe (observed in a transaction that is
    // then rolled back). Both run with the check's room for candidates.
    const floors = await observedThenRolledBack(pool, timezone, async (c, now) => {
      const due = dueStatements(config, now, timezone);
      const [[saleDue, stockDue], floorMs] = await timed(async () => {
        const a = await c.query(`SELECT count(*)::int AS n ${due.sql.sale}`, due.params.sale);
        const b = await c.query(`SELECT count(*)::int AS n ${due.sql.stock}`, due.params.stock);
        return [a.rows[0].n as number, b.rows[0].n as number];
      });
      // What the outbox's one hard requirement costs by itself: a row per due item under a
      // unique key (issue 3), in a table with nothing else, written with the same predicates.
      const writeFloorMs = await writeDueRows(c, due, 'id bigserial PRIMARY KEY, UNIQUE (wishlist_id, kind, occurrence)');
      let variants = '';
      if (EXPLAIN) {
        const uniqueOnly = await writeDueRows(c, due, 'UNIQUE (wishlist_id, kind, occurrence)');
        const bare = await writeDueRows(c, due, '');
        variants = `\n-- write floor variants\nwith a primary key and the unique key: ${ms(writeFloorMs)}\n` +
          `with the unique key only: ${ms(uniqueOnly)}\nwith no index at all: ${ms(bare)}\nthe count: ${ms(floorMs)}\n`;
      }
      return { saleDue, stockDue, floorMs, writeFloorMs, variants };
    });
    const { saleDue, stockDue, floorMs, writeFloorMs } = floors;
    process.stdout.write(floors.variants);
    const candidates = await one(pool, `SELECT count(*)::int AS n FROM wishlists WHERE notify_on_sale`);
    const euProducts = await one(pool, `SELECT count(*)::int AS n FROM products WHERE region = 'eu'`);

    if (EXPLAIN) await explain(pool, config, timezone);
    const [queued, queueMs] = await timed(async () => {
      const sale = await findAndQueue(pool, config, 'sale');
      const stock = await findAndQueue(pool, config, 'stock');
      return { sale, stock };
    });

    // Delivery as the module wires it: AlertDelivery through the MailRouter, which reads
    // the shop's region settings and sends both regions to SMTP_URL (the sink).
    alerts = createWishlistAlerts({ pool, logger, cron, config, adminToken: config.adminApiToken!, unsubscribeSecret: UNSUBSCRIBE_SECRET });
    const usMail = await alerts.mail.forRegion('us');
    if (!('route' in usMail)) throw new Error(`region us cannot send: ${usMail.hold}`);
    const messagesDue = await one(pool, `SELECT count(*)::int AS n FROM wishlist_alert_messages WHERE status = 'pending'`);
    const rssBefore = process.memoryUsage.rss();
    const bar = new Progress(`ours: deliver (${n(messagesDue)} messages)`, messagesDue);
    const progress = setInterval(() => bar.set(sink.messages), 200);
    const delivery = alerts.delivery;
    const [[[sent], ourCpuMs], peak] = await peakRss(() =>
      cpuTime(() =>
        timed(async () => {
          const sale = await delivery.deliver('sale');
          const stock = await delivery.deliver('stock');
          return { sale, stock };
        }),
      ),
    );
    clearInterval(progress);
    const deliverMs = bar.finish();
    await alerts.close();
    alerts = null;
    const ourMessages = sink.messages;
    const ourBytes = sink.bytes;
    const emailsSent = sent.sale.emails + sent.stock.emails;

    // Correctness: every due item announced exactly once, every email arrived once, and
    // the shop's logs say so.
    const problems: string[] = [];
    // The bench knows what it made due: every wishlist row of a product it put on sale or restocked.
    const madeDue = {
      sale: await one(pool, `SELECT count(*)::int AS n FROM wishlists w WHERE ${inSale('w.product_id')}`),
      stock: await one(pool, `SELECT count(*)::int AS n FROM wishlists w WHERE ${inRestock('w.product_id')}`),
    };
    if (saleDue !== madeDue.sale) problems.push(`sale: the floor counts ${saleDue} due, the bench put ${madeDue.sale} on sale`);
    if (stockDue !== madeDue.stock) problems.push(`stock: the floor counts ${stockDue} due, the bench restocked ${madeDue.stock}`);
    if (queued.sale.queued !== saleDue) problems.push(`sale: ${queued.sale.queued} items queued, ${saleDue} due`);
    if (queued.stock.queued !== stockDue) problems.push(`stock: ${queued.stock.queued} items queued, ${stockDue} due`);
    const { rows: sentRows } = await pool.query(
      `SELECT kind, count(*)::int AS n, count(DISTINCT wishlist_id)::int AS distinct_items FROM wishlist_alert_items WHERE status = 'sent' GROUP BY kind`,
    );
    const byKind = Object.fromEntries(sentRows.map((r) => [r.kind, r]));
    const announced = { sale: (byKind.sale?.n ?? 0) as number, stock: (byKind.stock?.n ?? 0) as number };
    if (announced.sale !== saleDue) problems.push(`sale: ${announced.sale} items announced, ${saleDue} due`);
    if (announced.stock !== stockDue) problems.push(`stock: ${announced.stock} items announced, ${stockDue} due`);
    for (const k of ['sale', 'stock']) if (byKind[k] && byKind[k].n !== byKind[k].distinct_items) problems.push(`${k}: an item was announced twice`);
    const notSent = await one(pool, `SELECT count(*)::int AS n FROM wishlist_alert_messages WHERE status <> 'sent'`);
    if (notSent > 0) problems.push(`${notSent} outbox messages not sent`);
    if (ourMessages !== emailsSent) problems.push(`sink got ${ourMessages} emails, ${emailsSent} recorded sent`);
    // One email per shopper and region (their sale and restock merged), no more, no less.
    const { rows: expected } = await pool.query<{ email: string; n: number }>(
      `SELECT u.email, count(DISTINCT m.region)::int AS n
         FROM wishlist_alert_items i JOIN wishlist_alert_messages m ON m.id = i.message_id JOIN users u ON u.id = i.user_id
        WHERE i.status = 'sent' GROUP BY u.email`,
    );
    const wrong = expected.filter((e) => sink.perRecipient.get(e.email) !== e.n).length + Math.max(0, sink.perRecipient.size - expected.length);
    if (wrong > 0) problems.push(`${wrong} shoppers did not get exactly one email per region they were due in`);
    // The shop's own logs: one email_logs row per email, one wishlist_notifications row per
    // item (pointing at its email), the wishlist rows stamped.
    const shop = (
      await pool.query(
        `SELECT (SELECT count(*) FROM email_logs WHERE status = 'sent' AND template_type = ANY($1::text[]))::int AS logs_sent,
                (SELECT count(*) FROM email_logs WHERE template_type = ANY($1::text[]))::int AS logs,
                (SELECT count(*) FROM wishlist_notifications WHERE notification_type = 'sale' AND email_sent AND email_log_id IS NOT NULL)::int AS sale_rows,
                (SELECT count(*) FROM wishlist_notifications WHERE notification_type = 'stock' AND email_sent AND email_log_id IS NOT NULL)::int AS stock_rows,
                (SELECT count(*) FROM wishlist_notifications)::int AS rows,
                (SELECT count(DISTINCT email_log_id) FROM wishlist_notifications)::int AS logs_used,
                (SELECT count(*) FROM wishlists WHERE last_sale_notified_at IS NOT NULL)::int AS sale_stamped,
                (SELECT count(*) FROM wishlists WHERE last_stock_notified_at IS NOT NULL)::int AS stock_stamped`,
        [Object.values(TEMPLATE_TYPES)],
      )
    ).rows[0];
    if (shop.logs_sent !== emailsSent || shop.logs !== emailsSent) problems.push(`email_logs: ${shop.logs_sent} sent rows (${shop.logs} in all) for ${emailsSent} emails`);
    if (shop.logs_used !== emailsSent) problems.push(`wishlist_notifications point at ${shop.logs_used} email_logs rows, ${emailsSent} emails`);
    if (shop.sale_rows !== announced.sale || shop.stock_rows !== announced.stock || shop.rows !== announced.sale + announced.stock) {
      problems.push(`wishlist_notifications: ${shop.sale_rows} sale and ${shop.stock_rows} stock rows sent (${shop.rows} in all) for ${announced.sale} and ${announced.stock} items`);
    }
    if (shop.sale_stamped !== announced.sale || shop.stock_stamped !== announced.stock) {
      problems.push(`wishlists: ${shop.sale_stamped} last_sale_notified_at and ${shop.stock_stamped} last_stock_notified_at set for ${announced.sale} and ${announced.stock} items`);
    }
    // A second check (both kinds) finds nothing more to queue.
    const again = { sale: await findAndQueue(pool, config, 'sale'), stock: await findAndQueue(pool, config, 'stock') };
    if (again.sale.queued !== 0) problems.push(`a second sale check queued ${again.sale.queued} more`);
    if (again.stock.queued !== 0) problems.push(`a second stock check queued ${again.stock.queued} more`);

    // After ours, so that the loop's garbage does not grow the heap ours is measured in
    // (V8 sizes the heap by what it has seen). It reads rows ours does not change.
    const perRowMs = smoke ? 0 : await perRowBaseline(pool);
    const baselineMs = perRowMs * candidates * 2; // the sale loop and the stock loop

    let bareMs = 0;
    let bareCpuMs = 0;
    let bareBytes = 0;
    if (!smoke) {
      sink.reset();
      const { rows: sizes } = await pool.query<{ k: number; emails: number }>(
        `SELECT k, count(*)::int AS emails
           FROM (SELECT count(*)::int AS k FROM wishlist_alert_items i JOIN wishlist_alert_messages m ON m.id = i.message_id
                  WHERE i.status = 'sent' GROUP BY m.email_id) e
          GROUP BY k`,
      );
      const itemsPerEmail = new Map(sizes.map((r) => [r.k, r.emails]));
      const sizedEmails = sizes.reduce((sum, r) => sum + r.emails, 0);
      if (sizedEmails !== ourMessages) problems.push(`the sent items name ${sizedEmails} emails, the sink got ${ourMessages}`);
      [bareMs, bareCpuMs] = await cpuTime(() => bareNodemailer(sink, config, usMail.route.from, itemsPerEmail));
      bareBytes = sink.bytes;
    }
    // Node's CPU per email (the sink's share included) tells a busy thread from one that
    // waits; the email's mean size says whether both sent the same work (nodemailer's grows with it).
    const cpuPerEmail = (cpuMs: number, wallMs: number, bytes: number) =>
      `${(cpuMs / Math.max(1, ourMessages)).toFixed(2)} ms CPU/email, Node busy ${Math.round((cpuMs / wallMs) * 100)}%, ${(bytes / Math.max(1, ourMessages) / 1024).toFixed(1)} KB/email`;

    const rate = (count: number, t: number) => (t > 0 ? Math.round((count / t) * 1000) : 0);
    const part = (q: { observeMs: number; queueMs: number }) => `observe ${ms(q.observeMs)}, queue ${ms(q.queueMs)}`;
    const table: Array<[string, string]> = [
      ['server', version],
      ['data', `${n(W)} wishlists, ${n(P)} products (${n(euProducts)} eu, ${Math.round(YOUNG * 100)}% rewritten after VACUUM), ${n(U)} users (built in ${ms(genMs)})`],
      ['due', `${n(saleDue)} sale items, ${n(stockDue)} restocked items → ${n(messagesDue)} messages → ${n(ourMessages)} emails`],
      ['floor: count(*) of due rows', ms(floorMs)],
      ['write floor: one keyed row per due item', ms(writeFloorMs)],
    ];
    if (!smoke) table.push(['per-row baseline (scaled)', `${ms(baselineMs)}  (${perRowMs.toFixed(3)} ms/row × ${n(candidates * 2)} rows)`]);
    table.push(
      ['ours: find and queue', `${ms(queueMs)}  (sale ${n(queued.sale.queued)}: ${part(queued.sale)}; stock ${n(queued.stock.queued)}: ${part(queued.stock)})`],
      ['ours: deliver', `${ms(deliverMs)}  (${n(rate(ourMessages, deliverMs))} emails/s, pool ${POOL_SIZE}, batch ${BATCH}; ${cpuPerEmail(ourCpuMs, deliverMs, ourBytes)})`],
    );
    if (!smoke) table.push(['bare nodemailer pool', `${ms(bareMs)}  (${n(rate(ourMessages, bareMs))} emails/s; ${cpuPerEmail(bareCpuMs, bareMs, bareBytes)})`]);
    table.push(['peak RSS while delivering', `${mb(peak)} (${mb(peak - rssBefore)} above the ${mb(rssBefore)} before)`]);
    if (!smoke) {
      table.push(
        ['ours / write floor (find and queue)', `${(queueMs / writeFloorMs).toFixed(2)}×  (ours / floor: ${(queueMs / floorMs).toFixed(2)}×; write floor / floor: ${(writeFloorMs / floorMs).toFixed(2)}×)`],
        ['baseline / ours (find and queue)', `${(baselineMs / queueMs).toFixed(0)}×`],
        ['ours / bare pool (delivery rate)', `${((rate(ourMessages, deliverMs) / rate(ourMessages, bareMs)) * 100).toFixed(0)}%`],
      );
    }
    table.push(
      ['correct', problems.length ? `NO: ${problems.join('; ')}` : 'yes: every due item announced exactly once, in the outbox and in the shop\'s logs'],
      ['total time', ms(Date.now() - started)],
    );
    const width = Math.max(...table.map(([k]) => k.length));
    process.stdout.write(`\n${table.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`);
    failed = problems.length > 0;
  } finally {
    await alerts?.close();
    await sink.stop();
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    await server.stop();
  }
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  process.stderr.write(`\nbench failed: ${err?.stack ?? err}\n`);
  process.exit(1);
});
