/**
 * npm run bench:latency [-- --products 100000 --wishlists 1000000 --users 200000 --minutes 3 --young 0.3
 *                          --restocks 30 --sales 15 --scheduled 15 --storewide 10000 --idle-seconds 60 --seed N]
 * npm run bench:latency -- --smoke   (small and quick: a short sale settle time, a few changes; checks it all works)
 *
 * Alerts within seconds, measured end to end. Builds the shop at that size in a database of
 * its own (DATABASE_URL's server, or an embedded PostgreSQL 18; the version is printed),
 * lets the module observe it once, runs VACUUM ANALYZE, rewrites --young of the products as
 * a selling shop's orders would (young, unfrozen rows), then starts the compiled server
 * (dist/server/src/index.js) as a child process with its defaults (the watch on, every 5 s;
 * sale settle 120 s, stock settle 0 s; the scheduled checks on their default schedules) and
 * SMTP_URL pointing at an SMTP sink in this process.
 *
 * 1. Idle: with nothing changing, the database time the server costs (the CPU of its
 *    backends from /proc when the database runs on this machine, and the database's
 *    active time from pg_stat_database), and the watch's look timed from here: as it is
 *    made while nothing is written, and one that reads the rows.
 * 2. Changes at random moments over --minutes, with plain SQL UPDATEs of single products:
 *    restocks, sales (price cut at once) and sales by the clock (a start date 15-45 s
 *    ahead; 3-8 s in the smoke run). For each, the time from the change (the UPDATE's
 *    commit; for a sale by the clock, its start date) until the sink accepted the last of
 *    its alerts (every wishlister told), matched by the product's name in the email.
 * 3. A storewide restock (--storewide products in one UPDATE) found by the watch, then the
 *    same size again found by the scheduled stock check (the server restarted with the
 *    watch off, the check triggered through the admin API): emails per second of each.
 */
import { ChildProcess, spawn } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import os from 'os';
import path from 'path';
import type { Pool } from 'pg';
import { Client } from 'pg';
import { createPool, withTransaction } from '../src/db/pool';
import { prepareDatabase } from '../src/localDefaults';
import { observeProducts } from '../src/db/observations';
import { shopTimezone } from '../src/db/timezone';
import { changedProducts, productWrites } from '../src/db/watch';
import { silentLogger } from '../src/logger';
import { openServer } from '../test/support/postgresServer';
import { databaseUrl } from '../test/support/urls';
import { cpuTicks, TICK_MS } from './backendCpu';
import { AcceptedMessage, CountingSink } from './countingSink';
import { Progress } from './progress';
import { generateShop, numberArg, rewriteShare, serverVersion } from './shopData';

const smoke = process.argv.includes('--smoke');
const P = numberArg('products', smoke ? 2_000 : 100_000);
const W = numberArg('wishlists', smoke ? 20_000 : 1_000_000);
const U = numberArg('users', Math.max(10, Math.round(W / 5)));
const MINUTES = numberArg('minutes', smoke ? 0.25 : 3);
const RESTOCKS = numberArg('restocks', smoke ? 4 : 30);
const SALES = numberArg('sales', smoke ? 2 : 15);
const SCHEDULED = numberArg('scheduled', smoke ? 2 : 15);
const STOREWIDE = numberArg('storewide', smoke ? 200 : 10_000);
const IDLE_SECONDS = numberArg('idle-seconds', smoke ? 10 : 60);
const SEED = numberArg('seed', Date.now() % 1_000_000);
// The server's defaults, except in the smoke run, which cannot wait two minutes per sale.
const SALE_SETTLE_S = smoke ? 5 : 120;
const WATCH_INTERVAL_S = 5;
// Out of stock when the data is built: the single restocks and both storewide restocks come from here.
const OUT_OF_STOCK = 0.25;
const EU = 0.3;
const YOUNG = numberArg('young', 0.3);
const inEu = (id: string) => `abs(hashint4(${id} + ${P})) % 1000 < ${Math.round(EU * 1000)}`;
const outOfStock = (id: string) => `abs(hashint4(-${id})) % 1000 < ${Math.round(OUT_OF_STOCK * 1000)}`;

const ROOT = path.resolve(__dirname, '../../..');
const APP = 'wl-latency-bench'; // this process's connections, told apart from the server's
const ADMIN_TOKEN = 'latency-bench-admin-token-0123456789';
const UNSUBSCRIBE_SECRET = 'latency-bench-unsubscribe-secret-0123456789';

