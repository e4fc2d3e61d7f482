import { signUnsubscribe } from '../../src/unsubscribe/tokens';
import { startServer } from '../support/serverProcess';
import { processFixture } from '../support/processFixture';
import { startTcpProxy } from '../support/tcpProxy';

const SECRET = 'process-test-unsubscribe-secret-0123456789';

describe('with the database down, nothing internal reaches the public', () => {
  const f = processFixture();

  test('the unsubscribe page says "try again later" with 503, /healthz says only "down", the admin API no driver message; the log keeps the detail', async () => {
    const proxy = await startTcpProxy(f.db.url);
    try {
      const server = await startServer({
        DATABASE_URL: proxy.url,
        SMTP_URL: f.sink.url,
        UNSUBSCRIBE_SECRET: SECRET,
        WISHLIST_SALE_CHECK_ENABLED: 'false',
        WISHLIST_STOCK_CHECK_ENABLED: 'false',
      });
      f.servers.push(server);
      const link = server.url(`/wishlist-alerts/unsubscribe/${signUnsubscribe(SECRET, { type: 'all', userId: 1 })}`);
      expect((await fetch(link)).status).toBe(200);
      await proxy.cut();
      const internals = /ECONNREFUSED|127\.0\.0\.1|connect |Database unavailable|Connection terminated/;

      for (const method of ['GET', 'POST']) {
        const res = await fetch(link, { method, body: method === 'POST' ? 'List-Unsubscribe=One-Click' : undefined });
        const page = await res.text();
        expect([method, res.status, res.headers.get('content-type')]).toEqual([method, 503, 'text/html; charset=utf-8']);
        expect(page).toContain('<h1>Please try again later</h1>');
        expect(page).not.toMatch(internals);
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      }

      const health = await fetch(server.url('/healthz'));
      expect(health.status).toBe(503);
      expect(await health.json()).toEqual({ status: 'unavailable', database: 'down' });

      const runs = await server.get('/api/admin/wishlist-jobs/runs');
      expect(runs).toEqual({ status: 503, body: { success: false, error: 'Database unavailable: ECONNREFUSED; the details are in the server log' } });
      expect(server.output()).toMatch(/ECONNREFUSED 127\.0\.0\.1/);
    } finally {
      await proxy.close();
    }
  }, 60_000);
});
