/**
 * npm run bench [-- --wishlists 1000000 --products 100000 --users 200000 --on-sale 0.1 --restocked 0.05]
 *
 * Builds a shop of that size in a database of its own (DATABASE_URL's server, or an
 * embedded PostgreSQL), puts a storewide sale and a restock on it with plain UPDATEs, and
 * measures, on the same data in the same run: the floor (one count(*) with the same
 * predicates), the design's per-row loop (on a sample, scaled), a bare nodemailer pool to
 * the same SMTP sink, and ours (find and queue; deliver). Then it checks that every due
 * item was announced exactly once. --smoke: a small run that checks correctness only.
 */
import type { Pool } from 'pg';
import nodemailer from 'nodemailer';
import { Client } from 'pg';
import { createPool, withTransaction } from '../src/db/pool';
import { migrate } from '../src/db/migrate';
import { observeSaleWindows, QUEUE_RESTOCKS, QUEUE_SALES, queueRestockAlerts, queueSaleAlerts, roomForCandidates } from '../src/db/alertQueue';
import { silentLogger } from '../src/logger';
import { createSmtpMailer, MESSAGE_DEFAULTS } from '../src/mail/mailer';
import { createAlertRenderer } from '../src/mail/render';
import { AlertDelivery } from '../src/services/AlertDelivery';
import { systemClock } from '../src/clock';
import { openServer } from '../test/support/postgresServer';
import { databaseUrl } from '../test/support/urls';
import { CountingSink } from './countingSink';
import { Progress } from './progress';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a number, got ${process.argv[i + 1]}`);
  return v;
}

const smoke = process.argv.includes('--smoke');
const W = arg('wishlists', 1_000_000);
const P = arg('products', Math.max(10, Math.round(W / 10)));
const U = arg('users', Math.max(10, Math.round(W / 5)));
const ON_SALE = arg('on-sale', 0.1);
const RESTOCKED = arg('restocked', 0.05);
const POOL_SIZE = arg('smtp-pool', 5);
const BATCH = arg('batch', 500);
const SAMPLE = Math.min(10_000, W);
const EXPLAIN = process.argv.includes('--explain');

const ms = (t: number) => (t < 10_000 ? `${t.toFixed(0)} ms` : `${(t / 1000).toFixed(1)} s`);
const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`;

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

/** Samples RSS while `work` runs; returns its peak. */
async function peakRss<T>(work: () => Promise<T>): Promise<[T, number]> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  try {
    const result = await work();
    return [result, Math.max(peak, process.memoryUsage().rss)];
  } finally {
    clearInterval(timer);
  }
}

// Membership of the sale and restock sets by a cheap hash of the product id.
const inSale = (id: string) => `abs(hashint4(${id})) % 1000 < ${Math.round(ON_SALE * 1000)}`;
const inRestock = (id: string) => `abs(hashint4(-${id})) % 1000 < ${Math.round(RESTOCKED * 1000)}`;

async function generate(pool: Pool): Promise<void> {
  const chunks = async (label: string, total: number, size: number, sql: string) => {
    const bar = new Progress(label, total);
    for (let from = 1; from <= total; from += size) {
      const to = Math.min(total, from + size - 1);
      await pool.query(sql, [from, to]);
      bar.tick(to - from + 1);
    }
    bar.finish();
  };
  await chunks(`users (${U.toLocaleString('en-US')})`, U, 50_000,
    `INSERT INTO users (email, first_name) SELECT 'user' || i || '@bench.example', 'User' || i FROM generate_series($1::int, $2::int) i`);
  await chunks(`products (${P.toLocaleString('en-US')})`, P, 50_000,
    `INSERT INTO products (sku, name, slug, regular_price, stock)
     SELECT 'SKU-' || i, 'Product ' || i, 'product-' || i, 100 + i % 900, CASE WHEN ${inRestock('i')} THEN 0 ELSE 10 END
       FROM generate_series($1::int, $2::int) i`);
  // A bulk load, not a shopper adding items: the per-row trigger that records what the
  // shopper has seen is off for it, and the same values are written directly (nothing
  // is on sale yet, every product is at epoch 0).
  const client = await pool.connect();
  try {
    await client.query(`SET session_replication_role = replica`);
    const bar = new Progress(`wishlists (${W.toLocaleString('en-US')})`, W);
    for (let from = 1; from <= W; from += 100_000) {
      const to = Math.min(W, from + 100_000 - 1);
      await client.query(
        `INSERT INTO wishlists (user_id, product_id)
         SELECT (i % $3) + 1, ((i / $3) * 7919 + i) % $4 + 1 FROM generate_series($1::int, $2::int) i
         ON CONFLICT DO NOTHING`,
        [from, to, U, P],
      );
      bar.tick(to - from + 1);
    }
    bar.finish();
    await client.query(`SET session_replication_role = DEFAULT`);
  } finally {
    client.release();
  }
  await pool.query('ANALYZE');
}

