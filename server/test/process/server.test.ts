import { mkdtempSync } from 'fs';
import os from 'os';
import path from 'path';
import { addToWishlist, insertProduct, insertUser, startSale } from '../support/factories';
import { SmtpSink } from '../support/smtpSink';
import { startServer } from '../support/serverProcess';
import { spawnTs } from '../support/spawnTs';
import { createTestDatabase, TestDatabase } from '../support/testDatabase';

const TOKEN = 'process-test-token-0123456789';

// Real processes, each compiling the server as it boots: on a loaded machine (other suites
// on the same two cores) a boot can outlast jest's default 30 s. What is checked is unchanged.
jest.setTimeout(120_000);

describe('the server process (server/src/index.ts)', () => {
  let db: TestDatabase;
  let sink: SmtpSink;
  beforeAll(async () => {
    db = await createTestDatabase();
    sink = await SmtpSink.start();
  });
  afterAll(async () => {
    await sink.stop();
    await db.drop();
  });

  test('boots, logs both jobs as the design does, serves the admin API, sends mail, and exits 0 on SIGTERM', async () => {
    const server = spawnTs('server/src/index.ts', {
      DATABASE_URL: db.url,
      SMTP_URL: sink.url,
      ADMIN_API_TOKEN: TOKEN,
      PORT: '0',
      WISHLIST_STOCK_CHECK_ENABLED: 'false',
      WISHLIST_SALE_SETTLE_SECONDS: '0',
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'wl-data-')),
    });
    try {
      const [, port] = await server.waitFor(/listening on http:\/\/0\.0\.0\.0:(\d+) \(every interface; http:\/\/localhost:\d+ on this machine\)/);
      const out = server.output();
      expect(out).toContain("✅ Cron job 'wishlist-sale-check' scheduled: 0 * * * * (Check wishlist items for sales and send notifications)");
      expect(out).toContain("⏸️  Cron job 'wishlist-stock-check' disabled");
      expect(out).toContain('✅ Wishlist notification cron jobs registered');

      const user = await insertUser(db.pool);
      const productId = await insertProduct(db.pool, { regularPrice: 50 });
      await addToWishlist(db.pool, user.id, productId);
      await startSale(db.pool, productId, 40);
      const res = await fetch(`http://127.0.0.1:${port}/api/admin/wishlist-jobs/trigger-sale-check`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}` },
      });
      expect(await res.json()).toEqual({ success: true, data: { checked: 1, notified: 1, emails: 1, errors: 0 }, message: 'Sale check completed' });
      expect(sink.to(user.email)).toHaveLength(1);
      for (const line of ['🔄 Running wishlist sale check...', '🔍 [Wishlist Sale Check] Checking 1 items...', '✅ [Wishlist Sale Check] Complete in ']) {
        expect(server.output()).toContain(line);
      }

      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(server.output()).toContain('Stopped');
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  test('refuses to boot on bad configuration, naming every bad variable and masking secrets', async () => {
    const server = spawnTs('server/src/index.ts', {
      WISHLIST_SALE_CHECK_SCHEDULE: 'every hour',
      WISHLIST_JOBS_TIMEZONE: 'Nowhere/Special',
      WISHLIST_STOCK_CHECK_ENABLED: 'nope',
      SMTP_URL: 'smtp://user:s3cret@mail.example:587/x?bad',
      PORT: '-1',
      NODE_ENV: 'production',
    });
    expect(await server.exited).toBe(1);
    const out = server.output();
    expect(out).toContain('WISHLIST_SALE_CHECK_SCHEDULE="every hour"');
    expect(out).toContain('WISHLIST_JOBS_TIMEZONE="Nowhere/Special"');
    expect(out).toContain('WISHLIST_STOCK_CHECK_ENABLED="nope"');
    expect(out).toContain('PORT="-1"');
    expect(out).toContain('ADMIN_API_TOKEN is required when NODE_ENV=production');
    expect(out).not.toContain('s3cret');
    expect(out).not.toContain('listening');
  });

  test('never prints a password: a malformed SMTP_URL in the config error, a ?password= of DATABASE_URL in the banner', async () => {
    const refused = spawnTs('server/src/index.ts', { SMTP_URL: 'user:SMTP-SECRET@mail.example:25' });
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain('SMTP_URL="user:***@mail.example:25": expected a smtp:// or smtps:// URL');
    expect(refused.output()).not.toContain('SMTP-SECRET');

    // The password moves from the userinfo to a parameter (any value does with trust authentication).
    const url = new URL(db.url);
    const password = decodeURIComponent(url.password) || 'BANNER-SECRET';
    url.password = '';
    url.searchParams.set('password', password);
    const server = await startServer({ DATABASE_URL: url.toString(), SMTP_URL: sink.url, WISHLIST_SALE_CHECK_ENABLED: 'false', WISHLIST_STOCK_CHECK_ENABLED: 'false' });
    try {
      const banner = server.output().match(/Database: DATABASE_URL {2}→ {2}psql \\?"([^"\\]+)/);
      expect(banner?.[1]).toMatch(/\?password=\*\*\*$/);
      expect(banner?.[1]).not.toContain(password);
      expect(server.output()).not.toContain(`password=${password}`);
      expect(await server.stop()).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  test('the banner hides passwords with spaces, quotes, an @ and percent-escapes, in the database and mail lines', async () => {
    const password = 'My P"a ss@w0rd%21';
    const url = new URL(db.url);
    // A role of its own whose password really is this one (the URL's %21 reads as "!"), so the
    // server connects whether the cluster trusts local users (the machine's) or checks passwords
    // (the embedded one).
    const role = `wishlist_mask_${process.pid}`;
    await db.pool.query(`CREATE ROLE ${role} LOGIN SUPERUSER PASSWORD 'My P"a ss@w0rd!'`);
    // As typed into a .env file: unencoded.
    const databaseUrl = `${url.protocol}//${role}:${password}@${url.host}${url.pathname}`;
    const server = await startServer({
      DATABASE_URL: databaseUrl, SMTP_URL: `smtp://mailuser:${password}@127.0.0.1:${sink.port}`,
      WISHLIST_SALE_CHECK_ENABLED: 'false', WISHLIST_STOCK_CHECK_ENABLED: 'false',
    });
    try {
      const out = server.output();
      expect(out).toContain(`psql \\"${url.protocol}//${role}:***@${url.host}${url.pathname}\\"`);
      expect(out).toContain(`Mail (us): SMTP_URL: smtp://mailuser:***@127.0.0.1:${sink.port}`);
      for (const piece of ['My P', 'a ss', 'w0rd', '%21', 'P%22a']) expect(out).not.toContain(piece);
      expect(await server.stop()).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
      await db.pool.query(`REASSIGN OWNED BY ${role} TO CURRENT_USER`);
      await db.pool.query(`DROP OWNED BY ${role}`);
      await db.pool.query(`DROP ROLE ${role}`);
    }
  });

  test('listens on the address HOST names, and the banner says that address', async () => {
    const env = { DATABASE_URL: db.url, SMTP_URL: sink.url, WISHLIST_SALE_CHECK_ENABLED: 'false', WISHLIST_STOCK_CHECK_ENABLED: 'false' };
    const local = await startServer({ ...env, HOST: '127.0.0.1' });
    try {
      expect(local.output()).toMatch(new RegExp(`listening on http://127\\.0\\.0\\.1:${local.port}\\\\n`));
      expect(local.output()).toContain(`Admin console: http://127.0.0.1:${local.port}/admin/wishlist-jobs`);
      expect((await local.get('/healthz')).status).toBe(200);
      expect(await local.stop()).toBe(0);
    } finally {
      local.child.kill('SIGKILL');
    }
  });
});

