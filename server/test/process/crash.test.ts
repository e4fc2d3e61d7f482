import net from 'net';
import { startServer } from '../support/serverProcess';
import { processFixture } from '../support/processFixture';
import { runStarted, waitFor } from '../support/waitFor';

const POOL_SIZE = 5;

describe('crashes and outages', () => {
  const f = processFixture();

  test('an instance killed (SIGKILL) while delivering 5,000 alerts: after a restart every alert is delivered, at most the in-flight ones twice', async () => {
    await f.db.pool.query(`INSERT INTO products (sku, name, slug, region, regular_price, stock, in_stock) VALUES ('W', 'Wheel', 'wheel', 'us', 100, 5, '1')`);
    await f.db.pool.query(`INSERT INTO users (email, password, first_name) SELECT 'crash-' || i || '@example.com', '!', 'S' FROM generate_series(1, 5000) i`);
    await f.db.pool.query(`INSERT INTO wishlists (user_id, product_id) SELECT id, 1 FROM users`);
    await f.db.pool.query(`UPDATE products SET is_on_sale = true, sale_price = 70`);
    const env = {
      DATABASE_URL: f.db.url,
      SMTP_URL: f.sink.url,
      WISHLIST_SALE_CHECK_SCHEDULE: '* * * * * *',
      WISHLIST_ALLOW_SUBMINUTE_SCHEDULES: 'true', // every second: the tests' own pace
      WISHLIST_STOCK_CHECK_ENABLED: 'false',
      WISHLIST_LEASE_SECONDS: '2',
      WISHLIST_SMTP_POOL_SIZE: String(POOL_SIZE),
    };
    const first = await startServer({ ...env, INSTANCE_ID: 'first' });
    f.servers.push(first);
    await waitFor(() => f.sink.received.length >= 1000, '1,000 emails', 60_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = f.sink.received.length;

    f.servers.push(await startServer({ ...env, INSTANCE_ID: 'second' }));
    await waitFor(() => new Set(f.sink.received.map((m) => m.to[0])).size >= 5000, 'all 5,000 shoppers to get their email', 90_000);
    // Every message recorded: a late duplicate would have been sent before its record.
    await waitFor(
      async () => (await f.db.pool.query(`SELECT 1 FROM wishlist_alert_messages WHERE status IN ('pending', 'sending')`)).rowCount === 0,
      'every message to be recorded',
      30_000,
    );
    const duplicates = f.sink.received.length - new Set(f.sink.received.map((m) => m.to[0])).size;
    process.stdout.write(`crash test: ${atKill} emails before the kill, 5000 shoppers, ${duplicates} sent twice (SMTP pool size ${POOL_SIZE})\n`);
    expect(duplicates).toBeLessThanOrEqual(POOL_SIZE);
    const { rows } = await f.db.pool.query(`SELECT status, count(*)::int AS n FROM wishlist_alert_items GROUP BY 1`);
    expect(rows).toEqual([{ status: 'sent', n: 5000 }]);
    const runs = await f.db.pool.query(`SELECT DISTINCT instance_id, status FROM wishlist_alert_runs WHERE instance_id = 'first' AND status <> 'succeeded'`);
    expect(runs.rows).toEqual([{ instance_id: 'first', status: 'abandoned' }]);
  }, 180_000);

  test('backends terminated in the middle of a run: the run is recorded failed, the server stays up, the next run succeeds', async () => {
    const server = await startServer({ DATABASE_URL: f.db.url, SMTP_URL: f.sink.url, WISHLIST_SALE_CHECK_ENABLED: 'false', WISHLIST_STOCK_CHECK_ENABLED: 'false' });
    f.servers.push(server);
    const locker = await f.db.pool.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE products IN ACCESS EXCLUSIVE MODE'); // holds the run in the middle
      const trigger = server.post('/api/admin/wishlist-jobs/trigger-sale-check');
      await runStarted(f.db);
      await locker.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
      const answer = await trigger.catch((err) => {
        throw new Error(`${err}: ${server.output()}`);
      });
      expect(answer.status).toBe(503);
      expect(answer.body.error).toMatch(/^Database unavailable: /);
      await locker.query('COMMIT');
    } finally {
      locker.release();
    }
    const health = await server.get('/healthz');
    expect(health.status).toBe(200);
    const next = await server.post('/api/admin/wishlist-jobs/trigger-sale-check');
    expect(next.status).toBe(200);
    const { rows } = await f.db.pool.query(`SELECT status FROM wishlist_alert_runs ORDER BY id`);
    expect(rows.map((r) => r.status)).toEqual([expect.stringMatching(/^(failed|abandoned)$/), 'succeeded']);
    expect(server.child.exitCode).toBeNull();
  }, 60_000);

  test('the database unreachable: ticks log one clear error, /healthz answers 503, and the first tick after it returns runs normally', async () => {
    // A TCP proxy in front of PostgreSQL that we can cut and restore.
    const target = new URL(f.db.url);
    let sockets: net.Socket[] = [];
    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      sockets.push(client, upstream);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const proxyPort = (proxy.address() as net.AddressInfo).port;
    const viaProxy = new URL(f.db.url);
    viaProxy.port = String(proxyPort);
    const cut = () => {
      sockets.forEach((s) => s.destroy());
      sockets = [];
      return new Promise<void>((r) => proxy.close(() => r()));
    };
    try {
      const server = await startServer({
        DATABASE_URL: viaProxy.toString(),
        SMTP_URL: f.sink.url,
        WISHLIST_STOCK_CHECK_SCHEDULE: '* * * * * *',
        WISHLIST_ALLOW_SUBMINUTE_SCHEDULES: 'true', // every second: the tests' own pace
        WISHLIST_SALE_CHECK_ENABLED: 'false',
      });
      f.servers.push(server);
      await waitFor(() => /Wishlist Stock Check\] Complete/.test(server.output()), 'a first tick', 10_000);
      await cut();
      const before = server.output().length;
      expect((await server.get('/healthz')).status).toBe(503);
      const pattern = /could not claim the scheduled run: .*(ECONNREFUSED|terminated|timeout)/;
      await waitFor(() => pattern.test(server.output().slice(before)), 'a tick to fail with a clear message', 10_000);
      expect(server.child.exitCode).toBeNull();

      await new Promise<void>((r) => proxy.listen(proxyPort, '127.0.0.1', r));
      const back = server.output().length;
      await waitFor(() => /Wishlist Stock Check\] Complete/.test(server.output().slice(back)), 'a tick after the database returned', 15_000);
      expect((await server.get('/healthz')).status).toBe(200);
    } finally {
      sockets.forEach((s) => s.destroy());
      proxy.close();
    }
  }, 60_000);
});
