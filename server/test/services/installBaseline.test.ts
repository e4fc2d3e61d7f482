import type { Pool } from 'pg';
import { migrate, listMigrations } from '../../src/db/migrate';
import { ensureShopStandIn } from '../../src/db/standin/shopStandIn';
import { withTransaction } from '../../src/db/pool';
import { observeProducts } from '../../src/db/observations';
import { silentLogger } from '../../src/logger';
import { addToWishlist, insertProduct, insertUser, startSale, updateProduct } from '../support/factories';
import { Stack, startStack } from '../support/stack';
import { createTestDatabase, TestDatabase } from '../support/testDatabase';

const TZ = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** The shop as it stands before the module is installed: shoppers, products, wishlists. */
async function shopBeforeInstall(pool: Pool) {
  const [early, other] = [await insertUser(pool), await insertUser(pool)];
  // observe: false — nothing of the module exists yet.
  const willSale = await insertProduct(pool, { name: 'Pedal Set', regularPrice: 200 }, { observe: false });
  const willRestock = await insertProduct(pool, { name: 'Shifter', stock: 0 }, { observe: false });
  const alreadyOnSale = await insertProduct(pool, { name: 'Seat', regularPrice: 200, isOnSale: true, salePrice: 150 }, { observe: false });
  const alreadyInStock = await insertProduct(pool, { name: 'Wheel Base', stock: 5 }, { observe: false });
  for (const p of [willSale, willRestock, alreadyOnSale, alreadyInStock]) await addToWishlist(pool, early.id, p);
  await addToWishlist(pool, other.id, alreadyOnSale);
  return { early, other, willSale, willRestock, alreadyOnSale, alreadyInStock };
}

describe('installing on a shop with products and wishlists, the watch off', () => {
  let s: Stack;
  let shop: Awaited<ReturnType<typeof shopBeforeInstall>>;
  beforeEach(async () => {
    s = await startStack({ WISHLIST_WATCH_ENABLED: 'false' }, {
      beforeInstall: async (pool) => {
        shop = await shopBeforeInstall(pool);
      },
    });
  });
  afterEach(() => s.close());

  test('a sale and a restock written after install and before any check are announced by the first check; what was true at install is not', async () => {
    const pool = s.db.pool;
    // A shopper who adds an item after install, before its sale: told of the sale too.
    const late = await insertUser(pool);
    await addToWishlist(pool, late.id, shop.willSale);
    // A shopper who adds an item already on sale after install: nothing for that sale (S6).
    const latecomer = await insertUser(pool);
    await addToWishlist(pool, latecomer.id, shop.alreadyOnSale);

    await startSale(pool, shop.willSale, 150);
    await updateProduct(pool, shop.willRestock, { stock: 4, inStock: '1' });
    await updateProduct(pool, shop.alreadyInStock, { stock: 4 }); // an order: still in stock
    await updateProduct(pool, shop.alreadyOnSale, { stock: 7 }); // an edit during its sale (S10)

    expect(await s.check('sale', 'http')).toEqual({ checked: 5, notified: 2, emails: 2, errors: 0 });
    expect(await s.check('stock', 'http')).toMatchObject({ notified: 1, emails: 1, errors: 0 });

    const early = s.sink.to(shop.early.email);
    expect(early.map((m) => m.subject).sort()).toEqual(['Back in stock: Shifter from your wishlist', 'On sale: Pedal Set from your wishlist']);
    expect(s.sink.to(late.email).map((m) => m.subject)).toEqual(['On sale: Pedal Set from your wishlist']);
    expect(s.sink.to(shop.other.email)).toHaveLength(0);
    expect(s.sink.to(latecomer.email)).toHaveLength(0);

    // Announced once; a deeper cut of the sale that was on at install is a change, and is announced.
    expect((await s.check('sale')).notified).toBe(0);
    await updateProduct(pool, shop.alreadyOnSale, { salePrice: 120 });
    expect((await s.check('sale')).notified).toBe(3);
    expect(s.sink.to(shop.other.email).map((m) => m.text)).toEqual([expect.stringContaining('$120.00')]);
  });

  test('with nothing changed since install, the first checks announce nothing', async () => {
    expect(await s.check('sale')).toEqual({ checked: 2, notified: 0, emails: 0, errors: 0 });
    expect((await s.check('stock')).notified).toBe(0);
    expect(s.sink.received).toHaveLength(0);
  });
});

describe('upgrading an installation that already observes the shop', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase({ migrated: false });
    await ensureShopStandIn(db.pool, silentLogger());
  });
  afterEach(() => db.drop());

  const baselined = async () => (await db.pool.query('SELECT product_id FROM wishlist_alert_baseline ORDER BY 1')).rows.map((r) => r.product_id);

  test('copies only the products it never observed that existed when it was installed, and keeps every observation', async () => {
    const user = await insertUser(db.pool);
    const observed = await insertProduct(db.pool, { stock: 0 }, { observe: false });
    const unobserved = await insertProduct(db.pool, {}, { observe: false });
    await addToWishlist(db.pool, user.id, observed);
    await migrate(db.pool, silentLogger(), listMigrations().filter((m) => m.id < 13));
    // The earlier version's look at one product (sold out, no sale).
    await db.pool.query(
      `INSERT INTO wishlist_alert_products (product_id, sale_live, sale_epoch, sale_began_at, stock_live, stock_epoch, stock_back_at)
       VALUES ($1, false, 0, '-infinity', false, 0, '-infinity')`, [observed],
    );
    const newer = await insertProduct(db.pool, {}, { observe: false }); // after install, never looked at
    const before = (await db.pool.query('SELECT * FROM wishlist_alert_products')).rows;

    await migrate(db.pool, silentLogger());

    expect(await baselined()).toEqual([unobserved]);
    expect((await db.pool.query('SELECT * FROM wishlist_alert_products')).rows).toEqual(before);
    await withTransaction(db.pool, (c) => observeProducts(c, new Date(), TZ, [newer]));
    expect(await baselined()).toEqual([]); // taken over whatever the first look's scope
    const { rows } = await db.pool.query('SELECT product_id FROM wishlist_alert_products ORDER BY 1');
    expect(rows.map((r) => r.product_id)).toEqual([observed, unobserved, newer]);
  });
});