describe('the script server/src/scripts/test-wishlist-jobs.ts', () => {
  test('runs both checks once, prints both results and exits 0', async () => {
    const db = await createTestDatabase();
    const sink = await SmtpSink.start();
    try {
      const user = await insertUser(db.pool);
      const productId = await insertProduct(db.pool, { stock: 0 });
      await addToWishlist(db.pool, user.id, productId);
      await db.pool.query('UPDATE products SET stock = 3 WHERE id = $1', [productId]);
      const script = spawnTs('server/src/scripts/test-wishlist-jobs.ts', { DATABASE_URL: db.url, SMTP_URL: sink.url });
      expect(await script.exited).toBe(0);
      const out = script.output();
      expect(out).toContain('Testing sale check...');
      expect(out).toMatch(/Sale result: \{ checked: 0, notified: 0, emails: 0, errors: 0 \}/);
      expect(out).toContain('Testing stock check...');
      expect(out).toMatch(/Stock result: \{ checked: 1, notified: 1, emails: 1, errors: 0 \}/);
      expect(sink.to(user.email)).toHaveLength(1);
    } finally {
      await sink.stop();
      await db.drop();
    }
  });

  test('prints a clear message and exits non-zero when the database cannot be reached', async () => {
    const script = spawnTs('server/src/scripts/test-wishlist-jobs.ts', { DATABASE_URL: 'postgres://shop:pw@127.0.0.1:1/shop' });
    expect(await script.exited).toBe(1);
    expect(script.output()).toContain('❌ Wishlist job test failed: cannot reach PostgreSQL at postgres://shop:***@127.0.0.1:1/shop');
  });
});

