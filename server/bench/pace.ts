/**
 * npm run bench:pace [-- --rate 14,100,500 --seconds 20 --runs 3]
 *
 * Delivery at a provider's pace. For each rate R: a storewide sale whose alerts take about
 * `--seconds` at R, delivered by the module with WISHLIST_MAIL_RATE_PER_SECOND=R, twice: to
 * an SMTP server that takes everything (the pace achieved against R, from the first email
 * accepted to the last), and to one that refuses with 454 every email over R in the last
 * second, as a provider does (delivered, failed, and the extra attempts the refusals cost).
 * "Most in 1 s": the most emails the sink accepted within any one second (the cap holds when
 * it is at most R); the pace from the first acceptance to the last also counts the first
 * connection's setup against the first email, which makes it read a little above R.
 * Each run on a fresh database; the ranges over `--runs` runs.
 */
import os from 'os';
import path from 'path';
import { Client } from 'pg';
import { loadConfig } from '../src/config/config';
import { createPool, withTransaction } from '../src/db/pool';
import { prepareDatabase } from '../src/localDefaults';
import { silentLogger } from '../src/logger';
import { observeProducts } from '../src/db/observations';
import { CronService } from '../src/jobs/CronService';
import { createWishlistAlerts } from '../src/wishlistAlerts';
import { openServer } from '../test/support/postgresServer';
import { databaseUrl } from '../test/support/urls';
import { CountingSink } from './countingSink';
import { generateShop, numberArg, serverVersion } from './shopData';

const rateArg = process.argv.indexOf('--rate');
const RATES = (rateArg < 0 ? '14,100,500' : process.argv[rateArg + 1]).split(',').map(Number);
if (RATES.some((r) => !(r > 0))) throw new Error(`--rate needs rates above 0, comma-separated, got ${process.argv[rateArg + 1]}`);
const SECONDS = numberArg('seconds', 20);
const RUNS = numberArg('runs', 3);
const n = (v: number) => v.toLocaleString('en-US');

interface RunResult {
  emails: number;
  failed: number;
  pace: number;
  mostInASecond: number;
  refusals: number;
  wallS: number;
}

async function oneRun(adminUrl: string, rate: number, refusing: boolean): Promise<RunResult> {
  const emails = Math.max(50, Math.round(rate * SECONDS));
  const name = `wl_bench_pace_${process.pid}_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: adminUrl });
  admin.on('error', () => undefined);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const logger = silentLogger();
  const pool = createPool(databaseUrl(adminUrl, name), logger, { max: 10 });
  const sink = await CountingSink.start();
  const config = loadConfig({
    NODE_ENV: 'test', SMTP_URL: sink.url, INSTANCE_ID: 'bench', ADMIN_API_TOKEN: 'bench-admin-token-0123456789',
    UNSUBSCRIBE_SECRET: 'bench-unsubscribe-secret-0123456789abcdef', PUBLIC_URL: 'https://alerts.simfab.example',
    FRONTEND_URL: 'https://simfab.example', MAIL_FROM: 'Wishlist Alerts <wishlist@simfab.example>',
    DATA_DIR: path.join(os.tmpdir(), 'wishlist-alerts-bench'), WISHLIST_SALE_SETTLE_SECONDS: '0',
    WISHLIST_SALE_CHECK_ENABLED: 'false', WISHLIST_STOCK_CHECK_ENABLED: 'false', WISHLIST_WATCH_ENABLED: 'false',
    WISHLIST_MAIL_RATE_PER_SECOND: String(rate),
  });
  const cron = new CronService({ logger }); // never started
  const alerts = createWishlistAlerts({ pool, logger, cron, config, adminToken: config.adminApiToken!, unsubscribeSecret: 'bench-unsubscribe-secret-0123456789abcdef' });
  try {
    await prepareDatabase(pool, config, logger);
    await generateShop(pool, { users: emails, products: emails, wishlists: emails, inEu: () => 'false', outOfStock: () => 'false' });
    await withTransaction(pool, (c) => observeProducts(c, new Date(), 'UTC', null));
    await pool.query(`UPDATE products SET is_on_sale = true, sale_price = (regular_price::float8 * 0.8)::real`);
    if (refusing) sink.throttleAbove = rate;
    const started = Date.now();
    await alerts.notifications.checkSales();
    // A run that met too many refusals in a row leaves the rest for the next, as the jobs would run it.
    for (let i = 0; i < 50; i++) {
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM wishlist_alert_messages WHERE status IN ('pending', 'sending')`);
      if (rows[0].n === 0) break;
      await alerts.delivery.deliver('sale');
    }
    const wallS = (Date.now() - started) / 1000;
    const { rows: [r] } = await pool.query(
      `SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent, count(*) FILTER (WHERE status = 'failed')::int AS failed,
              coalesce(sum(attempts) FILTER (WHERE status = 'sent'), 0)::int AS attempts FROM wishlist_alert_messages`,
    );
    if (r.sent !== sink.messages) throw new Error(`${r.sent} messages recorded sent, ${sink.messages} accepted`);
    const pace = sink.messages > 1 ? ((sink.messages - 1) * 1000) / (sink.lastAt - sink.firstAt) : 0;
    return { emails: sink.messages, failed: r.failed, pace, mostInASecond: sink.mostInASecond, refusals: sink.throttled, wallS };
  } finally {
    await alerts.close();
    await pool.end();
    await sink.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

const range = (values: number[], digits = 1) => {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo.toFixed(digits) === hi.toFixed(digits) ? lo.toFixed(digits) : `${lo.toFixed(digits)}–${hi.toFixed(digits)}`;
};

async function main(): Promise<void> {
  const server = await openServer({ stopOnSignal: true });
  try {
    const probe = new Client({ connectionString: server.adminUrl });
    await probe.connect();
    process.stderr.write(`on ${await serverVersion(probe)}, ${RUNS} run(s) per line\n`);
    await probe.end();
    console.log('rate R  | sink             | emails  | pace achieved (emails/s) | % of R          | most in 1 s | failed | extra attempts');
    for (const rate of RATES) {
      for (const refusing of [false, true]) {
        const runs: RunResult[] = [];
        for (let i = 0; i < RUNS; i++) runs.push(await oneRun(server.adminUrl, rate, refusing));
        console.log([
          String(rate).padEnd(7),
          (refusing ? 'refuses over R' : 'takes all').padEnd(16),
          n(runs[0].emails).padEnd(7),
          range(runs.map((r) => r.pace)).padEnd(24),
          `${range(runs.map((r) => (r.pace / rate) * 100))} %`.padEnd(15),
          String(Math.max(...runs.map((r) => r.mostInASecond))).padEnd(11),
          String(Math.max(...runs.map((r) => r.failed))).padEnd(6),
          `${range(runs.map((r) => (r.refusals / r.emails) * 100), 2)} %`,
        ].join(' | '));
      }
    }
  } finally {
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