const n = (v: number) => v.toLocaleString('en-US');
const sec = (t: number) => `${(t / 1000).toFixed(1)} s`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A small seeded generator, so a run's choices can be repeated with --seed. */
function random(seed: number): () => number {
  let a = seed >>> 0 || 1;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = random(SEED);
function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}


interface ServerChild {
  child: ChildProcess;
  port: number;
  output(): string;
  stop(): Promise<void>;
}

/** Starts the compiled server, as production would, and waits until it listens. */
async function startServer(env: Record<string, string>): Promise<ServerChild> {
  const child = spawn(process.execPath, ['--enable-source-maps', path.join(ROOT, 'dist/server/src/index.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const started = Date.now();
  for (;;) {
    const m = out.match(/listening on http:\/\/[^\s:]+:(\d+)/);
    if (m) {
      return {
        child,
        port: Number(m[1]),
        output: () => out,
        async stop() {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      };
    }
    if (child.exitCode !== null || Date.now() - started > 60_000) {
      child.kill('SIGKILL');
      throw new Error(`the server did not start:\n${out.slice(-4000)}`);
    }
    await sleep(50);
  }
}

/** Peak RSS of a process (VmHWM), in MB, or null. */
function peakRssMb(pid: number | undefined): number | null {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

interface IdleCost {
  seconds: number;
  backendCpuMs: number | null;
  activeMs: number;
  transactions: number;
  /** A look as the watch makes it while nothing changes (the counters read, then the clock's rules). */
  idleLookMs: number[];
  /** A look that reads the rows (as after a write). */
  lookMs: number[];
  scheduledRuns: number;
}

/**
 * The database time the server costs while nothing changes: its backends' CPU (sampled from
 * /proc every half second: the database must run on this machine), the active time and the
 * transactions pg_stat_database counts for the bench database (this process sends nothing
 * to it meanwhile), then the watch's look query timed from here.
 */
async function idleCost(admin: Client, pool: Pool, db: string, seconds: number, timezone: string): Promise<IdleCost> {
  const stats = async () =>
    (await admin.query(`SELECT active_time, xact_commit + xact_rollback AS xacts FROM pg_stat_database WHERE datname = $1`, [db])).rows[0];
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  let readable = true;
  const sample = async () => {
    const { rows } = await admin.query(
      `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend' AND application_name <> $2`, [db, APP]);
    for (const { pid } of rows) {
      const t = cpuTicks(pid);
      if (t === null) {
        readable = false;
        continue;
      }
      if (!first.has(pid)) first.set(pid, t);
      last.set(pid, t);
    }
  };
  // pg_stat_database is written when a backend reports its statistics (within a few seconds).
  await sleep(2000);
  const before = await stats();
  const started = Date.now();
  const bar = new Progress(`idle (${seconds} s)`, seconds);
  while (Date.now() - started < seconds * 1000) {
    await sample();
    await sleep(500);
    bar.set(Math.floor((Date.now() - started) / 1000));
  }
  await sample();
  const elapsed = (Date.now() - started) / 1000;
  bar.finish();
  await sleep(2000);
  const after = await stats();
  let cpu = 0;
  for (const [pid, t] of last) cpu += t - (first.get(pid) ?? t);
  const scheduledRuns = Number((await pool.query(
    `SELECT count(*)::int AS n FROM wishlist_alert_runs WHERE started_at > now() - make_interval(secs => $1::float8)`, [elapsed + 4])).rows[0].n);
  // The look's own statements, as the watch sends them (from the server's last look): with
  // the counters as they are (nothing written: the rows are not read), and without them.
  const settings = { timezone, saleSettleSeconds: SALE_SETTLE_S, stockSettleSeconds: 0 };
  const lookMs: number[] = [];
  const idleLookMs: number[] = [];
  for (let i = 0; i < 10; i++) {
    let t = performance.now();
    const writes = await productWrites(pool);
    await withTransaction(pool, (c) => changedProducts(c, new Date(), { ...settings, writes }));
    idleLookMs.push(performance.now() - t);
    await withTransaction(pool, async (c) => {
      t = performance.now();
      await changedProducts(c, new Date(), { ...settings, writes: null });
      lookMs.push(performance.now() - t);
    });
  }
  lookMs.sort((a, b) => a - b);
  idleLookMs.sort((a, b) => a - b);
  return {
    seconds: elapsed,
    backendCpuMs: readable && first.size > 0 ? cpu * TICK_MS : null,
    activeMs: Number(after.active_time) - Number(before.active_time),
    transactions: Number(after.xacts) - Number(before.xacts),
    idleLookMs,
    lookMs,
    scheduledRuns,
  };
}

type Kind = 'restock' | 'sale' | 'sale by start date';

interface Change {
  kind: Kind;
  productId: number;
  at: number; // ms offset from the start of the changes
  expected: number; // wishlisters due an alert
  changedAt: number | null; // Date.now() of the change (for a sale by the clock: its start date)
  accepted: number[];
  recipients: Set<string>;
}

/** The product ids an email names ("Product 123"), once each; quoted-printable soft breaks removed first. */
function productsIn(data: Buffer): Set<number> {
  const text = data.toString('latin1').replace(/=\r?\n/g, '');
  const ids = new Set<number>();
  for (const m of text.matchAll(/Product (\d+)(?!\d)/g)) ids.add(Number(m[1]));
  return ids;
}

interface Storewide {
  products: number;
  items: number;
  emails: number;
  firstMs: number;
  lastMs: number;
  held: number;
}

/** Waits until every item of these products was queued and no message of theirs is due and unsent, and the sink has been quiet. */
async function storewideDone(
  pool: Pool, sink: CountingSink, ids: number[], expected: number, started: number, deadlineMs: number, problem: () => unknown,
) {
  let quietSince = Date.now();
  let lastCount = -1;
  for (;;) {
    await sleep(1000);
    const err = problem();
    if (err) throw err;
    if (sink.messages !== lastCount) {
      lastCount = sink.messages;
      quietSince = Date.now();
    }
    const { rows } = await pool.query(
      `SELECT count(*)::int AS items,
              count(*) FILTER (WHERE m.status = 'sending' OR (m.status = 'pending' AND m.next_attempt_at <= now()))::int AS waiting,
              count(*) FILTER (WHERE m.status = 'pending' AND m.next_attempt_at > now())::int AS held
         FROM wishlist_alert_items i JOIN wishlist_alert_messages m ON m.id = i.message_id
        WHERE i.kind = 'stock' AND i.product_id = ANY($1::int[])`, [ids]);
    const r = rows[0];
    if (r.items >= expected && r.waiting === 0 && Date.now() - quietSince > 3000) return r.held as number;
    if (Date.now() - started > deadlineMs) throw new Error(`storewide restock not delivered after ${sec(deadlineMs)}: ${JSON.stringify(r)}`);
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const server = await openServer({ stopOnSignal: true });
  const name = `wl_latency_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: server.adminUrl, application_name: APP });
  admin.on('error', () => undefined);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  server.onInterrupt(() => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined));
  const url = databaseUrl(server.adminUrl, name);
  // This process's own connections carry a name; the server's (on `url`) do not.
  const ours = new URL(url);
  ours.searchParams.set('application_name', APP);
  const pool = createPool(ours.toString(), silentLogger(), { max: 4 });
  const sink = await CountingSink.start();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wl-latency-'));
  let app: ServerChild | null = null;
  let failed = false;
  const serverEnv = (watch: boolean): Record<string, string> => ({
    NODE_ENV: 'development',
    DATABASE_URL: url,
    SMTP_URL: sink.url,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    INSTANCE_ID: 'latency-bench',
    ADMIN_API_TOKEN: ADMIN_TOKEN,
    UNSUBSCRIBE_SECRET,
    PUBLIC_URL: 'https://alerts.simfab.example',
    FRONTEND_URL: 'https://simfab.example',
    FRONTEND_URL_EU: 'https://eu.simfab.example',
    MAIL_FROM: 'Wishlist Alerts <wishlist@simfab.example>',
    DATA_DIR: dataDir,
    WISHLIST_WATCH_ENABLED: String(watch),
    ...(smoke ? { WISHLIST_SALE_SETTLE_SECONDS: String(SALE_SETTLE_S) } : {}),
  });
  try {
    await prepareDatabase(pool, { nodeEnv: 'test' }, silentLogger());
    const version = await serverVersion(pool);
    process.stderr.write(`on ${version}\n`);
    const timezone = await shopTimezone(pool, undefined);
    const genStarted = Date.now();
    // Like the main bench's, with a quarter of the products out of stock and none on sale.
    await generateShop(pool, { users: U, products: P, wishlists: W, inEu, outOfStock });
    // The module has been watching the shop: it observed these products before any change.
    await withTransaction(pool, (c) => observeProducts(c, new Date(), timezone, null));
    await pool.query('VACUUM ANALYZE');
    // The shop sells: a share of its products' rows were rewritten since (young, unfrozen).
    await rewriteShare(pool, P, YOUNG);
    const genMs = Date.now() - genStarted;

    // The products each change will touch, chosen before the server starts.
    const soldOut = shuffle((await pool.query(`SELECT id FROM products WHERE in_stock = '0' ORDER BY id`)).rows.map((r) => r.id as number));
    const inStock = shuffle((await pool.query(`SELECT id FROM products WHERE in_stock = '1' ORDER BY id`)).rows.map((r) => r.id as number));
    if (soldOut.length < RESTOCKS + 2 * STOREWIDE) throw new Error(`only ${soldOut.length} products out of stock for ${RESTOCKS} + 2 × ${STOREWIDE} restocks`);
    const span = MINUTES * 60_000;
    const changes: Change[] = [];
    const add = (kind: Kind, ids: number[]) => {
      for (const productId of ids) changes.push({ kind, productId, at: rand() * span, expected: 0, changedAt: null, accepted: [], recipients: new Set() });
    };
    add('restock', soldOut.slice(0, RESTOCKS));
    add('sale', inStock.slice(0, SALES));
    add('sale by start date', inStock.slice(SALES, SALES + SCHEDULED));
    changes.sort((a, b) => a.at - b.at);
    for (const c of changes) {
      c.expected = Number((await pool.query(
        `SELECT count(*)::int AS n FROM wishlists WHERE product_id = $1 AND ${c.kind === 'restock' ? 'notify_on_stock' : 'notify_on_sale'}`,
        [c.productId])).rows[0].n);
    }
    // A product nobody wishlisted has no alert to wait for.
    for (let i = changes.length - 1; i >= 0; i--) if (changes[i].expected === 0) changes.splice(i, 1);
    const storewideWatch = soldOut.slice(RESTOCKS, RESTOCKS + STOREWIDE);
    const storewideCheck = soldOut.slice(RESTOCKS + STOREWIDE, RESTOCKS + 2 * STOREWIDE);
    const byProduct = new Map(changes.map((c) => [c.productId, c]));
    sink.keepData = true;
    sink.onAccepted = (m: AcceptedMessage) => {
      if (!m.data) return;
      for (const id of productsIn(m.data)) {
        const c = byProduct.get(id);
        if (!c || c.changedAt === null) continue;
        c.accepted.push(m.at);
        for (const r of m.to) c.recipients.add(r);
      }
    };

    // The server, with its defaults; its first look takes every product.
    const bootStarted = Date.now();
    app = await startServer(serverEnv(true));
    process.stderr.write(`server listening on port ${app.port}; waiting for its first looks\n`);
    const looks = async () => (await pool.query(`SELECT looked_at FROM wishlist_alert_watch`)).rows[0]?.looked_at as Date | null;
    while (!(await looks())) await sleep(200);
    const firstLookMs = Date.now() - bootStarted;
    await sleep(2 * WATCH_INTERVAL_S * 1000 + 1000);
    if (sink.messages > 0) throw new Error(`the server sent ${sink.messages} emails with nothing changed`);

    const idle = await idleCost(admin, pool, name, IDLE_SECONDS, timezone);

    // The changes, at their random moments.
    const t0 = Date.now();
    const bar = new Progress(`changes (${changes.length} over ${MINUTES} min)`, changes.length);
    for (const c of changes) {
      const wait = t0 + c.at - Date.now();
      if (wait > 0) await sleep(wait);
      if (c.kind === 'restock') {
        await pool.query(`UPDATE products SET stock = 25, in_stock = '1' WHERE id = $1`, [c.productId]);
        c.changedAt = Date.now();
      } else if (c.kind === 'sale') {
        await pool.query(`UPDATE products SET is_on_sale = true, sale_price = round((regular_price * 0.8)::numeric, 2) WHERE id = $1`, [c.productId]);
        c.changedAt = Date.now();
      } else {
        // The shop's sale dates are its local time, in the database's zone.
        const { rows } = await pool.query(
          `UPDATE products SET is_on_sale = true, sale_price = round((regular_price * 0.8)::numeric, 2),
                  sale_start_date = (now() AT TIME ZONE $2::text) + make_interval(secs => $3::float8)
            WHERE id = $1 RETURNING sale_start_date AT TIME ZONE $2::text AS starts`,
          [c.productId, timezone, smoke ? 3 + rand() * 5 : 15 + rand() * 30]);
        c.changedAt = (rows[0].starts as Date).getTime();
      }
      bar.tick();
    }
    bar.finish();
    // Every alert, or each change's deadline: a minute and a half after its settle time.
    const deadline = (c: Change) => c.changedAt! + (c.kind === 'restock' ? 0 : SALE_SETTLE_S * 1000) + 90_000;
    const done = (c: Change) => c.recipients.size >= c.expected;
    const waitBar = new Progress('waiting for the alerts', changes.length);
    while (changes.some((c) => !done(c) && Date.now() < deadline(c))) {
      waitBar.set(changes.filter(done).length);
      await sleep(500);
    }
    waitBar.finish();

    // A storewide restock, found by the watch.
    let triggerError: unknown = null;
    const storewide = async (ids: number[], start: () => Promise<void>): Promise<Storewide> => {
      sink.keepData = false;
      await sleep(3000); // the previous phase's last emails
      const items = Number((await pool.query(
        `SELECT count(*)::int AS n FROM wishlists WHERE product_id = ANY($1::int[]) AND notify_on_stock`, [ids])).rows[0].n);
      const times: number[] = [];
      sink.onAccepted = (m) => times.push(m.at);
      const counted = sink.messages;
      await pool.query(`UPDATE products SET stock = 25, in_stock = '1' WHERE id = ANY($1::int[])`, [ids]);
      const changedAt = Date.now();
      await start();
      const held = await storewideDone(pool, sink, ids, items, changedAt, 30 * 60_000, () => triggerError);
      sink.onAccepted = null;
      return {
        products: ids.length, items, emails: sink.messages - counted, held,
        firstMs: times.length ? times[0] - changedAt : NaN, lastMs: times.length ? times[times.length - 1] - changedAt : NaN,
      };
    };
    process.stderr.write(`storewide restock of ${n(STOREWIDE)} products, found by the watch\n`);
    const byWatch = await storewide(storewideWatch, async () => undefined);
    const serverPeakMb = peakRssMb(app.child.pid);
    await app.stop();

    // The same size again, found by the scheduled stock check (the watch off), triggered at once.
    app = await startServer(serverEnv(false));
    process.stderr.write(`storewide restock of ${n(STOREWIDE)} products, found by the stock check\n`);
    const byCheck = await storewide(storewideCheck, async () => {
      fetch(`http://127.0.0.1:${app!.port}/api/admin/wishlist-jobs/trigger-stock-check`, {
        method: 'POST', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
      }).then(
        async (res) => (res.ok ? undefined : (triggerError = new Error(`the stock check's trigger answered ${res.status}: ${await res.text()}`))),
        // The answer comes when the run ends; a client that gives up waiting first changes nothing.
        () => undefined,
      );
    });
    const checkPeakMb = peakRssMb(app.child.pid);
    const scheduledRuns = Number((await pool.query(
      `SELECT count(*)::int AS n FROM wishlist_alert_runs WHERE trigger <> 'manual'`)).rows[0].n);
    await app.stop();
    app = null;

    // The results.
    const problems: string[] = [];
    const rows: Array<[string, string]> = [
      ['database', version],
      ['data', `${n(W)} wishlists, ${n(P)} products (${Math.round(OUT_OF_STOCK * 100)}% out of stock, ${Math.round(YOUNG * 100)}% rewritten after VACUUM), ${n(U)} users (built in ${sec(genMs)}); seed ${SEED}`],
      ['server', `compiled, watch every ${WATCH_INTERVAL_S} s, sale settle ${SALE_SETTLE_S} s, stock settle 0 s; first look (every product) done ${sec(firstLookMs)} after the start`],
    ];
    const share = (ms: number) => `${((ms / (idle.seconds * 1000)) * 100).toFixed(2)}% of one core`;
    const perMin = (ms: number) => `${(ms / (idle.seconds / 60)).toFixed(0)} ms/min`;
    rows.push(['idle: server backends\' CPU', idle.backendCpuMs === null ? 'n/a (the database is not on this machine)'
      : `${perMin(idle.backendCpuMs)} (${share(idle.backendCpuMs)}) over ${idle.seconds.toFixed(0)} s`]);
    rows.push(['idle: database active time', `${perMin(idle.activeMs)} (${share(idle.activeMs)}); ${n(Math.round(idle.transactions / (idle.seconds / 60)))} transactions/min` +
      (idle.scheduledRuns ? `; ${idle.scheduledRuns} scheduled check(s) ran in the window` : '')]);
    const lookLine = (times: number[]) => {
      const median = quantile(times, 0.5);
      return `median ${median.toFixed(1)} ms, max ${times[times.length - 1].toFixed(1)} ms ` +
        `(× ${60 / WATCH_INTERVAL_S} looks/min: ${(median * 60 / WATCH_INTERVAL_S).toFixed(0)} ms/min, ${((median / (WATCH_INTERVAL_S * 1000)) * 100).toFixed(2)}% of one core)`;
    };
    rows.push(['idle: a look, nothing written', lookLine(idle.idleLookMs)]);
    rows.push(['a look reading the rows', lookLine(idle.lookMs)]);
    const latencies: Partial<Record<Kind, number[]>> = {};
    for (const kind of ['restock', 'sale', 'sale by start date'] as Kind[]) {
      const of = changes.filter((c) => c.kind === kind);
      if (of.length === 0) continue;
      const complete = of.filter(done);
      const last = complete.map((c) => Math.max(...c.accepted) - c.changedAt!).sort((a, b) => a - b);
      const first = of.filter((c) => c.accepted.length > 0).map((c) => Math.min(...c.accepted) - c.changedAt!).sort((a, b) => a - b);
      latencies[kind] = last;
      const missing = of.length - complete.length;
      if (missing) problems.push(`${kind}: ${missing} of ${of.length} changes did not reach every wishlister in time`);
      rows.push([`${kind} → last alert accepted`, `median ${sec(quantile(last, 0.5))}, p95 ${sec(quantile(last, 0.95))}, max ${sec(last[last.length - 1])}` +
        `  (${complete.length} of ${of.length} changes, ${n(of.reduce((s, c) => s + c.expected, 0))} alerts; first alert: median ${sec(quantile(first, 0.5))})`]);
    }
    const rate = (s: Storewide) => s.emails / (s.lastMs / 1000);
    const flow = (s: Storewide) => s.emails / ((s.lastMs - s.firstMs) / 1000);
    const describe = (s: Storewide) =>
      `${n(s.emails)} emails (${n(s.items)} items): first ${sec(s.firstMs)}, last ${sec(s.lastMs)} after the UPDATE; ` +
      `${n(Math.round(rate(s)))} emails/s from the change, ${n(Math.round(flow(s)))} emails/s first to last` + (s.held ? `; ${n(s.held)} items held by the daily cap` : '');
    rows.push([`storewide restock (${n(STOREWIDE)}): watch`, describe(byWatch)]);
    rows.push([`storewide restock (${n(STOREWIDE)}): stock check`, describe(byCheck)]);
    rows.push(['watch / stock check (emails/s)', `${(rate(byWatch) / rate(byCheck)).toFixed(2)}× from the change, ${(flow(byWatch) / flow(byCheck)).toFixed(2)}× first to last`]);
    rows.push(['server peak RSS', `${serverPeakMb ?? 'n/a'} MB with the watch, ${checkPeakMb ?? 'n/a'} MB for the stock check`]);
    if (!smoke) {
      const p95 = (k: Kind) => quantile(latencies[k] ?? [], 0.95);
      const max = (k: Kind) => { const l = latencies[k] ?? []; return l[l.length - 1]; };
      const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
      const saleP95 = Math.max(p95('sale'), p95('sale by start date'));
      const idleShare = (idle.backendCpuMs ?? idle.activeMs) / (idle.seconds * 1000);
      rows.push(['targets', `restock p95 ≤ 15 s and max ≤ 60 s: ${met(p95('restock') <= 15_000 && max('restock') <= 60_000)}; ` +
        `sale p95 ≤ ${SALE_SETTLE_S + 15} s: ${met(saleP95 <= (SALE_SETTLE_S + 15) * 1000)}; idle ≤ 1% of one core: ${met(idleShare <= 0.01)}`]);
    }
    if (scheduledRuns) rows.push(['note', `${scheduledRuns} scheduled or catch-up check(s) ran during the bench`]);
    rows.push(['complete', problems.length ? `NO: ${problems.join('; ')}` : 'yes: every change reached every wishlister']);
    rows.push(['total time', sec(Date.now() - started)]);
    const width = Math.max(...rows.map(([k]) => k.length));
    process.stdout.write(`\n${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`);
    failed = problems.length > 0;
  } catch (err) {
    if (app) process.stderr.write(`\nthe server's last output:\n${app.output().slice(-4000)}\n`);
    throw err;
  } finally {
    await app?.stop();
    await sink.stop();
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  process.stderr.write(`\nlatency bench failed: ${err?.stack ?? err}\n`);
  process.exit(1);
});
