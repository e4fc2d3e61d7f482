import { Client } from 'pg';
import { changedProducts, productWrites, recordLook } from '../../src/db/watch';
import { addToWishlist, insertProduct, insertUser, updateProduct } from '../support/factories';
import { openShopSession, ShopSession } from '../support/shopSession';
import { Stack, startStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

/**
 * The watch when nothing changes: a look reads the products' rows only when their write
 * counters moved since the last look that did, and keeps that look's snapshot otherwise.
 */
describe('the idle watch', () => {
  let s: Stack;
  let shop: ShopSession;
  afterEach(async () => {
    await shop.end();
    await s.close();
  });
  async function start(env: Record<string, string> = {}) {
    s = await startStack(env);
    shop = await openShopSession(s.db.url);
  }
  const look = () => s.alerts.watch.lookOnce();
  const watchRow = async () =>
    (await s.db.pool.query(`SELECT looked_at AS "lookedAt", snapshot::text, product_writes AS writes FROM wishlist_alert_watch`)).rows[0];

  /** A shopper with one product, written by the shop's session, looked at once by the watch. */
  async function shopperWith(product: Parameters<typeof insertProduct>[1]) {
    const user = await insertUser(s.db.pool);
    const productId = await insertProduct(shop, { regularPrice: 200, ...product });
    await addToWishlist(s.db.pool, user.id, productId);
    await look();
    return { user, productId };
  }

  test('while no product is written, a look keeps the last snapshot; the look after a write reads the rows and finds it', async () => {
    await start();
    const { user, productId } = await shopperWith({ name: 'Wheel Base', stock: 0 });
    const read = await watchRow();
    s.clock.advanceMs(5_000);
    expect(await look()).toEqual({ products: 0, queued: 0, emails: 0 });
    const idle = await watchRow();
    expect({ snapshot: idle.snapshot, writes: idle.writes }).toEqual({ snapshot: read.snapshot, writes: read.writes });
    expect(idle.lookedAt.getTime()).toBeGreaterThan(read.lookedAt.getTime());

    await updateProduct(shop, productId, { stock: 5 });
    expect(await look()).toEqual({ products: 1, queued: 1, emails: 1 });
    expect((await watchRow()).snapshot).not.toBe(read.snapshot);
    expect(s.sink.to(user.email).map((m) => m.subject)).toEqual(['Back in stock: Wheel Base from your wishlist']);
  });

  test('a look made before a write\'s counters moved keeps the last snapshot, so the first look after they move finds the write', async () => {
    await start();
    const { user, productId } = await shopperWith({ stock: 0 });
    const before = await productWrites(s.db.pool);
    await updateProduct(shop, productId, { stock: 5 });
    // The look as the watch makes it, with the counters it would have read had the shop's
    // session not yet published them.
    const early = await s.alerts.notifications.checkProducts(
      (client, now, timezone) => changedProducts(client, now, { timezone, writes: before, saleSettleSeconds: 0, stockSettleSeconds: 0 }),
      (client, found, queued, now) =>
        recordLook(client, { now, snapshot: found.snapshot, writes: found.writes, instanceId: 'early', products: found.ids.length, queued }),
    );
    expect(early.products).toBe(0);
    expect(await look()).toEqual({ products: 1, queued: 1, emails: 1 });
    expect(s.sink.to(user.email)).toHaveLength(1);
  });

  test("an ordinary session's write is found once PostgreSQL publishes its counters, and announced once", async () => {
    await start();
    const { user, productId } = await shopperWith({ stock: 0 });
    await updateProduct(s.db.pool, productId, { stock: 5 }); // the pool's session publishes when it will
    let found = 0;
    await waitFor(async () => {
      found += (await look())?.products ?? 0;
      await new Promise((r) => setTimeout(r, 200));
      return found > 0;
    }, 'a look to find the restock', 30_000);
    expect(await look()).toEqual({ products: 0, queued: 0, emails: 0 });
    expect(s.sink.to(user.email)).toHaveLength(1);
  });

  test('a sale that starts by the clock, with no write since, is announced by a look that reads no product row', async () => {
    await start();
    const { user, productId } = await shopperWith({});
    await updateProduct(shop, productId, { isOnSale: true, salePrice: 150, saleStart: new Date(s.clock.now().getTime() + 60_000) });
    expect((await look())?.queued).toBe(0);
    const read = await watchRow();
    s.clock.advanceMs(30_000);
    expect(await look()).toEqual({ products: 0, queued: 0, emails: 0 });
    s.clock.advanceMs(31_000);
    expect(await look()).toEqual({ products: 1, queued: 1, emails: 1 });
    expect((await watchRow()).snapshot).toBe(read.snapshot);
    expect(s.sink.to(user.email)[0].text).toContain('$150.00 (was $200.00, 25% off)');
  });

  test('a sale that ends by the clock is observed as ended, and the next sale is announced as new', async () => {
    await start();
    const end = new Date(s.clock.now().getTime() + 60_000);
    const { user, productId } = await shopperWith({ isOnSale: true, salePrice: 150, saleEnd: end });
    expect(s.sink.to(user.email)).toHaveLength(0); // on sale when first seen: not a change the shopper saw happen
    s.clock.advanceMs(61_000);
    expect(await look()).toEqual({ products: 1, queued: 0, emails: 0 });
    const { rows } = await s.db.pool.query('SELECT sale_live FROM wishlist_alert_products WHERE product_id = $1', [productId]);
    expect(rows).toEqual([{ sale_live: false }]);
    await updateProduct(shop, productId, { saleEnd: null });
    expect(await look()).toMatchObject({ products: 1, queued: 1, emails: 1 });
  });

  test('with track_counts off there are no counters to go by, and every look reads the rows', async () => {
    await start();
    await shopperWith({});
    const session = new Client({ connectionString: s.db.url });
    await session.connect();
    try {
      await session.query('SET track_counts = off');
      expect(await productWrites(session)).toBeNull();
      await session.query('BEGIN');
      const found = await changedProducts(session, s.clock.now(), { timezone: 'UTC', writes: null, saleSettleSeconds: 0, stockSettleSeconds: 0 });
      await session.query('ROLLBACK');
      expect(found.snapshot).not.toBeNull();
    } finally {
      await session.end();
    }
  });
});
