import request from 'supertest';
import { createApp } from '../../src/http/app';
import { CronService } from '../../src/jobs/CronService';
import { silentLogger } from '../../src/logger';
import { createPool } from '../../src/db/pool';
import { addToWishlist, insertProduct, insertUser, startSale } from '../support/factories';
import { ADMIN_TOKEN, Stack, startStack, UNSUBSCRIBE_SECRET } from '../support/stack';
import { waitFor } from '../support/waitFor';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

describe('admin API /api/admin/wishlist-jobs', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({ WISHLIST_STOCK_CHECK_ENABLED: 'false', WISHLIST_JOBS_TIMEZONE: 'UTC' });
  });
  afterAll(() => s.close());

  test.each([
    ['GET', '/status'],
    ['POST', '/trigger-sale-check'],
    ['POST', '/trigger-stock-check'],
  ])('%s %s without a token, or with a wrong one, answers 401', async (method, path) => {
    const url = `/api/admin/wishlist-jobs${path}`;
    const call = () => (method === 'GET' ? request(s.app).get(url) : request(s.app).post(url));
    const none = await call();
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ success: false, error: expect.stringContaining('Authorization: Bearer') });
    expect((await call().set('Authorization', `Bearer ${ADMIN_TOKEN}x`)).status).toBe(401);
    expect((await call().set('Authorization', ADMIN_TOKEN)).status).toBe(401);
  });

  test('GET /status shows both jobs with their config, true next runs and last result', async () => {
    const user = await insertUser(s.db.pool);
    const p = await insertProduct(s.db.pool, { regularPrice: 100 });
    await addToWishlist(s.db.pool, user.id, p);
    await startSale(s.db.pool, p, 80);
    await request(s.app).post('/api/admin/wishlist-jobs/trigger-sale-check').set(auth).expect(200);

    const res = await request(s.app).get('/api/admin/wishlist-jobs/status').set(auth).expect(200);
    expect(res.body.success).toBe(true);
    const { saleCheck, stockCheck } = res.body.data;
    expect(saleCheck).toMatchObject({
      name: 'wishlist-sale-check',
      enabled: true,
      schedule: '0 * * * *',
      timezone: 'UTC',
      description: 'Check wishlist items for sales and send notifications',
      running: false,
      lastResult: { checked: 1, notified: 1, emails: 1, errors: 0 },
      lastRun: expect.objectContaining({ trigger: 'manual', status: 'succeeded' }),
    });
    const next = new Date(saleCheck.nextRun);
    expect(next.getUTCMinutes()).toBe(0);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(3600_000);
    expect(saleCheck.nextRuns).toHaveLength(3);
    expect(stockCheck).toMatchObject({ name: 'wishlist-stock-check', enabled: false, nextRun: null, nextRuns: [] });
    expect(res.body.data.watch).toMatchObject({ enabled: true, intervalMs: 5000, health: 'healthy', lastHour: { looks: 0, products: 0, queued: 0 } });
    // Which mail server each store uses, as the boot banner says.
    expect(res.body.data.mail).toEqual({
      us: expect.stringMatching(/^SMTP_URL: smtp:\/\/127\.0\.0\.1:\d+, from SimFab <noreply@simfab\.com>/),
      eu: expect.stringMatching(/^SMTP_URL: smtp:\/\/127\.0\.0\.1:\d+, from SimFab EU <noreply@simfab\.com>/),
    });
  });

  test('POST /trigger-stock-check runs the check even when the job is disabled for scheduling', async () => {
    const res = await request(s.app).post('/api/admin/wishlist-jobs/trigger-stock-check').set(auth).expect(200);
    expect(res.body).toEqual({ success: true, data: expect.objectContaining({ notified: 0, errors: 0 }), message: 'Stock check completed' });
  });

  test('a trigger while that job is running answers 409', async () => {
    // Hold a run open: the check waits on a lock we hold on the products table.
    const client = await s.db.pool.connect();
    await client.query('BEGIN');
    await client.query('LOCK TABLE products IN ACCESS EXCLUSIVE MODE');
    const holder = request(s.app).post('/api/admin/wishlist-jobs/trigger-sale-check').set(auth).then((r) => r);
    await waitFor(() => s.cron.getJob('wishlist-sale-check')!.running, 'the run to start');
    const busy = await request(s.app).post('/api/admin/wishlist-jobs/trigger-sale-check').set(auth);
    await client.query('COMMIT');
    client.release();
    expect(busy.status).toBe(409);
    expect(busy.body).toEqual({ success: false, error: expect.stringContaining('already running') });
    expect((await holder).status).toBe(200);
  });

  test('unknown routes under /api answer 404 JSON, malformed JSON answers 400 JSON', async () => {
    const missing = await request(s.app).get('/api/admin/wishlist-jobs/nope').set(auth);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ success: false, error: 'Not found: GET /api/admin/wishlist-jobs/nope' });
    expect((await request(s.app).get('/api/anything')).body.success).toBe(false);
    const bad = await request(s.app)
      .post('/api/admin/wishlist-jobs/trigger-sale-check')
      .set(auth)
      .set('Content-Type', 'application/json')
      .send('{"oops":');
    expect(bad.status).toBe(400);
    expect(bad.type).toBe('application/json');
    expect(bad.body.error).toMatch(/^Malformed JSON/);
  });

  test('GET /healthz answers 200 when the database answers', async () => {
    const res = await request(s.app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', database: 'up' });
  });
});

describe('when the database cannot be reached', () => {
  test('a trigger answers 503 with the reason and /healthz answers 503', async () => {
    const s = await startStack();
    const logger = silentLogger();
    const deadPool = createPool('postgres://nobody@127.0.0.1:1/none', logger);
    const { createWishlistAlerts } = await import('../../src/wishlistAlerts');
    const { loadConfig } = await import('../../src/config/config');
    const cron = new CronService({ logger });
    const alerts = createWishlistAlerts({
      pool: deadPool, cron, logger, config: loadConfig({}), adminToken: ADMIN_TOKEN, unsubscribeSecret: UNSUBSCRIBE_SECRET,
    });
    const app = createApp({ logger, ...alerts });
    try {
      const res = await request(app).post('/api/admin/wishlist-jobs/trigger-sale-check').set(auth);
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ success: false, error: expect.stringMatching(/^Database unavailable: .*ECONNREFUSED/) });
      expect(cron.getJob('wishlist-sale-check')!.lastRun).toMatchObject({ status: 'failed' });
      const health = await request(app).get('/healthz');
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ status: 'unavailable', database: 'down' });
    } finally {
      await cron.stop();
      await deadPool.end();
      await s.close();
    }
  });
});
