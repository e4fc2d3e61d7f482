import request from 'supertest';
import type { Express } from 'express';
import type { Pool, PoolClient } from 'pg';
import { loadConfig } from '../../src/config/config';
import { createPool } from '../../src/db/pool';
import { silentLogger } from '../../src/logger';
import { CronService } from '../../src/jobs/CronService';
import { PgRunCoordinator } from '../../src/jobs/PgRunCoordinator';
import { SALE_JOB } from '../../src/jobs/wishlistJobs';
import { createApp } from '../../src/http/app';
import { createWishlistAlerts, WishlistAlerts } from '../../src/wishlistAlerts';
import { ADMIN_TOKEN, UNSUBSCRIBE_SECRET } from '../support/stack';
import { SmtpSink } from '../support/smtpSink';
import { startTcpProxy, TcpProxy } from '../support/tcpProxy';
import { createTestDatabase, TestDatabase } from '../support/testDatabase';
import { runStarted, waitFor } from '../support/waitFor';

// Bounds a loaded machine meets with room to spare; without the watchdog the answers would
// come at the client's query timeout (the statement timeout, 60 s, and 5 s more), or never.
const READ_BOUND_MS = 10_000;
const TRIGGER_BOUND_MS = 20_000;
const NOT_ANSWERING = { success: false, error: expect.stringMatching(/^Database not answering/) };

describe('the admin API and the console while the database is frozen (connections open, nothing answered)', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let pool: Pool;
  let sink: SmtpSink;
  let cron: CronService;
  let alerts: WishlistAlerts;
  let app: Express;
  let locker: PoolClient;
  beforeEach(async () => {
    db = await createTestDatabase();
    proxy = await startTcpProxy(db.url);
    sink = await SmtpSink.start();
    // The server's settings as shipped: the statement timeout is 60 s.
    const config = loadConfig({
      ADMIN_API_TOKEN: ADMIN_TOKEN, PUBLIC_URL: 'https://shop.example', FRONTEND_URL: 'https://simfab.example',
      SMTP_URL: sink.url, WISHLIST_LEASE_SECONDS: '2', WISHLIST_WATCH_ENABLED: 'false',
    });
    pool = createPool(proxy.url, silentLogger());
    const logger = silentLogger();
    cron = new CronService({ logger, coordinator: new PgRunCoordinator(pool, 'instance-a', config.leaseMs) });
    alerts = createWishlistAlerts({ pool, logger, cron, config, adminToken: ADMIN_TOKEN, unsubscribeSecret: UNSUBSCRIBE_SECRET });
    app = createApp({ logger, ...alerts });
    locker = await db.pool.connect(); // straight to PostgreSQL, not through the proxy
  });
  afterEach(async () => {
    await locker.query('ROLLBACK');
    locker.release();
    await proxy.close(); // ends the frozen connections: what waited on them fails now
    await cron.stop();
    await alerts.close();
    await pool.end();
    await sink.stop();
    await db.drop();
  });

  const admin = (req: request.Test) => req.set('Authorization', `Bearer ${ADMIN_TOKEN}`);

  test('reads and a manual trigger answer 503 "Database not answering"; the run left behind is marked abandoned by the next claimant', async () => {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE products IN ACCESS EXCLUSIVE MODE'); // holds the check in the middle
    const trigger = admin(request(app).post('/api/admin/wishlist-jobs/trigger-sale-check')).timeout(TRIGGER_BOUND_MS);
    const triggered = trigger.then((r) => r);
    await runStarted(db);
    proxy.freeze();

    for (const path of ['/runs', '/status', '/notifications']) {
      const res = await admin(request(app).get(`/api/admin/wishlist-jobs${path}`)).timeout(READ_BOUND_MS);
      expect([path, res.status, res.body]).toEqual([path, 503, NOT_ANSWERING]);
    }
    const answer = await triggered;
    expect([answer.status, answer.body]).toEqual([503, NOT_ANSWERING]);
    // Again while the run is still in progress here: refused at once, as any second trigger is.
    expect((await admin(request(app).post('/api/admin/wishlist-jobs/trigger-sale-check')).timeout(READ_BOUND_MS)).status).toBe(409);

    // The run's row stays 'running' only until its lease runs out: another instance (its
    // own path to the database) claims the job then, and marks it abandoned.
    const other = new PgRunCoordinator(db.pool, 'instance-b', 2000);
    await locker.query('COMMIT');
    let claimed: string | null = null;
    await waitFor(async () => (claimed = await other.claim(SALE_JOB, { trigger: 'manual', scheduledAt: null, by: 'test' })) !== null,
      'the lease of the frozen run to run out', 20_000);
    const { rows } = await db.pool.query(`SELECT instance_id, status FROM wishlist_alert_runs ORDER BY id`);
    expect(rows).toEqual([{ instance_id: 'instance-a', status: 'abandoned' }, { instance_id: 'instance-b', status: 'running' }]);
    await db.pool.query(`UPDATE wishlist_alert_runs SET status = 'succeeded', finished_at = now() WHERE id = $1`, [claimed]);
  }, 60_000);

  test('the console shows the same message: its page, its state poll and its Run now', async () => {
    const signIn = await request(app).post('/admin/wishlist-jobs/sign-in').type('form').send({ token: ADMIN_TOKEN });
    const cookie = signIn.headers['set-cookie'];
    const page = await request(app).get('/admin/wishlist-jobs').set('Cookie', cookie).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(page.text)![1];
    proxy.freeze();

    const frozenPage = await request(app).get('/admin/wishlist-jobs').set('Cookie', cookie).set('Accept', 'text/html').timeout(READ_BOUND_MS);
    expect(frozenPage.status).toBe(503);
    expect(frozenPage.text).toMatch(/<p>Database not answering: no answer within 3 s<\/p>/);
    const state = await request(app).get('/admin/wishlist-jobs/state').set('Cookie', cookie).set('Accept', 'application/json').timeout(READ_BOUND_MS);
    expect([state.status, state.body]).toEqual([503, NOT_ANSWERING]);
    const run = await request(app).post(`/admin/wishlist-jobs/run/${SALE_JOB}`).set('Cookie', cookie)
      .set('X-CSRF-Token', csrf).set('Accept', 'application/json').timeout(TRIGGER_BOUND_MS);
    expect([run.status, run.body]).toEqual([503, NOT_ANSWERING]);

    proxy.thaw();
    await waitFor(async () => (await request(app).get('/admin/wishlist-jobs/state').set('Cookie', cookie).set('Accept', 'application/json')).status === 200,
      'the console to answer again', 20_000);
  }, 60_000);
});
