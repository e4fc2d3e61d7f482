import { execFileSync } from 'child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import os from 'os';
import path from 'path';
import { spawn } from 'child_process';
import { ensureShopStandIn } from '../../src/db/standin/shopStandIn';
import { silentLogger } from '../../src/logger';
import { addToWishlist, insertProduct, insertUser, setRegionSetting, updateProduct } from '../support/factories';
import { ROOT } from '../support/spawnTs';
import { SmtpSink } from '../support/smtpSink';
import { createTestDatabase, TestDatabase } from '../support/testDatabase';
import { waitFor } from '../support/waitFor';

const TOKEN = 'install-test-admin-token-Z8k2q';
const npm = (args: string[], cwd: string) =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * The package as the shop gets it: `npm pack`, installed into a host shaped like the shop's
 * entry point (host.js), on the shop's schema, with the shop's region_settings naming the
 * mail server: a sale and a restock end to end, in both regions, to a real SMTP sink.
 */
describe('installing the packed module into a host shaped like the shop', () => {
  let dir: string;
  let db: TestDatabase;
  let sink: SmtpSink;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'wishlist-host-'));
    const packed = npm(['pack', '--pack-destination', dir], ROOT).trim().split('\n').pop()!;
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'simfab-host', private: true }));
    npm(['install', '--prefer-offline', path.join(dir, packed), 'express@4.22.3', 'express-session@1.19.0', 'pg@8.23.1'], dir);
    copyFileSync(path.join(__dirname, 'host.js'), path.join(dir, 'host.js'));
    db = await createTestDatabase({ migrated: false });
    await ensureShopStandIn(db.pool, silentLogger());
    sink = await SmtpSink.start();
  }, 240_000);

  afterAll(async () => {
    await sink?.stop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a sale (EU) and a restock (US) reach the right shoppers, from the region settings, with the shop logs written; the shop's admins sign in the shop's way", async () => {
    for (const region of ['us', 'eu'] as const) {
      await setRegionSetting(db.pool, region, 'smtp_host', '127.0.0.1');
      await setRegionSetting(db.pool, region, 'smtp_port', String(sink.port));
      await setRegionSetting(db.pool, region, 'smtp_from_email', `alerts@simfab.${region === 'eu' ? 'eu' : 'com'}`);
    }
    const ann = await insertUser(db.pool, { firstName: 'Ann' });
    const jonas = await insertUser(db.pool, { firstName: 'Jonas' });
    const pedals = await insertProduct(db.pool, { name: 'Load Cell Pedals', slug: 'pedals', stock: 0 }, { observe: false });
    const cockpit = await insertProduct(db.pool, { name: 'GT Cockpit', slug: 'gt-cockpit', region: 'eu', regularPrice: 1199 }, { observe: false });
    await addToWishlist(db.pool, ann.id, pedals);
    await addToWishlist(db.pool, jonas.id, cockpit);

    const host = spawn(process.execPath, ['host.js'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '', NODE_ENV: 'production', DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'warn',
        ADMIN_API_TOKEN: TOKEN, UNSUBSCRIBE_SECRET: 'install-test-unsubscribe-secret-0123456789', SESSION_SECRET: 'host-session-secret',
        PUBLIC_URL: 'https://simfab.com', FRONTEND_URL: 'https://simfab.com', FRONTEND_URL_EU: 'https://simfab.eu',
        WISHLIST_SALE_CHECK_ENABLED: 'false', WISHLIST_STOCK_CHECK_ENABLED: 'false', WISHLIST_SALE_SETTLE_SECONDS: '0',
        // The watch looks once at start; the test then drives the checks itself.
        WISHLIST_WATCH_INTERVAL_SECONDS: '3600',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    host.stdout.on('data', (d) => (out += d));
    host.stderr.on('data', (d) => (out += d));
    try {
      await waitFor(() => /shop listening on \d+/.test(out) || host.exitCode !== null, 'the host to listen', 30_000);
      const port = /shop listening on (\d+)/.exec(out)?.[1];
      if (!port) throw new Error(`the host did not start:\n${out}`);
      const call = (method: string, p: string, token: string | null = TOKEN) =>
        fetch(`http://127.0.0.1:${port}${p}`, { method, headers: token ? { Authorization: `Bearer ${token}` } : {}, redirect: 'manual' });

      expect((await call('GET', '/api/admin/wishlist-jobs/status', null)).status).toBe(401);
      expect((await call('GET', '/healthz', null)).status).toBe(200);
      const watching = async () => ((await (await call('GET', '/api/admin/wishlist-jobs/status')).json()) as any).data.watch;
      await waitFor(async () => (await watching()).lookedAt !== null, "the host's watch to look");
      expect(await watching()).toMatchObject({ enabled: true, holder: expect.any(String), health: 'healthy' });
      expect((await call('GET', '/api/admin/wishlist-jobs/status')).status).toBe(200);
      // The module looks first (as its checks and watch do), then the shop changes two products.
      expect((await call('POST', '/api/admin/wishlist-jobs/trigger-stock-check')).status).toBe(200);
      await updateProduct(db.pool, pedals, { stock: 6, inStock: '1' });
      await updateProduct(db.pool, cockpit, { isOnSale: true, salePrice: 899 });
      const stock: any = await (await call('POST', '/api/admin/wishlist-jobs/trigger-stock-check')).json();
      const sale: any = await (await call('POST', '/api/admin/wishlist-jobs/trigger-sale-check')).json();
      expect([stock.data, sale.data]).toEqual([
        { checked: 2, notified: 1, emails: 1, errors: 0 },
        { checked: 1, notified: 1, emails: 1, errors: 0 },
      ]);

      // Shop admins sign in the shop's way: a session holding userId and authorities.
      const manager = await insertUser(db.pool, { email: 'manager@simfab.example' });
      const viewer = await insertUser(db.pool, { email: 'viewer@simfab.example' });
      const signIn = async (userId: number, authorities: string[]) => {
        const res = await fetch(`http://127.0.0.1:${port}/test/sign-in`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId, authorities }),
        });
        return res.headers.get('set-cookie')!.split(';')[0];
      };
      const asUser = (cookie: string, method: string, p: string) => fetch(`http://127.0.0.1:${port}${p}`, { method, headers: { cookie }, redirect: 'manual' });
      const viewing = await signIn(viewer.id, ['emails:view']);
      expect((await asUser(viewing, 'GET', '/api/admin/wishlist-jobs/status')).status).toBe(200);
      expect((await asUser(viewing, 'GET', '/admin/wishlist-jobs')).status).toBe(200);
      expect((await asUser(viewing, 'POST', '/api/admin/wishlist-jobs/trigger-sale-check')).status).toBe(403);
      const managing = await signIn(manager.id, ['emails:view', 'emails:manage']);
      expect((await asUser(managing, 'POST', '/api/admin/wishlist-jobs/trigger-sale-check')).status).toBe(200);
      const runs: any = await (await asUser(viewing, 'GET', '/api/admin/wishlist-jobs/runs?limit=1')).json();
      expect(runs.data.runs[0].triggeredBy).toBe(`user ${manager.id} (manager@simfab.example)`);
      const signedOut = await call('GET', '/admin/wishlist-jobs', null);
      expect([signedOut.status, signedOut.headers.get('location')]).toEqual([303, '/login?next=%2Fadmin%2Fwishlist-jobs']);

      const [restock] = sink.to(ann.email);
      expect(restock.subject).toBe('Back in stock: Load Cell Pedals from your wishlist');
      expect(restock.from).toBe('alerts@simfab.com');
      expect(restock.text).toContain('https://simfab.com/product/pedals');
      const [onSale] = sink.to(jonas.email);
      expect(onSale.from).toBe('alerts@simfab.eu');
      expect(onSale.parsed.from?.value[0].name).toBe('SimFab EU');
      expect(onSale.text).toContain('€899.00 (was €1,199.00, 25% off)');
      expect(onSale.text).toContain('https://simfab.eu/product/gt-cockpit');
      expect(onSale.text).toContain('https://simfab.eu/wishlist');
      expect(onSale.text).toContain('https://simfab.com/wishlist-alerts/unsubscribe/');

      const logs = await db.pool.query(`SELECT template_type, recipient_email, status FROM email_logs ORDER BY id`);
      expect(logs.rows).toEqual([
        { template_type: 'wishlist_stock_notification', recipient_email: ann.email, status: 'sent' },
        { template_type: 'wishlist_sale_notification', recipient_email: jonas.email, status: 'sent' },
      ]);
      const items = await db.pool.query(`SELECT notification_type, email_sent FROM wishlist_notifications ORDER BY id`);
      expect(items.rows).toEqual([{ notification_type: 'stock', email_sent: true }, { notification_type: 'sale', email_sent: true }]);
    } finally {
      host.kill('SIGTERM');
      await new Promise((resolve) => (host.exitCode !== null ? resolve(null) : host.once('exit', resolve)));
    }
    expect(host.exitCode).toBe(0);
  }, 60_000);
});
