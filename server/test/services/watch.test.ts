import { Client } from 'pg';
import { Watch } from '../../src/services/Watch';
import { silentLogger } from '../../src/logger';
import { addToWishlist, insertProduct, insertUser, startSale, updateProduct } from '../support/factories';
import { openShopSession, ShopSession } from '../support/shopSession';
import { Stack, startStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

describe('the watch: alerts within seconds of a change', () => {
  let s: Stack;
  // The shop's writes: a session that publishes its statistics at once (see shopSession.ts).
  let shop: ShopSession;
  afterEach(async () => {
    await shop.end();
    await s.close();
  });
  async function start(env: Record<string, string> = {}) {
    s = await startStack(env);
    shop = await openShopSession(s.db.url);
  }

  async function shopperWith(product: Parameters<typeof insertProduct>[1] = {}) {
    const user = await insertUser(s.db.pool);
    const productId = await insertProduct(s.db.pool, { regularPrice: 200, ...product });
    await addToWishlist(s.db.pool, user.id, productId);
    return { user, productId };
  }
  const look = () => s.alerts.watch.lookOnce();

  test('a restock is found and announced by the next look, and only once', async () => {
    await start();
    const { user, productId } = await shopperWith({ name: 'Wheel Base', stock: 0 });
    await look();
    await updateProduct(shop, productId, { stock: 5 });
    expect(await look()).toEqual({ products: 1, queued: 1, emails: 1 });
    expect(await look()).toEqual({ products: 0, queued: 0, emails: 0 });
    expect(s.sink.to(user.email).map((m) => m.subject)).toEqual(['Back in stock: Wheel Base from your wishlist']);
  });

  test('a sale is announced once it has been live for the settle time; one fixed within it announces only the corrected price', async () => {
    await start({ WISHLIST_SALE_SETTLE_SECONDS: '120' });
    const { user, productId } = await shopperWith();
    await look();
    await startSale(shop, productId, 15); // a typo: 15 instead of 150
    expect((await look())?.queued).toBe(0);
    s.clock.advanceMs(60_000);
    await updateProduct(shop, productId, { salePrice: 150 });
    expect((await look())?.queued).toBe(0);
    s.clock.advanceMs(100_000); // 160 s after the typo, 100 s after the fix: still settling
    expect((await look())?.queued).toBe(0);
    s.clock.advanceMs(21_000); // the fix has been live for 121 s
    expect(await look()).toMatchObject({ queued: 1, emails: 1 });
    const mail = s.sink.to(user.email);
    expect(mail).toHaveLength(1);
    expect(mail[0].text).toContain('$150.00 (was $200.00, 25% off)');
    expect(mail[0].text).not.toContain('$15.00');
  });

  test('items of one shopper that become due within the settle time come in one email', async () => {
    await start({ WISHLIST_SALE_SETTLE_SECONDS: '120' });
    const user = await insertUser(s.db.pool);
    const [wheel, pedals] = [await insertProduct(shop, { name: 'Wheel' }), await insertProduct(shop, { name: 'Pedals' })];
    for (const p of [wheel, pedals]) await addToWishlist(s.db.pool, user.id, p);
    await look();
    await startSale(shop, wheel, 80);
    await look();
    s.clock.advanceMs(30_000);
    await startSale(shop, pedals, 70);
    await look();
    s.clock.advanceMs(91_000); // the wheel has settled; the pedals have 29 s to go
    expect(await look()).toMatchObject({ queued: 1, emails: 0 });
    s.clock.advanceMs(30_000);
    expect(await look()).toMatchObject({ queued: 1, emails: 1 });
    const mail = s.sink.to(user.email);
    expect(mail.map((m) => m.subject)).toEqual(['On sale: Wheel and 1 more from your wishlist']);
  });

  test("a restock goes out at once, even while another of the shopper's sales is settling", async () => {
    await start({ WISHLIST_SALE_SETTLE_SECONDS: '120' });
    const user = await insertUser(s.db.pool);
    const [wheel, pedals] = [await insertProduct(shop, { name: 'Wheel' }), await insertProduct(shop, { name: 'Pedals', stock: 0 })];
    for (const p of [wheel, pedals]) await addToWishlist(s.db.pool, user.id, p);
    await look();
    await startSale(shop, wheel, 80);
    await updateProduct(shop, pedals, { stock: 4 });
    expect(await look()).toMatchObject({ queued: 1, emails: 1 });
    expect(s.sink.to(user.email).map((m) => m.subject)).toEqual(['Back in stock: Pedals from your wishlist']);
  });

  test('a sale that starts by the clock alone (no row changes) is caught at the next look', async () => {
    await start();
    const { user, productId } = await shopperWith();
    await updateProduct(shop, productId, { isOnSale: true, salePrice: 120, saleStart: new Date(Date.now() + 60_000) });
    expect((await look())?.queued).toBe(0);
    s.clock.advanceMs(61_000);
    expect(await look()).toEqual({ products: 1, queued: 1, emails: 1 });
    expect(s.sink.to(user.email)).toHaveLength(1);
  });

  test('a write whose transaction commits after the look (a slow import) is still caught', async () => {
    await start();
    const { user, productId } = await shopperWith({ stock: 0 });
    await look();
    const importer = new Client({ connectionString: s.db.url });
    await importer.connect();
    try {
      await importer.query('BEGIN');
      await importer.query(`UPDATE products SET stock = 8 WHERE id = $1`, [productId]); // updated_at: the transaction's start
      expect((await look())?.products).toBe(0); // not committed: not visible
      s.clock.advanceMs(30_000);
      await look(); // a look later than the import's updated_at
      await importer.query('COMMIT');
      await importer.query('SELECT pg_stat_force_next_flush()'); // its counters published at once
    } finally {
      await importer.end();
    }
    expect(await look()).toEqual({ products: 1, queued: 1, emails: 1 });
    expect(s.sink.to(user.email)).toHaveLength(1);
  });

  test("the host's productsChanged looks at those products at once", async () => {
    await start({ WISHLIST_WATCH_ENABLED: 'false' });
    const { user, productId } = await shopperWith({ stock: 0 });
    await updateProduct(shop, productId, { stock: 3 });
    expect(await s.alerts.productsChanged([productId, productId, -1])).toEqual({ products: 1, queued: 1, emails: 1 });
    expect(s.sink.to(user.email)).toHaveLength(1);
  });

  test('a look and a scheduled check at the same moment send one email', async () => {
    await start();
    const users = await Promise.all(Array.from({ length: 20 }, () => insertUser(s.db.pool)));
    const productId = await insertProduct(shop, { stock: 0 });
    for (const u of users) await addToWishlist(s.db.pool, u.id, productId);
    await look();
    await updateProduct(shop, productId, { stock: 50 });
    await Promise.all([look(), s.check('stock'), s.alerts.productsChanged([productId])]);
    for (const u of users) expect(s.sink.to(u.email)).toHaveLength(1);
  });

  test('a storewide restock of many products in one statement is one look and one set-based check', async () => {
    await start();
    const user = await insertUser(s.db.pool);
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) ids.push(await insertProduct(shop, { stock: 0 }));
    for (const id of ids) await addToWishlist(s.db.pool, user.id, id);
    await look();
    await shop.query('UPDATE products SET stock = 10 WHERE id = ANY($1)', [ids]);
    expect(await look()).toEqual({ products: 40, queued: 40, emails: 1 });
    const { rows } = await s.db.pool.query('SELECT products, queued FROM wishlist_alert_watch_looks ORDER BY id DESC LIMIT 1');
    expect(rows).toEqual([{ products: 40, queued: 40 }]);
  });
});

describe('the watch on several instances', () => {
  test('one instance holds the lease; when it dies, another takes over within two intervals', async () => {
    // Intervals long enough that the lease outlasts a pause of a loaded machine between two lines here.
    const s = await startStack({ WISHLIST_WATCH_INTERVAL_SECONDS: '2' });
    const make = (instanceId: string) =>
      new Watch({
        pool: s.db.pool, notifications: s.alerts.notifications, logger: silentLogger(), clock: s.clock, since: new Date(),
        settings: { enabled: true, intervalMs: 2000, instanceId, saleSettleSeconds: 0, stockSettleSeconds: 0 },
      });
    const [a, b] = [make('a'), make('b')];
    try {
      expect(await a.lookOnce()).not.toBeNull();
      expect(await b.lookOnce()).toBeNull(); // a holds it
      expect(await a.lookOnce()).not.toBeNull(); // and renews it
      // a dies: it stops renewing. b takes over once the lease (two intervals) has run out.
      await waitFor(async () => (await b.lookOnce()) !== null, 'b to take the watch over', 20_000);
      expect((await s.alerts.watch.status()).holder).toBe('b');
      expect(await a.lookOnce()).toBeNull();
    } finally {
      await s.close();
    }
  });
});
