import { Client } from 'pg';
import { ensureShopStandIn } from '../../src/db/standin/shopStandIn';
import { migrate } from '../../src/db/migrate';
import { withTransaction } from '../../src/db/pool';
import { observeProducts } from '../../src/db/observations';
import { queueSaleAlerts } from '../../src/db/outbox/queueSales';
import { queueRestockAlerts } from '../../src/db/outbox/queueRestocks';
import { roomForCandidates } from '../../src/db/outbox/queueCommon';
import { silentLogger } from '../../src/logger';
import { addToWishlist, insertProduct, insertUser, startSale, updateProduct } from '../support/factories';
import { createTestDatabase, TestDatabase } from '../support/testDatabase';

const SHOP_TABLES = ['users', 'products', 'product_images', 'wishlists', 'wishlist_notifications', 'email_templates', 'email_logs', 'email_settings', 'region_settings'];
const TZ = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** Every column, index, trigger and constraint of the shop's tables, as the catalogue lists them. */
async function shopCatalogue(db: TestDatabase): Promise<string[]> {
  const { rows } = await db.pool.query(
    `SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type AS item FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = ANY($1)
     UNION ALL SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY($1)
     UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
      WHERE c.relname = ANY($1) AND NOT t.tgisinternal
     UNION ALL SELECT 'constraint ' || conname FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid WHERE r.relname = ANY($1)
     ORDER BY 1`,
    [SHOP_TABLES],
  );
  return rows.map((r) => r.item);
}

describe("installing on the shop's database as its migrations leave it", () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase({ migrated: false });
    await ensureShopStandIn(db.pool, silentLogger());
  });
  afterEach(() => db.drop());

  test('adds no column, index, trigger or constraint to a shop table and restamps no row', async () => {
    const user = await insertUser(db.pool);
    const product = await insertProduct(db.pool, { isOnSale: true, salePrice: 80 }, { observe: false });
    await addToWishlist(db.pool, user.id, product);
    const before = await shopCatalogue(db);
    const stamps = `SELECT (SELECT array_agg(updated_at ORDER BY id)::text FROM products) AS p, (SELECT array_agg(updated_at ORDER BY id)::text FROM wishlists) AS w`;
    const stampedBefore = (await db.pool.query(stamps)).rows[0];

    await migrate(db.pool, silentLogger());
    await withTransaction(db.pool, (c) => observeProducts(c, new Date(), TZ, null));

    expect(await shopCatalogue(db)).toEqual(before);
    expect((await db.pool.query(stamps)).rows[0]).toEqual(stampedBefore);
  });

  test('announces nothing that was already true, and what changes afterwards', async () => {
    const user = await insertUser(db.pool);
    const onSale = await insertProduct(db.pool, { isOnSale: true, salePrice: 80 }, { observe: false });
    const inStock = await insertProduct(db.pool, { stock: 5 }, { observe: false });
    const soldOut = await insertProduct(db.pool, { stock: 0 }, { observe: false });
    for (const p of [onSale, inStock, soldOut]) await addToWishlist(db.pool, user.id, p);
    // A later edit of a product already on sale (a stock decrement from an order) is not a new sale.
    await updateProduct(db.pool, onSale, { stock: 9 });
    await migrate(db.pool, silentLogger());

    const check = () =>
      withTransaction(db.pool, async (c) => {
        const now = new Date();
        await roomForCandidates(c);
        await observeProducts(c, now, TZ, null);
        return [
          await queueSaleAlerts(c, now, { minDropPercent: 0, timezone: TZ, scope: null, settleSeconds: 0 }),
          await queueRestockAlerts(c, now, { cooldownHours: 24, perUnit: 0, scope: null, settleSeconds: 0 }),
        ];
      });
    expect(await check()).toEqual([{ checked: 1, queued: 0 }, { checked: 2, queued: 0 }]);
    await updateProduct(db.pool, soldOut, { stock: 3 });
    await updateProduct(db.pool, onSale, { salePrice: 70 });
    expect(await check()).toEqual([{ checked: 1, queued: 1 }, { checked: 3, queued: 1 }]);
  });
});

describe("the shop's own writes while a check holds its transaction open", () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(() => db.drop());

  test('a price edit, an order stock decrement, a wishlist add and a soft delete never wait on it', async () => {
    const users = await Promise.all(Array.from({ length: 20 }, () => insertUser(db.pool)));
    const products: number[] = [];
    for (let i = 0; i < 20; i++) products.push(await insertProduct(db.pool, { stock: i % 2 ? 0 : 4 }));
    for (const u of users) for (const p of products.slice(0, 15)) await addToWishlist(db.pool, u.id, p);
    for (const p of products) await startSale(db.pool, p, 50);
    for (const p of products) await updateProduct(db.pool, p, { stock: 7 });

    const checker = await db.pool.connect();
    const shop = new Client({ connectionString: db.url });
    await shop.connect();
    try {
      await checker.query('BEGIN');
      const now = new Date();
      await observeProducts(checker, now, TZ, null);
      const sale = await queueSaleAlerts(checker, now, { minDropPercent: 0, timezone: TZ, scope: null, settleSeconds: 0 });
      const stock = await queueRestockAlerts(checker, now, { cooldownHours: 24, perUnit: 0, scope: null, settleSeconds: 0 });
      expect(sale.queued).toBe(300);
      expect(stock.queued).toBe(140); // the 7 of those 15 that were sold out
      // The check's transaction is still open: whatever it locked stays locked until COMMIT.
      // The shop's writes must not wait for it (lock_timeout turns a wait into an error).
      await shop.query(`SET lock_timeout = '500ms'`);
      await shop.query('UPDATE products SET regular_price = 120 WHERE id = $1', [products[0]]);
      await shop.query('UPDATE products SET stock = stock - 1 WHERE id = $1', [products[1]]);
      await shop.query('INSERT INTO wishlists (user_id, product_id) VALUES ($1, $2)', [users[0].id, products[19]]);
      await shop.query('UPDATE products SET deleted_at = CURRENT_TIMESTAMP WHERE id = $1', [products[2]]);
      await shop.query('UPDATE wishlists SET notify_on_sale = false WHERE user_id = $1', [users[1].id]);
      await checker.query('COMMIT');
    } finally {
      checker.release();
      await shop.end();
    }
  });
});
