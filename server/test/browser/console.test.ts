import { existsSync, mkdirSync } from 'fs';
import type { Server } from 'http';
import type { AddressInfo } from 'net';
import path from 'path';
import { Browser, chromium, Page } from 'playwright-core';
import { addToWishlist, insertProduct, insertUser, startSale } from '../support/factories';
import { ADMIN_TOKEN, Stack, startStack } from '../support/stack';
import { waitFor } from '../support/waitFor';
import { insertOrder } from '../support/orders';

// Debian's Chromium (apt-get install -y chromium); .ci/run installs it.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '../../../test-artifacts');

// Without Chromium, a developer's run skips these with the reason; CI (CI=true) fails instead.
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && process.env.CI) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
if (!HAVE_CHROMIUM) process.stderr.write(`Skipping the console's browser tests: no Chromium at ${CHROMIUM} (apt-get install -y chromium)\n`);
const describeInBrowser = HAVE_CHROMIUM ? describe : describe.skip;

describeInBrowser('the admin console in a real browser', () => {
  let s: Stack;
  let server: Server;
  let base: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  });
  afterAll(() => browser?.close());

  beforeEach(async () => {
    s = await startStack({}, { throughProxy: true }); // the proxy forwards until a test freezes it
    server = await new Promise<Server>((resolve) => {
      const srv = s.app.listen(0, '127.0.0.1', () => resolve(srv));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    page = await (await browser.newContext({ timezoneId: 'Europe/Berlin' })).newPage();
  });
  afterEach(async () => {
    await page?.context().close();
    if (server) await new Promise((resolve) => server.close(resolve));
    await s?.close();
  });

  async function signIn(token = ADMIN_TOKEN) {
    await page.goto(`${base}/admin/wishlist-jobs`);
    await page.getByLabel('Admin token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    if (token === ADMIN_TOKEN) await page.locator('form.run-now[data-bound]').first().waitFor(); // the script is ready
  }

  test('without a session the page redirects to sign-in; a wrong token is refused and sets no cookie', async () => {
    const res = await page.goto(`${base}/admin/wishlist-jobs`);
    expect(new URL(page.url()).pathname).toBe('/admin/wishlist-jobs/sign-in');
    expect(res!.status()).toBe(200);
    await signIn('not-the-token-at-all');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('That token is not right.');
    expect(new URL(page.url()).pathname).toBe('/admin/wishlist-jobs/sign-in');
    expect(await page.context().cookies()).toEqual([]);
    // A forged cookie is no session either.
    await page.context().addCookies([{ name: 'wishlist_console', value: '9999999999999.x.y', url: base }]);
    await page.goto(`${base}/admin/wishlist-jobs`);
    expect(new URL(page.url()).pathname).toBe('/admin/wishlist-jobs/sign-in');
  });

  test('signed in: both jobs with next runs; Run now (confirmed) adds a run with its counts to the history', async () => {
    const user = await insertUser(s.db.pool);
    const product = await insertProduct(s.db.pool, { name: 'Racing Wheel', regularPrice: 200 });
    await addToWishlist(s.db.pool, user.id, product);
    await startSale(s.db.pool, product, 150);

    await signIn();
    expect(new URL(page.url()).pathname).toBe('/admin/wishlist-jobs');
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({ name: 'wishlist_console', httpOnly: true, sameSite: 'Strict', path: '/admin/wishlist-jobs' });

    const sale = page.locator('article[data-job="wishlist-sale-check"]');
    const stock = page.locator('article[data-job="wishlist-stock-check"]');
    await expect(sale.locator('.schedule-words').textContent()).resolves.toBe('Every hour');
    await expect(stock.locator('.schedule-words').textContent()).resolves.toBe('Every 30 minutes');
    for (const job of [sale, stock]) {
      expect(await job.locator('.next-runs li').count()).toBe(3);
      // The shop's timezone from the server, the viewer's (Berlin) from the script.
      await expect(job.locator('.next-runs li').first().textContent()).resolves.toMatch(/E[SD]T · your time: /);
      await expect(job.locator('.badge').textContent()).resolves.toContain('Healthy');
    }
    expect(await page.locator('table.runs tbody tr').count()).toBe(0);
    // The watch: enabled, every 5 s, nobody has looked yet (it is started by the server, not this test).
    const watch = page.locator('#watch .watch-state');
    await expect(watch.getAttribute('data-health')).resolves.toBe('healthy');
    await expect(watch.textContent()).resolves.toMatch(/every 5 s[\s\S]*Held by\s*nobody[\s\S]*not yet/);

    let dialog = '';
    page.once('dialog', (d) => {
      dialog = d.message();
      void d.accept();
    });
    await sale.getByRole('button', { name: 'Run wishlist-sale-check now' }).click();
    await page.locator('#result', { hasText: 'finished' }).waitFor();
    expect(dialog).toContain('Run wishlist-sale-check now?');
    await expect(page.locator('#result').textContent()).resolves.toBe(
      'wishlist-sale-check finished: 1 checked, 1 notified, 1 emails, 0 errors.',
    );
    const row = page.locator('table.runs tbody tr').first();
    await expect(row.locator('td').allTextContents()).resolves.toEqual([
      expect.any(String), 'wishlist-sale-check', expect.stringMatching(/E[SD]T/), 'manual', 'token', expect.any(String),
      expect.stringMatching(/^\d+ ms$/), '1', '1', '1', '0', expect.stringContaining('succeeded'),
    ]);
    await expect(page.locator('table.notifications tbody tr').first().textContent()).resolves.toMatch(/sale\s*Racing Wheel\s*\w\*\*\*@example\.com\s*✓ sent/);
    expect(await page.locator('.chart svg rect').count()).toBe(2);
    expect(s.sink.to(user.email)).toHaveLength(1);

    await s.alerts.watch.lookOnce();
    await page.reload();
    await expect(page.locator('#watch .watch-state').textContent()).resolves.toMatch(/Held by\s*\S+-\d+[\s\S]*s ago/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'admin-console.png'), fullPage: true });
  });

  test('a failed run is marked in the history, the badge turns red after twice the interval, and Run now is disabled while the job runs elsewhere', async () => {
    await signIn();
    // Break what only the stock check reads, so the run fails and the page itself still works.
    await s.db.pool.query('ALTER TABLE wishlist_alert_seen RENAME COLUMN stock_epoch TO stock_epoch_away');
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Run wishlist-stock-check now' }).click();
    await page.locator('#result', { hasText: 'did not run' }).waitFor();
    await page.locator('table.runs tbody tr[data-status="failed"]').waitFor();
    const row = page.locator('table.runs tbody tr').first();
    await expect(row.getAttribute('data-status')).resolves.toBe('failed');
    await expect(row.locator('td').last().textContent()).resolves.toMatch(/✗ failed\s*column s\.stock_epoch does not exist/);
    await s.db.pool.query('ALTER TABLE wishlist_alert_seen RENAME COLUMN stock_epoch_away TO stock_epoch');

    // Two and a half hours on without a successful stock check (interval 30 minutes): red.
    s.clock.advanceHours(2.5);
    await page.reload();
    const stockBadge = page.locator('article[data-job="wishlist-stock-check"] .badge');
    await expect(stockBadge.getAttribute('data-health')).resolves.toBe('failing');
    await expect(stockBadge.textContent()).resolves.toContain('Failing');
    await expect(page.locator('article[data-job="wishlist-sale-check"] .badge').getAttribute('data-health')).resolves.toBe('failing');

    // Another instance starts the sale check: the page notices and disables the button.
    await s.db.pool.query(
      `INSERT INTO wishlist_alert_runs (job, trigger, instance_id, lease_until) VALUES ('wishlist-sale-check', 'manual', 'other-host-42', now() + interval '5 minutes')`,
    );
    const button = page.getByRole('button', { name: 'Run wishlist-sale-check now' });
    await expect(button.isDisabled()).resolves.toBe(false);
    await page.locator('article[data-job="wishlist-sale-check"] button[disabled]').waitFor({ timeout: 10_000 });
    await expect(page.locator('article[data-job="wishlist-sale-check"] .running-state').textContent()).resolves.toBe('⟳ Running on other-host-42');
  });

  test('suppressed addresses: the panel counts them; Lift asks first, and confirmed, takes the entry off', async () => {
    const shopper = await insertUser(s.db.pool, { email: 'dead.mailbox@example.com' });
    await s.alerts.suppressions.report({ events: [{ kind: 'bounce', address: shopper.email, reason: 'SES permanent bounce (General)' }], ignored: 0 }, 'test');
    await signIn();
    const panel = page.locator('#suppressions');
    await expect(panel.locator('.suppression-count').getAttribute('data-total')).resolves.toBe('1');
    await expect(panel.locator('table.suppressions tbody tr').first().textContent()).resolves.toMatch(
      new RegExp(`d\\*\\*\\*@example\\.com\\s*#${shopper.id}\\s*bounce reported by the provider\\s*SES permanent bounce \\(General\\)`),
    );
    const lift = panel.getByRole('button', { name: /^Lift / });
    page.once('dialog', (d) => void d.dismiss());
    await lift.click();
    await expect(panel.locator('.suppression-count').getAttribute('data-total')).resolves.toBe('1');

    let dialog = '';
    page.once('dialog', (d) => {
      dialog = d.message();
      void d.accept();
    });
    await lift.click();
    await page.locator('#suppressions .suppression-count[data-total="0"]').waitFor();
    expect(dialog).toContain('Lift this suppression?');
    expect((await s.db.pool.query('SELECT count(*)::int AS n FROM wishlist_alert_suppressions')).rows[0].n).toBe(0);
  });

  test('while the database does not answer, the page says so instead of hanging, and so does Run now; then it recovers', async () => {
    await signIn();
    s.proxy!.freeze();
    await page.locator('#trouble', { hasText: 'Database not answering' }).waitFor({ timeout: 20_000 }); // the state poll
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Run wishlist-sale-check now' }).click();
    await page.locator('#result', { hasText: 'wishlist-sale-check did not run: Database not answering' }).waitFor({ timeout: 20_000 });
    s.proxy!.thaw();
    await waitFor(async () => (await page.locator('#trouble').textContent()) === '', 'the console to recover', 20_000);
  }, 60_000);

  test('the proof panel shows each kind and store, the orders and revenue after an alert, and the products that sold', async () => {
    const user = await insertUser(s.db.pool);
    const product = await insertProduct(s.db.pool, { name: 'Racing Wheel', regularPrice: 200 });
    await addToWishlist(s.db.pool, user.id, product);
    await startSale(s.db.pool, product, 150);
    await s.check('sale');
    await insertOrder(s.db.pool, {
      userId: user.id, customerEmail: user.email, createdAt: new Date(s.clock.now().getTime() + 3600_000),
      items: [{ productId: product, quantity: 2, totalPrice: '300.00' }],
    });

    await signIn();
    const week = page.locator('#proof table.proof[data-days="7"]');
    await expect(page.getByRole('heading', { name: 'Do the alerts sell?' }).isVisible()).resolves.toBe(true);
    const sale = week.locator('tr[data-kind="sale"][data-region="us"]');
    await expect(sale.locator('[data-field="emails"]').textContent()).resolves.toBe('1');
    await expect(sale.locator('[data-field="orders"]').textContent()).resolves.toBe('1');
    await expect(sale.locator('[data-field="revenue"]').textContent()).resolves.toBe('$300.00');
    await expect(sale.locator('[data-field="conversion"]').textContent()).resolves.toBe('100.0%');
    await expect(week.locator('tr[data-kind="stock"][data-region="eu"] [data-field="orders"]').textContent()).resolves.toBe('0');
    await expect(page.locator('#proof table.proof[data-days="30"] tr.total [data-field="orders"]').textContent()).resolves.toBe('1');
    const top = page.locator(`#proof table.top-products[data-days="7"] tr[data-product-id="${product}"]`);
    await expect(top.textContent()).resolves.toMatch(/Racing Wheel\s*US\s*2\s*1\s*\$300\.00/);
  });
});