const SALE_DUE = `
  FROM wishlists w JOIN products p ON p.id = w.product_id
 WHERE w.notify_on_sale AND p.status = 'active'
   AND wishlist_alerts_on_sale(p.is_on_sale, p.sale_price, p.regular_price, p.sale_start_date, p.sale_end_date, now())
   AND (p.alert_sale_epoch > w.alert_sale_epoch_seen OR p.sale_price < w.alert_sale_price_seen)`;
const STOCK_DUE = `
  FROM wishlists w JOIN products p ON p.id = w.product_id
 WHERE w.notify_on_stock AND p.status = 'active' AND p.in_stock AND p.stock > 0
   AND p.alert_stock_epoch > w.alert_stock_epoch_seen`;

/** Times writing one row per due item (both kinds) into a fresh table with these extra columns and keys. */
async function writeDueRows(pool: Pool, keys: string): Promise<number> {
  await pool.query(`CREATE TABLE bench_write_floor (wishlist_id int NOT NULL, kind text NOT NULL, occurrence text NOT NULL${keys ? `, ${keys}` : ''})`);
  try {
    const [, elapsed] = await timed(async () => {
      await pool.query(`INSERT INTO bench_write_floor (wishlist_id, kind, occurrence) SELECT w.id, 'sale', p.alert_sale_epoch::text ${SALE_DUE}`);
      await pool.query(`INSERT INTO bench_write_floor (wishlist_id, kind, occurrence) SELECT w.id, 'stock', p.alert_stock_epoch::text ${STOCK_DUE}`);
    });
    return elapsed;
  } finally {
    await pool.query(`DROP TABLE bench_write_floor`);
  }
}

/** Prints the plans of the floor and of both queue statements (run and rolled back). */
async function explain(pool: Pool): Promise<void> {
  const plans: Array<[string, string, unknown[]]> = [
    ['floor (sale)', `SELECT count(*) ${SALE_DUE}`, []],
    ['floor (stock)', `SELECT count(*) ${STOCK_DUE}`, []],
    ['queue sale alerts', QUEUE_SALES, [new Date(), 0]],
    ['queue restock alerts', QUEUE_RESTOCKS, [new Date(), 24]],
  ];
  for (const [title, sql, params] of plans) {
    await withTransaction(pool, async (c) => {
      await roomForCandidates(c); // as the checks run them
      const { rows } = await c.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
      process.stdout.write(`\n-- ${title}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}\n`);
      throw new Rollback();
    }).catch((err) => {
      if (!(err instanceof Rollback)) throw err;
    });
  }
}

class Rollback extends Error {}

