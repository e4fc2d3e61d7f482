import { SmtpSink } from '../support/smtpSink';
import { ServerProcess, startServer } from '../support/serverProcess';
import { createTestDatabase, TestDatabase } from '../support/testDatabase';

describe('server lifecycle across restarts', () => {
  let db: TestDatabase;
  let sink: SmtpSink;
  const servers: ServerProcess[] = [];
  beforeEach(async () => {
    db = await createTestDatabase();
    sink = await SmtpSink.start();
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) s.child.kill('SIGKILL');
    await sink.stop();
    await db.drop();
  });

  async function lastRanHoursAgo(hours: number) {
    await db.pool.query(
      `INSERT INTO wishlist_job_runs (job, slot, trigger, instance_id, status, started_at, finished_at, lease_until)
       SELECT job, date_trunc('hour', now()) - make_interval(hours => $1), 'scheduled', 'before-downtime', 'succeeded',
              date_trunc('hour', now()) - make_interval(hours => $1), date_trunc('hour', now()) - make_interval(hours => $1), now()
         FROM unnest(ARRAY['wishlist-sale-check', 'wishlist-stock-check']) AS job`,
      [hours],
    );
  }

  test.each([
    ['once', 2],
    ['skip', 0],
  ])('with WISHLIST_MISSED_RUN_POLICY=%s, ticks missed while the server was down run %i time(s) after boot', async (policy, expected) => {
    await lastRanHoursAgo(3);
    const server = await startServer({
      DATABASE_URL: db.url,
      SMTP_URL: sink.url,
      WISHLIST_MISSED_RUN_POLICY: String(policy),
      WISHLIST_STOCK_CHECK_SCHEDULE: '0 * * * *',
    });
    servers.push(server);
    await new Promise((r) => setTimeout(r, 1500));
    const { rows } = await db.pool.query(`SELECT job, slot FROM wishlist_job_runs WHERE trigger = 'catch-up' AND status = 'succeeded' ORDER BY job`);
    expect(rows).toHaveLength(expected);
    for (const row of rows) expect(row.slot.getUTCMinutes()).toBe(0);
    if (expected) expect(server.output()).toContain('missed its run at');
    expect(await server.stop()).toBe(0);
  }, 30_000);

  test('SIGTERM lets the run in progress finish, stops ticking, and exits 0', async () => {
    const server = await startServer({ DATABASE_URL: db.url, SMTP_URL: sink.url, WISHLIST_STOCK_CHECK_ENABLED: 'false' });
    servers.push(server);
    const locker = await db.pool.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE products IN ACCESS EXCLUSIVE MODE');
    const trigger = server.post('/api/admin/wishlist-jobs/trigger-sale-check');
    await waitForRunning(db);
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    expect(server.child.exitCode).toBeNull(); // still waiting for the run
    await locker.query('COMMIT');
    locker.release();
    expect((await trigger).status).toBe(200);
    expect(await server.exited).toBe(0);
    const { rows } = await db.pool.query('SELECT status FROM wishlist_job_runs');
    expect(rows).toEqual([{ status: 'succeeded' }]);
  }, 30_000);

  test('SIGTERM with a run that outlasts SHUTDOWN_TIMEOUT_MS marks it abandoned and still exits 0', async () => {
    const server = await startServer({ DATABASE_URL: db.url, SMTP_URL: sink.url, SHUTDOWN_TIMEOUT_MS: '800', WISHLIST_STOCK_CHECK_ENABLED: 'false' });
    servers.push(server);
    const locker = await db.pool.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE products IN ACCESS EXCLUSIVE MODE');
      void server.post('/api/admin/wishlist-jobs/trigger-sale-check').catch(() => undefined);
      await waitForRunning(db);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      const { rows } = await db.pool.query('SELECT status, error FROM wishlist_job_runs');
      expect(rows).toEqual([{ status: 'abandoned', error: expect.stringContaining('SHUTDOWN_TIMEOUT_MS=800') }]);
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
  }, 30_000);
});

async function waitForRunning(db: TestDatabase): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await db.pool.query(`SELECT 1 FROM wishlist_job_runs WHERE status = 'running'`)).rowCount === 0) {
    if (Date.now() > deadline) throw new Error('the run did not start');
    await new Promise((r) => setTimeout(r, 30));
  }
}
