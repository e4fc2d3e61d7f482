import { startServer } from '../support/serverProcess';
import { processFixture } from '../support/processFixture';
import { runStarted } from '../support/waitFor';

describe('server lifecycle across restarts', () => {
  const f = processFixture();

  async function lastRanHoursAgo(hours: number) {
    await f.db.pool.query(
      `INSERT INTO wishlist_alert_runs (job, slot, trigger, instance_id, status, started_at, finished_at, lease_until)
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
      DATABASE_URL: f.db.url,
      SMTP_URL: f.sink.url,
      WISHLIST_MISSED_RUN_POLICY: String(policy),
      WISHLIST_STOCK_CHECK_SCHEDULE: '0 * * * *',
    });
    f.servers.push(server);
    await server.waitFor(/Missed runs looked at/);
    const { rows } = await f.db.pool.query(`SELECT job, slot FROM wishlist_alert_runs WHERE trigger = 'catch-up' AND status = 'succeeded' ORDER BY job`);
    expect(rows).toHaveLength(expected);
    for (const row of rows) expect(row.slot.getUTCMinutes()).toBe(0);
    if (expected) expect(server.output()).toContain('missed its run at');
    expect(await server.stop()).toBe(0);
  }, 90_000); // a bound on liveness: servers start slowly on a loaded machine

  test('SIGTERM lets the run in progress finish, stops ticking, and exits 0', async () => {
    const server = await startServer({ DATABASE_URL: f.db.url, SMTP_URL: f.sink.url, WISHLIST_STOCK_CHECK_ENABLED: 'false' });
    f.servers.push(server);
    const locker = await f.db.pool.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE products IN ACCESS EXCLUSIVE MODE');
    const trigger = server.post('/api/admin/wishlist-jobs/trigger-sale-check');
    await runStarted(f.db);
    server.child.kill('SIGTERM');
    await server.waitFor(/Waiting for 1 job run\(s\) in progress/);
    expect(server.child.exitCode).toBeNull(); // still waiting for the run
    await locker.query('COMMIT');
    locker.release();
    expect((await trigger).status).toBe(200);
    expect(await server.exited).toBe(0);
    const { rows } = await f.db.pool.query('SELECT status FROM wishlist_alert_runs');
    expect(rows).toEqual([{ status: 'succeeded' }]);
  }, 90_000); // a bound on liveness: servers start slowly on a loaded machine

  test('SIGTERM with a run that outlasts SHUTDOWN_TIMEOUT_MS marks it abandoned and still exits 0', async () => {
    const server = await startServer({ DATABASE_URL: f.db.url, SMTP_URL: f.sink.url, SHUTDOWN_TIMEOUT_MS: '800', WISHLIST_STOCK_CHECK_ENABLED: 'false' });
    f.servers.push(server);
    const locker = await f.db.pool.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE products IN ACCESS EXCLUSIVE MODE');
      const trigger = server.post('/api/admin/wishlist-jobs/trigger-sale-check');
      await runStarted(f.db);
      server.child.kill('SIGTERM');
      // The request that started the run is answered, not cut off: 503, saying why.
      expect(await trigger).toEqual({
        status: 503,
        body: { success: false, error: expect.stringMatching(/^The wishlist-sale-check run was abandoned: the instance shut down .*SHUTDOWN_TIMEOUT_MS=800/) },
      });
      expect(await server.exited).toBe(0);
      const { rows } = await f.db.pool.query('SELECT status, error FROM wishlist_alert_runs');
      expect(rows).toEqual([{ status: 'abandoned', error: expect.stringContaining('SHUTDOWN_TIMEOUT_MS=800') }]);
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
  }, 90_000); // a bound on liveness: servers start slowly on a loaded machine

  test('SIGTERM with a run cut off: nothing queries the pool after it ends (its lease heartbeat included)', async () => {
    // A short lease renews every third of a second: before, renewals of the cut-off run hit the ended pool.
    const server = await startServer({
      DATABASE_URL: f.db.url, SMTP_URL: f.sink.url, SHUTDOWN_TIMEOUT_MS: '300', WISHLIST_LEASE_SECONDS: '1', WISHLIST_STOCK_CHECK_ENABLED: 'false',
    });
    f.servers.push(server);
    const locker = await f.db.pool.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE products IN ACCESS EXCLUSIVE MODE');
      void server.post('/api/admin/wishlist-jobs/trigger-sale-check').catch(() => undefined);
      await runStarted(f.db);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(server.output()).toContain('Stopped');
      expect(server.output()).not.toContain('Cannot use a pool after calling end on the pool');
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
  }, 90_000); // a bound on liveness: servers start slowly on a loaded machine
});
