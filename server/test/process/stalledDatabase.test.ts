import { startServer } from '../support/serverProcess';
import { processFixture } from '../support/processFixture';
import { startTcpProxy, TcpProxy } from '../support/tcpProxy';
import { runStarted, waitFor } from '../support/waitFor';

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work;
  return { value, ms: Date.now() - started };
}

describe('a stalled database (its connection frozen: no answer, no close)', () => {
  const f = processFixture();
  let proxy: TcpProxy;
  beforeEach(async () => {
    proxy = await startTcpProxy(f.db.url);
  });
  afterEach(() => proxy.close());

  test('/healthz answers 503 within 5 s, the admin API answers 503 JSON (database not answering), the check in progress fails and is recorded; all works once it answers again', async () => {
    const server = await startServer({
      DATABASE_URL: proxy.url,
      SMTP_URL: f.sink.url,
      WISHLIST_SALE_CHECK_ENABLED: 'false',
      WISHLIST_STOCK_CHECK_ENABLED: 'false',
      DATABASE_STATEMENT_TIMEOUT_MS: '1000',
      WISHLIST_LEASE_SECONDS: '2',
    });
    f.servers.push(server);
    const locker = await f.db.pool.connect(); // straight to PostgreSQL, not through the proxy
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE products IN ACCESS EXCLUSIVE MODE'); // holds the check in the middle
      const trigger = timed(server.post('/api/admin/wishlist-jobs/trigger-sale-check'));
      await runStarted(f.db);
      proxy.freeze();

      const health = await timed(server.get('/healthz'));
      expect(health.value).toEqual({ status: 503, body: { status: 'unavailable', database: 'down' } });
      expect(health.ms).toBeLessThan(5000);

      const status = await timed(server.get('/api/admin/wishlist-jobs/runs'));
      expect(status.value).toEqual({ status: 503, body: { success: false, error: expect.stringMatching(/^Database not answering/) } });
      expect(status.ms).toBeLessThan(10_000);

      // The watchdog's answer, or the run's own failure at its query timeout, whichever comes first.
      const answer = await trigger;
      expect(answer.value).toEqual({ status: 503, body: { success: false, error: expect.stringMatching(/^Database (not answering|unavailable: )/) } });
      expect(answer.ms).toBeLessThan(20_000);
      await waitFor(() => /Query read timeout/.test(server.output()), 'the run to fail on its query timeout', 20_000); // logged
      await locker.query('COMMIT');
    } finally {
      locker.release();
    }

    proxy.thaw();
    await waitFor(async () => (await server.get('/healthz')).status === 200, '/healthz to answer 200 again', 20_000);
    // Lease renewals held by the frozen path arrive late and keep the dead run's lease a moment: 409 until it runs out.
    let next = { status: 0 };
    await waitFor(async () => (next = await server.post('/api/admin/wishlist-jobs/trigger-sale-check')).status !== 409, 'the lease of the failed run to run out', 10_000);
    expect(next.status).toBe(200);
    const { rows } = await f.db.pool.query(`SELECT status FROM wishlist_alert_runs ORDER BY id`);
    expect(rows.map((r) => r.status)).toEqual([expect.stringMatching(/^(failed|abandoned)$/), 'succeeded']);
    expect(server.child.exitCode).toBeNull();
  }, 90_000);
});
