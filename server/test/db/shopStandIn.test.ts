import pino from 'pino';
import { Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import { ensureShopStandIn } from '../../src/db/standin/shopStandIn';
import { silentLogger } from '../../src/logger';
import { addToWishlist, insertProduct, insertUser, updateProduct } from '../support/factories';
import { createTestDatabase, TestDatabase } from '../support/testDatabase';

const SHOP_TABLES = [
  'users', 'products', 'product_images', 'wishlists', 'wishlist_notifications',
  'email_templates', 'email_logs', 'email_settings', 'region_settings',
];

async function presentTables(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ t: string }>(
    'SELECT t FROM unnest($1::text[]) AS t WHERE to_regclass($$public.$$ || t) IS NOT NULL ORDER BY t',
    [SHOP_TABLES],
  );
  return rows.map((r) => r.t);
}

/** A logger whose lines land in an array, to see what was announced. */
function capturingLogger(lines: string[]) {
  return pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line).msg) });
}

describe("the shop's stand-in schema", () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase({ migrated: false }); // a clone of template1: empty
  });
  afterEach(() => db.drop());

  test('on an empty database it creates the shop tables, says so once, and returns true', async () => {
    expect(await presentTables(db.pool)).toEqual([]);
    const lines: string[] = [];
    expect(await ensureShopStandIn(db.pool, capturingLogger(lines))).toBe(true);
    expect(await presentTables(db.pool)).toEqual([...SHOP_TABLES].sort());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^🏪 Created a stand-in of the shop's tables \(empty database\)/);
  });

  test('a second call returns false and changes nothing, data included', async () => {
    await ensureShopStandIn(db.pool, silentLogger());
    const user = await insertUser(db.pool);
    await db.pool.query(`UPDATE region_settings SET setting_value = 'changed' WHERE region = 'us' AND setting_key = 'site_name'`);
    const snapshot = () => db.pool.query(`SELECT
      (SELECT count(*)::int FROM users) AS users,
      (SELECT count(*)::int FROM email_templates) AS templates,
      (SELECT count(*)::int FROM region_settings) AS settings,
      (SELECT setting_value FROM region_settings WHERE region = 'us' AND setting_key = 'site_name') AS site_name`);
    const before = (await snapshot()).rows[0];
    const lines: string[] = [];
    expect(await ensureShopStandIn(db.pool, capturingLogger(lines))).toBe(false);
    expect((await snapshot()).rows[0]).toEqual(before);
    expect(before).toMatchObject({ users: 1, templates: 2, site_name: 'changed' });
    expect(lines).toEqual([]);
    expect(user.id).toBeGreaterThan(0);
  });

  test('two processes booting at once create it exactly once', async () => {
    const pools = [createPool(db.url, silentLogger()), createPool(db.url, silentLogger())];
    try {
      const results = await Promise.all(pools.map((p) => ensureShopStandIn(p, silentLogger())));
      expect(results.sort()).toEqual([false, true]);
      const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM email_templates');
      expect(rows[0].n).toBe(2);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  describe('once created', () => {
    beforeEach(() => ensureShopStandIn(db.pool, silentLogger()));

    test('prices are REAL: 12345.67 reads back as a JS number and is not the decimal 12345.67', async () => {
      const id = await insertProduct(db.pool, { regularPrice: 12345.67 }, { observe: false });
      const { rows } = await db.pool.query(
        `SELECT regular_price, pg_typeof(regular_price)::text AS type, regular_price = 12345.67 AS equals_decimal,
                regular_price::float8 AS widened
         FROM products WHERE id = $1`,
        [id],
      );
      expect(rows[0].type).toBe('real');
      expect(typeof rows[0].regular_price).toBe('number'); // numeric would arrive as a string
      expect(rows[0].regular_price).toBeCloseTo(12345.67, 2);
      expect(rows[0].equals_decimal).toBe(false);
      expect(rows[0].widened).not.toBe(12345.67);
    });

    test('a BEFORE UPDATE trigger restamps updated_at, overriding an explicit old value', async () => {
      const user = await insertUser(db.pool);
      const productId = await insertProduct(db.pool, {}, { observe: false });
      const wishlistId = await addToWishlist(db.pool, user.id, productId);
      const old = '2000-01-01 00:00:00';
      const restamped = async (table: string, where: string, values: unknown[]) => {
        const { rows } = await db.pool.query(
          `UPDATE ${table} SET updated_at = $1::timestamp WHERE ${where} RETURNING updated_at <> $1::timestamp AS restamped`,
          [old, ...values],
        );
        expect(rows).toHaveLength(1);
        return rows[0].restamped;
      };
      expect(await restamped('products', 'id = $2', [productId])).toBe(true);
      expect(await restamped('wishlists', 'id = $2', [wishlistId])).toBe(true);
      expect(await restamped('email_templates', 'type = $2', ['wishlist_sale_notification'])).toBe(true);
      expect(await restamped('region_settings', 'region = $2 AND setting_key = $3', ['us', 'currency'])).toBe(true);
      // users has no such trigger in the shop: the explicit value stays.
      expect(await restamped('users', 'id = $2', [user.id])).toBe(false);
    });

    test('in_stock is text, written by the factories as the shop writes it, and every timestamp is zone-less', async () => {
      const { rows: types } = await db.pool.query(
        `SELECT column_name, data_type FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = 'products' AND column_name IN ('in_stock', 'backorders_allowed')
         ORDER BY column_name`,
      );
      expect(types).toEqual([
        { column_name: 'backorders_allowed', data_type: 'text' },
        { column_name: 'in_stock', data_type: 'text' },
      ]);
      const zoned = await db.pool.query(
        `SELECT table_name, column_name FROM information_schema.columns
         WHERE table_schema = 'public' AND data_type = 'timestamp with time zone'`,
      );
      expect(zoned.rows).toEqual([]);

      const stocked = await insertProduct(db.pool, { stock: 3 }, { observe: false });
      const empty = await insertProduct(db.pool, { stock: 0 }, { observe: false });
      // An order's decrement changes only stock: in_stock goes stale, as in the shop.
      await updateProduct(db.pool, stocked, { stock: -1 });
      const { rows } = await db.pool.query('SELECT id, stock, in_stock FROM products WHERE id = ANY($1) ORDER BY id', [[stocked, empty]]);
      expect(rows).toEqual([
        { id: stocked, stock: -1, in_stock: '1' },
        { id: empty, stock: 0, in_stock: '0' },
      ]);
    });

    test('(slug, region) is unique per region: a duplicate is refused, the twin in the other region is accepted', async () => {
      await insertProduct(db.pool, { slug: 'gt-cockpit', sku: 'GT-1', region: 'us' }, { observe: false });
      await expect(insertProduct(db.pool, { slug: 'gt-cockpit', region: 'us' }, { observe: false })).rejects.toMatchObject({
        code: '23505',
        constraint: 'products_slug_region_key',
      });
      const twin = await insertProduct(db.pool, { slug: 'gt-cockpit', sku: 'GT-1', region: 'eu' }, { observe: false });
      const { rows } = await db.pool.query(`SELECT region FROM products WHERE slug = 'gt-cockpit' ORDER BY region`);
      expect(rows.map((r) => r.region)).toEqual(['eu', 'us']);
      expect(twin).toBeGreaterThan(0);
    });

    test("the shop's two wishlist templates and the regions' currencies are seeded", async () => {
      const { rows: templates } = await db.pool.query(
        `SELECT type, name, recipient_type, is_active, header_image, header_title, trigger_event, subject
         FROM email_templates ORDER BY type`,
      );
      expect(templates).toEqual([
        expect.objectContaining({
          type: 'wishlist_sale_notification', name: 'Wishlist Sale Notification', recipient_type: 'customer',
          is_active: true, header_image: '/SimFab-logo-red-black-min-crop.svg', header_title: 'SimFab', trigger_event: null,
        }),
        expect.objectContaining({
          type: 'wishlist_stock_notification', name: 'Wishlist Stock Notification', recipient_type: 'customer',
          is_active: true, header_image: '/SimFab-logo-red-black-min-crop.svg', header_title: 'SimFab', trigger_event: null,
        }),
      ]);
      for (const t of templates) expect(t.subject).toContain('{{product_name}}');

      const { rows: currencies } = await db.pool.query(
        `SELECT region, setting_value FROM region_settings WHERE setting_key = 'currency' ORDER BY region`,
      );
      expect(currencies).toEqual([
        { region: 'eu', setting_value: 'EUR' },
        { region: 'us', setting_value: 'USD' },
      ]);
    });
  });
});
