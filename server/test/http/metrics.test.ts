import request from 'supertest';
import { CronService } from '../../src/jobs/CronService';
import { createApp } from '../../src/http/app';
import { silentLogger } from '../../src/logger';
import { addToWishlist, insertProduct, insertUser, startSale } from '../support/factories';
import { ADMIN_TOKEN, Stack, startStack } from '../support/stack';

describe('GET /metrics', () => {
  let s: Stack;
  beforeEach(async () => {
    // The watch is never started here: it would report itself not looking once the clock moves on.
    s = await startStack({ WISHLIST_WATCH_ENABLED: 'false' });
  });
  afterEach(() => s.close());

  const scrape = async () => {
    const res = await request(s.app).get('/metrics').set('Authorization', `Bearer ${ADMIN_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/plain');
    return res.text;
  };
  const value = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };

  test('runs, durations, items, emails, the outbox and the last success, in Prometheus text format, with process metrics', async () => {
    const before = await scrape();
    expect(value(before, 'wishlist_job_runs_total{job="wishlist-sale-check",status="succeeded"}')).toBe(0);
    expect(value(before, 'wishlist_outbox_messages{status="pending"}')).toBe(0);
    expect(before).not.toContain('wishlist_job_last_success_timestamp_seconds{');
    expect(before).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(before).toMatch(/^nodejs_heap_size_used_bytes \d/m);

    const ann = await insertUser(s.db.pool);
    const bob = await insertUser(s.db.pool);
    for (const user of [ann, bob]) {
      const p = await insertProduct(s.db.pool, { regularPrice: 100 });
      await addToWishlist(s.db.pool, user.id, p);
      await startSale(s.db.pool, p, 80);
    }
    s.sink.rejectRecipient = (address) => (address === bob.email ? { code: 550, message: 'no such user' } : null);
    await s.check('sale', 'http');
    await s.check('sale', 'http');

    const after = await scrape();
    expect(value(after, 'wishlist_job_runs_total{job="wishlist-sale-check",status="succeeded"}')).toBe(2);
    expect(value(after, 'wishlist_job_runs_total{job="wishlist-stock-check",status="succeeded"}')).toBe(0);
    expect(value(after, 'wishlist_job_run_duration_seconds_count{job="wishlist-sale-check"}')).toBe(2);
    expect(value(after, 'wishlist_items_checked_total{job="wishlist-sale-check"}')).toBe(4);
    expect(value(after, 'wishlist_items_notified_total{job="wishlist-sale-check"}')).toBe(1);
    expect(value(after, 'wishlist_emails_total{job="wishlist-sale-check",status="sent"}')).toBe(1);
    expect(value(after, 'wishlist_emails_total{job="wishlist-sale-check",status="failed"}')).toBe(1);
    expect(value(after, 'wishlist_outbox_messages{status="failed"}')).toBe(1);
    const last = value(after, 'wishlist_job_last_success_timestamp_seconds{job="wishlist-sale-check"}')!;
    expect(Math.abs(last - Date.now() / 1000)).toBeLessThan(120);
    expect(after).toContain('# TYPE wishlist_job_run_duration_seconds histogram');
  });

  test('needs the admin token unless METRICS_PUBLIC=true', async () => {
    expect((await request(s.app).get('/metrics')).status).toBe(401);
    const open = await startStack({ METRICS_PUBLIC: 'true' });
    try {
      const res = await request(open.app).get('/metrics');
      expect(res.status).toBe(200);
      expect(res.text).toContain('wishlist_job_runs_total');
    } finally {
      await open.close();
    }
  });

  test('with the database down, a scrape still answers with the process metrics and counters', async () => {
    const { createPool } = await import('../../src/db/pool');
    const { createWishlistAlerts } = await import('../../src/wishlistAlerts');
    const { loadConfig } = await import('../../src/config/config');
    const logger = silentLogger();
    const deadPool = createPool('postgres://nobody@127.0.0.1:1/none', logger);
    try {
      const cron = new CronService({ logger });
      const config = loadConfig({ METRICS_PUBLIC: 'true' });
      const alerts = createWishlistAlerts({ pool: deadPool, cron, logger, config, adminToken: ADMIN_TOKEN, unsubscribeSecret: 'x'.repeat(32) });
      const app = createApp({ logger, ...alerts });
      const res = await request(app).get('/metrics');
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/^process_cpu_user_seconds_total \d/m);
      expect(res.text).toContain('wishlist_job_runs_total{job="wishlist-sale-check",status="succeeded"} 0');
      expect(res.text).not.toContain('wishlist_outbox_messages{');
    } finally {
      await deadPool.end();
    }
  });

  test('/healthz reports the database and each job health; degraded (200) when an enabled job has not succeeded for twice its interval', async () => {
    const ok = await request(s.app).get('/healthz');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      status: 'ok',
      database: 'up',
      jobs: { 'wishlist-sale-check': { health: 'healthy', enabled: true }, 'wishlist-stock-check': { health: 'healthy' } },
    });
    s.clock.advanceHours(1.5); // the stock check (every 30 minutes) never succeeded: red; the sale check (hourly) not yet
    let res = await request(s.app).get('/healthz');
    expect(res.body).toMatchObject({ status: 'degraded', jobs: { 'wishlist-sale-check': { health: 'healthy' }, 'wishlist-stock-check': { health: 'failing' } } });
    await s.check('stock', 'http');
    // The run history is stamped by the database's clock; move the run to the test's clock.
    await s.db.pool.query(`UPDATE wishlist_alert_runs SET finished_at = $1 WHERE job = 'wishlist-stock-check'`, [s.clock.now()]);
    res = await request(s.app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
  });
});