describe('npm run mail:preview (server/src/scripts/mailPreview.ts)', () => {
  test('writes the sample sale, price-drop, stock and digest emails as HTML, text and .eml, in the shop locale', async () => {
    const { readdirSync, readFileSync } = await import('fs');
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wishlist-preview-'));
    const script = spawnTs('server/src/scripts/mailPreview.ts', { DATA_DIR: dataDir, SHOP_LOCALE: 'de-DE', SHOP_NAME: 'Rennsport' });
    expect(await script.exited).toBe(0);
    const dir = path.join(dataDir, 'preview');
    expect(readdirSync(dir).sort()).toEqual(
      ['digest', 'drop', 'sale', 'stock'].flatMap((n) => [`${n}.eml`, `${n}.html`, `${n}.txt`]),
    );
    expect(readFileSync(path.join(dir, 'sale.txt'), 'utf8')).toContain('Artikel auf Ihrer Wunschliste sind jetzt im Angebot:');
    expect(readFileSync(path.join(dir, 'digest.html'), 'utf8')).toContain('Aluminium Cockpit &quot;Pro&quot; &lt;80/20&gt;');
    expect(readFileSync(path.join(dir, 'stock.eml'), 'utf8')).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
    expect(readFileSync(path.join(dir, 'drop.txt'), 'utf8')).toMatch(/999,99\s\$ \(statt 1\.199,99\s\$, 16 % günstiger\)/); // Intl puts a no-break space before the $
    expect(script.output()).toContain('Ihre Wunschliste: 4 Neuigkeiten');
  });
});

describe('npm run demo (server/src/scripts/demo.ts)', () => {
  test('puts demo data in, makes a sale, a price drop and a restock, runs both checks, names the emails it wrote and counts the order placed after an alert; twice alike', async () => {
    const { existsSync, readFileSync } = await import('fs');
    const db = await createTestDatabase();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wishlist-demo-'));
    try {
      for (let run = 0; run < 2; run++) {
        const demo = spawnTs('server/src/scripts/demo.ts', { DATABASE_URL: db.url, DATA_DIR: dataDir });
        expect(await demo.exited).toBe(0);
        const out = demo.output();
        // Ann's two US sale items in one email, Bob's sale and price drop in one, and Chloe's EU item in euros.
        expect(out).toContain('Sale check:  {"checked":5,"notified":5,"emails":3,"errors":0}');
        expect(out).toContain('Stock check: {"checked":7,"notified":3,"emails":3,"errors":0}');
        const files = [...out.matchAll(/^ {3}(\S+\.eml)$/gm)].map((m) => path.resolve(m[1]));
        expect(files).toHaveLength(6);
        expect(files.every((f) => existsSync(f))).toBe(true);
        const eu = files.map((f) => readFileSync(f, 'utf8')).filter((m) => m.includes('=E2=82=AC759.20'));
        expect(eu).toHaveLength(1); // €759.20, quoted-printable
        expect(eu[0]).toMatch(/^To: chloe@demo\.example$/m);
        // Ann's order after her alert is counted once (the first run's order went with its demo rows), at the price she was shown.
        expect(out).toMatch(/Proof, last 7 days: \d+ email\(s\) accepted, \d+ shopper\(s\) reached, 1 order\(s\) attributed, revenue USD 1039\.20/);
        const bob = files.map((f) => readFileSync(f, 'utf8')).filter((m) => /^To: bob@demo\.example$/m.test(m) && m.includes('Sequential Shifter'));
        expect(bob.some((m) => m.includes('$199.00 (was $229.00, 13% lower)'))).toBe(true);
      }
    } finally {
      await db.drop();
    }
  });
});