/** The design's loop: for each candidate row, one query for the product and one for the user. */
async function perRowBaseline(pool: Pool): Promise<number> {
  const { rows } = await pool.query(`SELECT id, user_id, product_id FROM wishlists WHERE notify_on_sale ORDER BY id LIMIT $1`, [SAMPLE]);
  const bar = new Progress(`per-row baseline (${SAMPLE.toLocaleString('en-US')} rows)`, rows.length);
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

const render = createAlertRenderer({
  shopName: 'Our Shop',
  frontendUrl: 'http://localhost:3000',
  publicUrl: 'https://shop.example',
  locale: 'en-US',
  currency: 'USD',
  timezone: 'America/New_York',
  unsubscribeSecret: 'bench-unsubscribe-secret-0123456789abcdef',
});

async function bareNodemailer(sink: CountingSink, count: number): Promise<number> {
  // The same message options as ours: the floor is nodemailer's cost for the same email.
  const transport = nodemailer.createTransport({ url: sink.url, pool: true, maxConnections: POOL_SIZE, maxMessages: Infinity }, MESSAGE_DEFAULTS);
  const mail = render({
    userId: 1,
    firstName: 'User',
    digest: false,
    items: [{ kind: 'sale', wishlistId: 1, productId: 1, name: 'Product 1', slug: 'product-1', regularPrice: '199.00', salePrice: '159.20', saleEndsAt: null }],
  });
  const bar = new Progress(`bare nodemailer pool (${count.toLocaleString('en-US')})`, count);
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: POOL_SIZE * 4 }, async () => {
      while (next < count) {
        const i = next++;
        await transport.sendMail({ from: 'bench@shop.example', to: `bare${i}@bench.example`, ...mail });
        bar.tick();
      }
    }),
  );
  const elapsed = performance.now() - t;
  bar.finish();
  transport.close();
  return elapsed;
}

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
  let failed = false;
  try {
    await migrate(pool, silentLogger());
    const [, genMs] = await timed(() => generate(pool));
    // The storewide sale and the restock, as the admin panel and the stock sync would.
    await pool.query(`UPDATE products p SET is_on_sale = true, sale_price = round(regular_price * 0.8, 2) WHERE ${inSale('p.id')}`);
    await pool.query(`UPDATE products p SET stock = 25 WHERE ${inRestock('p.id')}`);
    await pool.query('ANALYZE products');

    const [[saleDue, stockDue], floorMs] = await timed(async () => {
      const a = await pool.query(`SELECT count(*)::int AS n ${SALE_DUE}`);
      const b = await pool.query(`SELECT count(*)::int AS n ${STOCK_DUE}`);
      return [a.rows[0].n as number, b.rows[0].n as number];
    });
    // What the outbox's one hard requirement costs by itself: a row per due item under a
    // unique key (issue 3), in a table with nothing else, written with the same predicates.
    const writeFloorMs = await writeDueRows(pool, 'id bigserial PRIMARY KEY, UNIQUE (wishlist_id, kind, occurrence)');
    if (EXPLAIN) {
      const uniqueOnly = await writeDueRows(pool, 'UNIQUE (wishlist_id, kind, occurrence)');
      const bare = await writeDueRows(pool, '');
      process.stdout.write(`\n-- write floor variants\nwith a primary key and the unique key: ${ms(writeFloorMs)}\n` +
        `with the unique key only: ${ms(uniqueOnly)}\nwith no index at all: ${ms(bare)}\nthe count: ${ms(floorMs)}\n`);
    }
    const candidates = (await pool.query(`SELECT count(*)::int AS n FROM wishlists WHERE notify_on_sale`)).rows[0].n as number;

    if (EXPLAIN) await explain(pool);
    const [queued, queueMs] = await timed(async () => {
      const now = new Date();
      const sale = await withTransaction(pool, async (c) => {
        await observeSaleWindows(c, now);
        return queueSaleAlerts(c, now, 0);
      });
      const stock = await withTransaction(pool, (c) => queueRestockAlerts(c, now, { cooldownHours: 24, perUnit: 0 }));
      return { sale, stock };
    });

    const mailer = createSmtpMailer(sink.url, { poolSize: POOL_SIZE });
    const delivery = new AlertDelivery({
      pool,
      mailer,
      render,
      logger: silentLogger(),
      clock: systemClock,
      settings: {
        mailFrom: 'Wishlist Alerts <wishlist@shop.example>',
        frontendUrl: 'http://localhost:3000',
        batchSize: BATCH,
        maxEmailsPerDay: 3,
        saleMinDropPercent: 0,
        maxAttempts: 8,
        concurrency: POOL_SIZE,
        retryBaseMs: 60_000,
        leaseMs: 60_000,
        instanceId: 'bench',
      },
    });
    const messagesDue = (await pool.query(`SELECT count(*)::int AS n FROM wishlist_alert_messages WHERE status = 'pending'`)).rows[0].n as number;
    const rssBefore = process.memoryUsage().rss;
    const bar = new Progress(`ours: deliver (${messagesDue.toLocaleString('en-US')} messages)`, messagesDue);
    const progress = setInterval(() => bar.set(sink.messages), 200);
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
    await mailer.close();
    const ourMessages = sink.messages;

    // Correctness: every due item announced exactly once, every message arrived once.
    const { rows: sentRows } = await pool.query(
      `SELECT kind, count(*)::int AS n, count(DISTINCT wishlist_id)::int AS distinct_items FROM wishlist_alert_items WHERE status = 'sent' GROUP BY kind`,
    );
    const byKind = Object.fromEntries(sentRows.map((r) => [r.kind, r]));
    const problems: string[] = [];
    if ((byKind.sale?.n ?? 0) !== saleDue) problems.push(`sale: ${byKind.sale?.n ?? 0} items announced, ${saleDue} due`);
    if ((byKind.stock?.n ?? 0) !== stockDue) problems.push(`stock: ${byKind.stock?.n ?? 0} items announced, ${stockDue} due`);
    for (const k of ['sale', 'stock']) if (byKind[k] && byKind[k].n !== byKind[k].distinct_items) problems.push(`${k}: an item was announced twice`);
    if (ourMessages !== sent.sale.emails + sent.stock.emails) problems.push(`sink got ${ourMessages} messages, ${sent.sale.emails + sent.stock.emails} recorded sent`);
    if ([...sink.perRecipient.values()].some((n) => n > 2)) problems.push('a shopper got more than one email of a kind');
    const again = await withTransaction(pool, (c) => queueSaleAlerts(c, new Date(), 0));
    if (again.queued !== 0) problems.push(`a second sale check queued ${again.queued} more`);

    // After ours, so that the loop's garbage does not grow the heap ours is measured in
    // (V8 sizes the heap by what it has seen). It reads rows ours does not change.
    const perRowMs = smoke ? 0 : await perRowBaseline(pool);
    const baselineMs = perRowMs * candidates * 2; // the sale loop and the stock loop

    let bareMs = 0;
    let bareCpuMs = 0;
    if (!smoke) {
      sink.reset();
      [bareMs, bareCpuMs] = await cpuTime(() => bareNodemailer(sink, ourMessages));
    }
    // Node's CPU per email (the sink's share included): tells a busy thread from one that waits.
    const cpuPerEmail = (cpuMs: number, wallMs: number) =>
      `${(cpuMs / Math.max(1, ourMessages)).toFixed(2)} ms CPU/email, Node busy ${Math.round((cpuMs / wallMs) * 100)}%`;

    const rate = (n: number, t: number) => (t > 0 ? Math.round((n / t) * 1000) : 0);
    const table: Array<[string, string]> = [
      ['data', `${W.toLocaleString('en-US')} wishlists, ${P.toLocaleString('en-US')} products, ${U.toLocaleString('en-US')} users (built in ${ms(genMs)})`],
      ['due', `${saleDue.toLocaleString('en-US')} sale items, ${stockDue.toLocaleString('en-US')} restocked items → ${messagesDue.toLocaleString('en-US')} messages`],
      ['floor: count(*) of due rows', ms(floorMs)],
      ['write floor: one keyed row per due item', ms(writeFloorMs)],
    ];
    if (!smoke) table.push(['per-row baseline (scaled)', `${ms(baselineMs)}  (${perRowMs.toFixed(3)} ms/row × ${(candidates * 2).toLocaleString('en-US')} rows)`]);
    table.push(
      ['ours: find and queue', `${ms(queueMs)}  (sale ${queued.sale.queued.toLocaleString('en-US')}, stock ${queued.stock.queued.toLocaleString('en-US')})`],
      ['ours: deliver', `${ms(deliverMs)}  (${rate(ourMessages, deliverMs).toLocaleString('en-US')} messages/s, pool ${POOL_SIZE}, batch ${BATCH}; ${cpuPerEmail(ourCpuMs, deliverMs)})`],
    );
    if (!smoke) table.push(['bare nodemailer pool', `${ms(bareMs)}  (${rate(ourMessages, bareMs).toLocaleString('en-US')} messages/s; ${cpuPerEmail(bareCpuMs, bareMs)})`]);
    table.push(['peak RSS while delivering', `${mb(peak)} (${mb(peak - rssBefore)} above the ${mb(rssBefore)} before)`]);
    if (!smoke) {
      table.push(
        ['ours / floor (find and queue)', `${(queueMs / floorMs).toFixed(2)}×  (write floor / floor: ${(writeFloorMs / floorMs).toFixed(2)}×)`],
        ['baseline / ours (find and queue)', `${(baselineMs / queueMs).toFixed(0)}×`],
        ['ours / bare pool (delivery rate)', `${((rate(ourMessages, deliverMs) / rate(ourMessages, bareMs)) * 100).toFixed(0)}%`],
      );
    }
    table.push(['correct', problems.length ? `NO: ${problems.join('; ')}` : 'yes: every due item announced exactly once'], ['total time', ms(Date.now() - started)]);
    const width = Math.max(...table.map(([k]) => k.length));
    process.stdout.write(`\n${table.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`);
    failed = problems.length > 0;
  } finally {
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
