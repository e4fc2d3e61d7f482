import type { Pool } from 'pg';
import { Db, withTransaction } from '../../src/db/pool';
import { observeProducts } from '../../src/db/observations';

/**
 * Rows in the shop's shape (see server/src/db/standin/shop-schema.sql), written with plain
 * SQL as the shop's own writers would: its admin, CSV import, order stock decrements.
 */

let seq = 0;
const next = () => `${Date.now().toString(36)}${(++seq).toString(36)}`;

// users.password is NOT NULL (a bcrypt hash in the shop); nobody logs in here.
const DUMMY_PASSWORD_HASH = '$2b$10$standinstandinstandinstandinstandinstandinstandinstan';

export async function insertUser(db: Db, fields: { email?: string; firstName?: string | null } = {}): Promise<{ id: number; email: string }> {
  const email = fields.email ?? `shopper-${next()}@example.com`;
  const { rows } = await db.query<{ id: number; email: string }>(
    'INSERT INTO users (email, password, first_name) VALUES ($1, $2, $3) RETURNING id, email',
    [email, DUMMY_PASSWORD_HASH, fields.firstName === undefined ? 'Sam' : fields.firstName],
  );
  return rows[0];
}

export interface ProductFields {
  name?: string;
  slug?: string;
  sku?: string;
  region?: 'us' | 'eu';
  regularPrice?: number | null;
  salePrice?: number | null;
  isOnSale?: boolean;
  saleStart?: Date | null;
  saleEnd?: Date | null;
  stock?: number | null;
  /** '1' or '0' in the shop; free text is possible. */
  inStock?: string | null;
  backorders?: 'yes' | 'no' | null;
  status?: string;
  deletedAt?: Date | null;
  priceMin?: number | null;
  priceMax?: number | null;
  productGroupId?: string | null;
}

const COLUMNS: Record<keyof ProductFields, string> = {
  name: 'name',
  slug: 'slug',
  sku: 'sku',
  region: 'region',
  regularPrice: 'regular_price',
  salePrice: 'sale_price',
  isOnSale: 'is_on_sale',
  saleStart: 'sale_start_date',
  saleEnd: 'sale_end_date',
  stock: 'stock',
  inStock: 'in_stock',
  backorders: 'backorders_allowed',
  status: 'status',
  deletedAt: 'deleted_at',
  priceMin: 'price_min',
  priceMax: 'price_max',
  productGroupId: 'product_group_id',
};

/** The given fields only, in a fixed order, as [column, value] pairs. */
function columnValues(f: Partial<ProductFields>): Array<[string, unknown]> {
  return (Object.keys(COLUMNS) as (keyof ProductFields)[])
    .filter((k) => f[k] !== undefined)
    .map((k) => [COLUMNS[k], f[k]]);
}

/** `f` without its undefined keys, so spreading it never erases a default. */
function definedOnly(f: ProductFields): ProductFields {
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as ProductFields;
}

/** A plain INSERT of a live product; sku and slug are unique per call unless given. */
/**
 * A product as the shop's admin creates it, then looked at once by the module, as the watch
 * does within seconds of a new product (`observe: false` leaves it unseen, for tests of a
 * product's first look).
 */
export async function insertProduct(db: Db & Partial<Pick<Pool, 'connect'>>, f: ProductFields = {}, opts: { observe?: boolean } = {}): Promise<number> {
  const id = next();
  const stock = f.stock === undefined ? 10 : f.stock;
  const row: ProductFields = {
    name: `Product ${id}`,
    slug: `product-${id}`,
    sku: `SKU-${id}`,
    region: 'us',
    regularPrice: 100,
    stock,
    // As the shop's createProduct writes it: derived from stock at creation only.
    inStock: stock !== null && stock > 0 ? '1' : '0',
    status: 'active',
    ...definedOnly(f),
  };
  const pairs = columnValues(row);
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO products (${pairs.map(([c]) => c).join(', ')})
     VALUES (${pairs.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
    pairs.map(([, v]) => v),
  );
  if (opts.observe !== false && db.connect) {
    await withTransaction(db as Pool, (client) =>
      observeProducts(client, new Date(), Intl.DateTimeFormat().resolvedOptions().timeZone, [rows[0].id]),
    );
  }
  return rows[0].id;
}

/**
 * A plain SQL UPDATE of exactly the given columns, as the shop's admin, a CSV import or a
 * stock sync would make. in_stock is NOT derived from stock: an order's decrement changes
 * only stock, so a test that wants both must give both.
 */
export async function updateProduct(db: Db, id: number, f: Partial<ProductFields>): Promise<void> {
  const pairs = columnValues(f);
  if (pairs.length === 0) return;
  const sets = pairs.map(([c], i) => `${c} = $${i + 2}`).join(', ');
  await db.query(`UPDATE products SET ${sets} WHERE id = $1`, [id, ...pairs.map(([, v]) => v)]);
}

export async function addToWishlist(
  db: Db, userId: number, productId: number, f: { notifyOnSale?: boolean; notifyOnStock?: boolean } = {},
): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    'INSERT INTO wishlists (user_id, product_id, notify_on_sale, notify_on_stock) VALUES ($1, $2, $3, $4) RETURNING id',
    [userId, productId, f.notifyOnSale ?? true, f.notifyOnStock ?? true],
  );
  return rows[0].id;
}

/** Starts a sale now: on sale at `salePrice` with no dates. */
export function startSale(db: Db, productId: number, salePrice: number): Promise<void> {
  return updateProduct(db, productId, { isOnSale: true, salePrice, saleStart: null, saleEnd: null });
}

/** A product image; the stand-in refuses a second primary image for one product. */
export async function addImage(
  db: Db, productId: number, url: string, f: { primary?: boolean; sortOrder?: number } = {},
): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    'INSERT INTO product_images (product_id, image_url, is_primary, sort_order) VALUES ($1, $2, $3, $4) RETURNING id',
    [productId, url, f.primary ?? false, f.sortOrder ?? 0],
  );
  return rows[0].id;
}

/** Sets one region's key, as the admin's PUT on the region settings would (adding it if new). */
export async function setRegionSetting(db: Db, region: 'us' | 'eu', key: string, value: string | null): Promise<void> {
  await db.query(
    `INSERT INTO region_settings (region, setting_key, setting_value) VALUES ($1, $2, $3)
     ON CONFLICT (region, setting_key) DO UPDATE SET setting_value = EXCLUDED.setting_value`,
    [region, key, value],
  );
}

/** Turns an email template (by type) on or off, as the shop's email admin would. */
export async function setTemplateActive(db: Db, type: string, active: boolean): Promise<void> {
  const { rowCount } = await db.query('UPDATE email_templates SET is_active = $2 WHERE type = $1', [type, active]);
  if (!rowCount) throw new Error(`no email template of type ${type}`);
}
