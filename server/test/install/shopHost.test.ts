import { ChildProcess, spawn } from 'child_process';
import { createHmac } from 'crypto';
import { existsSync, rmSync } from 'fs';
import path from 'path';
import { ensureShopStandIn } from '../../src/db/standin/shopStandIn';
import { silentLogger } from '../../src/logger';
import { addToWishlist, insertProduct, insertUser, setRegionSetting, updateProduct } from '../support/factories';
import { SmtpSink } from '../support/smtpSink';
import { createTestDatabase, TestDatabase } from '../support/testDatabase';
import { waitFor } from '../support/waitFor';
import { buildShopHost, compileShop, DELETIONS, readmeInstallation, SHOP_DEPENDENCIES } from './shopHost';
import { signFeedback } from '../../src/bounces/signedJson';

const TOKEN = 'install-test-admin-token-Z8k2q';
// The shop's UNSUBSCRIBE_SECRET, which also signs its newsletter links.
const SHOP_UNSUBSCRIBE_SECRET = 'the-shops-own-unsubscribe-secret-0123456789';
const FEEDBACK_SECRET = 'install-test-feedback-secret-0123456789abcdef';

interface Host {
  port: number;
  output(): string;
  call(method: string, p: string, headers?: Record<string, string>, body?: unknown): Promise<Response>;
  stop(): Promise<number | null>;
}

/**
 * The README's "Installing into the shop", followed word for word on a copy of the shop's
 * server: its dependencies at the shop's versions installed first, then `npm pack`'s
 * tarball; index.ts edited as the README says, compiled by the shop's TypeScript with its
 * tsconfig (CommonJS, strict), run on the shop's schema with sessions in PostgreSQL
 * (saveUninitialized: true), its permissive CORS, its catch-all 404 and its shutdown.
 */
describe("installing into the shop's server as the README says", () => {
  let host: ReturnType<typeof buildShopHost>;
  let compiled: string;
  let db: TestDatabase;
  let sink: SmtpSink;
  let running: Host | null = null;

  beforeAll(async () => {
    host = buildShopHost();
    compiled = compileShop(host.dir);
    db = await createTestDatabase({ migrated: false });
    await ensureShopStandIn(db.pool, silentLogger());
    // The shop's sessions table (its migration 000; connect-pg-simple's shape).
    await db.pool.query(`CREATE TABLE user_sessions (sid varchar NOT NULL PRIMARY KEY, sess json NOT NULL, expire timestamp(6) NOT NULL)`);
    sink = await SmtpSink.start();
    for (const region of ['us', 'eu'] as const) {
      await setRegionSetting(db.pool, region, 'smtp_host', '127.0.0.1');
      await setRegionSetting(db.pool, region, 'smtp_port', String(sink.port));
    }
    await setRegionSetting(db.pool, 'eu', 'smtp_from_email', 'alerts@simfab.eu');
  }, 300_000);

  afterAll(async () => {
    await running?.stop();
    await sink?.stop();
    await db?.drop();
    if (host) rmSync(host.dir, { recursive: true, force: true });
  });

  const boot = async (env: Record<string, string> = {}): Promise<Host> => {
    const child: ChildProcess = spawn(process.execPath, ['dist/index.js'], {
      cwd: host.dir,
      env: {
        PATH: process.env.PATH ?? '', NODE_ENV: 'production', DATABASE_URL: db.url, PORT: '0', SESSION_SECRET: 'host-session-secret',
        ADMIN_API_TOKEN: TOKEN, UNSUBSCRIBE_SECRET: SHOP_UNSUBSCRIBE_SECRET, WISHLIST_FEEDBACK_SECRET: FEEDBACK_SECRET,
        PUBLIC_URL: 'https://api.simfab.com', FRONTEND_URL: 'https://simfab.com', FRONTEND_URL_EU: 'https://simfab.eu',
        WISHLIST_SALE_SETTLE_SECONDS: '0',
        // The watch looks once at start; the tests then drive the checks themselves.
        WISHLIST_WATCH_INTERVAL_SECONDS: '3600',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    await waitFor(() => /Server is running on 0\.0\.0\.0:\d+/.test(out) || child.exitCode !== null, 'the shop to listen', 30_000);
    const port = Number(/Server is running on 0\.0\.0\.0:(\d+)/.exec(out)?.[1]);
    if (!port) throw new Error(`the shop did not start:\n${out}`);
    const call = (method: string, p: string, headers: Record<string, string> = {}, body?: unknown) =>
      fetch(`http://127.0.0.1:${port}${p}`, {
        method, redirect: 'manual',
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
    // The module's routes answer 503 until its tables are migrated.
    await waitFor(async () => (await call('GET', '/healthz')).status === 200, 'the module to be ready', 30_000);
    running = {
      port, call, output: () => out,
      stop: async () => {
        child.kill('SIGTERM');
        await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
        running = null;
        return child.exitCode;
      },
    };
    return running;
  };
  const bearer = { Authorization: `Bearer ${TOKEN}` };
  const sessionRows = async () => Number((await db.pool.query('SELECT count(*) FROM user_sessions')).rows[0].count);

  test("installing the packed module changes none of the shop's own dependency versions", () => {
    expect(host.before).toEqual(SHOP_DEPENDENCIES);
    const { 'wishlist-alerts': added, ...shops } = host.after;
    expect(added).toBe('0.1.0');
    expect(shops).toEqual(host.before);
    // pg and express come from the shop: one copy each, so the shop's Pool is the class the module's types name.
    for (const peer of ['pg', 'express']) expect(existsSync(path.join(host.dir, 'node_modules/wishlist-alerts/node_modules', peer))).toBe(false);
  });

  test("the README's steps, pasted into the shop's index.ts, compile with the shop's own TypeScript and tsconfig", () => {
    const { text } = readmeInstallation();
    // What the host's copy lost is what the README says to delete.
    for (const line of [...DELETIONS.lines, ...DELETIONS.addJobs]) expect(text).toContain(line);
    expect(host.index).not.toContain('WishlistNotificationService');
    expect(host.index).toContain("import { CronService } from './services/CronService';"); // the shop's own, still in scope
    expect(compiled).toBe('');
  });

  test('boots: health, metrics, unsubscribe and provider notifications make no session where the shop makes one for every visitor; one registration line', async () => {
    const shop = await boot();
    expect((await shop.call('GET', '/api/products')).headers.get('set-cookie')).toMatch(/^connect\.sid=/);
    await waitFor(async () => (await sessionRows()) === 1, 'the guest session the shop makes');
    const health = await shop.call('GET', '/healthz');
    expect([health.status, health.headers.get('set-cookie')]).toEqual([200, null]);
    expect((await shop.call('GET', '/metrics', bearer)).headers.get('set-cookie')).toBeNull();
    const unsubscribe = await shop.call('GET', '/wishlist-alerts/unsubscribe/not-a-token');
    expect([unsubscribe.status, unsubscribe.headers.get('set-cookie')]).toEqual([400, null]);
    // The provider's notifications come through the public routes too, signed, making no session;
    // mounted ahead of the shop's express.json(), the module reads the body as sent, JSON included.
    const feedback = JSON.stringify({ events: [{ type: 'bounce', email: 'gone@simfab.example' }] });
    const at = Math.floor(Date.now() / 1000);
    const notify = (type: string) => shop.call('POST', '/wishlist-alerts/feedback/signed', {
      'content-type': type, 'x-wishlist-timestamp': String(at), 'x-wishlist-signature': signFeedback(FEEDBACK_SECRET, at, feedback),
    }, feedback);
    const asText = await notify('text/plain');
    expect([asText.status, asText.headers.get('set-cookie')]).toEqual([200, null]);
    expect((await db.pool.query('SELECT address FROM wishlist_alert_suppressions')).rows).toEqual([{ address: 'gone@simfab.example' }]);
    expect((await notify('application/json')).status).toBe(200);
    expect(await sessionRows()).toBe(1);
    // The shop's own routes, 404 and error handler are untouched.
    expect(await (await shop.call('GET', '/api/nothing-here')).json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(await (await shop.call('POST', '/api/products/1/order', {}, '{not json')).json()).toMatchObject({ error: { code: 'SHOP_ERROR' } });
    expect((await shop.call('POST', '/api/admin/cron/trigger/cart-reminder-check')).status).toBe(200);
    expect(shop.output().match(/Wishlist notification cron jobs registered/g)).toHaveLength(1);
    // Inside the shop the module does not listen: the shop's port is the only one.
    expect(shop.output()).not.toMatch(/Wishlist alerts listening/);
  }, 60_000);

  test("a sale (EU) and a restock (US) reach the right shoppers; the shop's admins act with their sessions and CSRF token; the old trigger paths run the module's checks", async () => {
    const shop = running ?? (await boot());
    const ann = await insertUser(db.pool, { email: 'Ann.Shopper@Example.com', firstName: 'Ann' });
    const jonas = await insertUser(db.pool, { firstName: 'Jonas' });
    const pedals = await insertProduct(db.pool, { name: 'Load Cell Pedals', slug: 'pedals', stock: 0 }, { observe: false });
    const cockpit = await insertProduct(db.pool, { name: 'GT Cockpit', slug: 'gt-cockpit', region: 'eu', regularPrice: 1199 }, { observe: false });
    await addToWishlist(db.pool, ann.id, pedals);
    await addToWishlist(db.pool, jonas.id, cockpit);
    // The module looks first (as its checks and watch do), then the shop changes two products.
    expect((await shop.call('POST', '/api/admin/wishlist-jobs/trigger-stock-check', bearer)).status).toBe(200);
    expect((await shop.call('POST', '/api/admin/wishlist-jobs/trigger-sale-check', bearer)).status).toBe(200);
    await updateProduct(db.pool, pedals, { stock: 6, inStock: '1' });
    await updateProduct(db.pool, cockpit, { isOnSale: true, salePrice: 899 });

    const manager = await insertUser(db.pool, { email: 'manager@simfab.example' });
    const signIn = async (userId: number, email: string, authorities: string[]) => {
      const res = await shop.call('POST', '/api/auth/login', {}, { userId, email, authorities });
      return res.headers.get('set-cookie')!.split(';')[0];
    };
    const managing = await signIn(manager.id, manager.email, ['emails:view', 'emails:manage']);
    const csrf = ((await (await shop.call('GET', '/api/admin/wishlist-jobs/csrf-token', { cookie: managing })).json()) as any).data.csrfToken;
    // The shop's old paths: the module answers them, in the shop's shape; a session needs its CSRF token.
    expect((await shop.call('POST', '/api/admin/wishlist-notifications/check-stock', { cookie: managing })).status).toBe(403);
    const stock = await (await shop.call('POST', '/api/admin/wishlist-notifications/check-stock', { cookie: managing, 'x-csrf-token': csrf })).json();
    const sale = await (await shop.call('POST', '/api/admin/cron/trigger/wishlist-sale-check', { cookie: managing, 'x-csrf-token': csrf })).json();
    expect([stock, sale]).toEqual([
      { success: true, message: 'Wishlist stock check completed', data: { checked: 2, notified: 1, emails: 1, errors: 0, timestamp: expect.any(String) } },
      { success: true, message: "Job 'wishlist-sale-check' completed", data: { checked: 1, notified: 1, emails: 1, errors: 0, timestamp: expect.any(String) } },
    ]);
    const runs: any = await (await shop.call('GET', '/api/admin/wishlist-jobs/runs?limit=2', { cookie: managing })).json();
    expect(runs.data.runs.map((r: { triggeredBy: string }) => r.triggeredBy)).toEqual([`user ${manager.id} (manager@simfab.example)`, `user ${manager.id} (manager@simfab.example)`]);
    // The shop's other route under the same prefix answers as before.
    expect(await (await shop.call('GET', '/api/admin/wishlist-notifications/stats', { cookie: managing })).json()).toEqual({ success: true, data: { from: 'the shop' } });
    // A session from another site is refused, for reading too (the shop's CORS would let it read).
    expect((await shop.call('GET', '/api/admin/wishlist-jobs/status', { cookie: managing, origin: 'https://evil.example' })).status).toBe(403);
    // Signed out, the console's sign-in page points to the storefront's.
    const signedOut = await shop.call('GET', '/admin/wishlist-jobs');
    expect([signedOut.status, signedOut.headers.get('location')]).toEqual([303, '/admin/wishlist-jobs/sign-in']);
    expect(await (await shop.call('GET', '/admin/wishlist-jobs/sign-in')).text()).toContain('<a href="https://simfab.com/login">');

    const [restock] = sink.to('Ann.Shopper@example.com');
    expect(restock.subject).toBe('Back in stock: Load Cell Pedals from your wishlist');
    // No smtp_from_email for the US store, no EMAIL_FROM_*: the shop's own default sender.
    expect(restock.parsed.from?.value[0]).toEqual({ name: 'SimFab', address: 'noreply@simfab.com' });
    expect(restock.text).toContain('https://simfab.com/product/pedals');
    const [onSale] = sink.to(jonas.email);
    expect(onSale.parsed.from?.value[0]).toEqual({ name: 'SimFab EU', address: 'alerts@simfab.eu' });
    expect(onSale.text).toContain('€899.00 (was €1,199.00, 25% off)');
    expect(onSale.text).toContain('https://simfab.eu/product/gt-cockpit');
    const unsubscribe = /https:\/\/api\.simfab\.com(\/wishlist-alerts\/unsubscribe\/[^\s>]+)/.exec(onSale.text)![1];
    expect((await shop.call('GET', unsubscribe)).status).toBe(200);

    // The address as the shop stores it: its local part kept, the domain (case-insensitive) lowercased by nodemailer.
    const logs = await db.pool.query(`SELECT template_type, recipient_email, status FROM email_logs ORDER BY id`);
    expect(logs.rows).toEqual([
      { template_type: 'wishlist_stock_notification', recipient_email: 'Ann.Shopper@Example.com', status: 'sent' },
      { template_type: 'wishlist_sale_notification', recipient_email: jonas.email, status: 'sent' },
    ]);
    // The shop's writes keep working beside the module.
    expect(await (await shop.call('POST', `/api/products/${pedals}/order`, {}, { quantity: 2 })).json()).toEqual({ success: true, data: { stock: 4 } });
  }, 90_000);

  test("a newsletter token made the shop's way with the shared UNSUBSCRIBE_SECRET opens no unsubscribe page of the module's", async () => {
    const shop = running ?? (await boot());
    const data = `ann@example.com:7:${1}:${Date.now()}`;
    const signature = createHmac('sha256', SHOP_UNSUBSCRIBE_SECRET).update(data).digest('base64url');
    const newsletter = Buffer.from(`${data}:${signature}`).toString('base64url');
    const res = await shop.call('GET', `/wishlist-alerts/unsubscribe/${newsletter}`);
    expect(res.status).toBe(400);
  }, 60_000);

  test("the shop's shutdown stops the module and exits 0", async () => {
    const shop = running ?? (await boot());
    expect(await shop.stop()).toBe(0);
    expect(shop.output()).toMatch(/HTTP server closed/);
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM wishlist_alert_runs WHERE status = 'running'`);
    expect(rows[0].n).toBe(0);
  }, 60_000);

  test('EMAIL_ENABLED=false: alerts are queued and wait, with the reason in /status; unset again, they go', async () => {
    const pedals = await insertProduct(db.pool, { name: 'Shifter', slug: 'shifter', stock: 0 }, { observe: false });
    const cyd = await insertUser(db.pool, { firstName: 'Cyd' });
    await addToWishlist(db.pool, cyd.id, pedals);
    let shop = await boot({ EMAIL_ENABLED: 'false' });
    expect((await shop.call('POST', '/api/admin/wishlist-jobs/trigger-stock-check', bearer)).status).toBe(200);
    await updateProduct(db.pool, pedals, { stock: 3, inStock: '1' });
    const held: any = await (await shop.call('POST', '/api/admin/wishlist-jobs/trigger-stock-check', bearer)).json();
    expect(held.data).toMatchObject({ notified: 0, emails: 0 });
    const status: any = await (await shop.call('GET', '/api/admin/wishlist-jobs/status', bearer)).json();
    expect(status.data.mail.us).toMatch(/^SWITCHED OFF \(EMAIL_ENABLED=false/);
    const viewer = await insertUser(db.pool, { email: 'viewer@simfab.example' });
    const login = await shop.call('POST', '/api/auth/login', {}, { userId: viewer.id, email: viewer.email, authorities: ['emails:view'] });
    const console = await shop.call('GET', '/admin/wishlist-jobs', { cookie: login.headers.get('set-cookie')!.split(';')[0] });
    expect(await console.text()).toContain('SWITCHED OFF (EMAIL_ENABLED=false: the shop&#39;s mail is switched off');
    const waiting = await db.pool.query(`SELECT status, last_error FROM wishlist_alert_messages WHERE user_id = $1`, [cyd.id]);
    expect(waiting.rows).toEqual([{ status: 'pending', last_error: expect.stringMatching(/^EMAIL_ENABLED=false/) }]);
    expect(sink.to(cyd.email)).toHaveLength(0);
    await shop.stop();

    shop = await boot();
    expect((await shop.call('POST', '/api/admin/wishlist-jobs/trigger-stock-check', bearer)).status).toBe(200);
    await waitFor(() => sink.to(cyd.email).length === 1, 'the alert that waited');
    await shop.stop();
  }, 120_000);
});

