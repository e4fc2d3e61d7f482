import type { Db } from '../../src/db/pool';

let seq = 0;
const next = () => `${Date.now().toString(36)}${(++seq).toString(36)}`;

export async function insertUser(db: Db, fields: { email?: string; firstName?: string | null } = {}): Promise<{ id: number; email: string }> {
  const email = fields.email ?? `shopper-${next()}@example.com`;
  const { rows } = await db.query('INSERT INTO users (email, first_name) VALUES ($1, $2) RETURNING id, email', [
    email,
    fields.firstName === undefined ? 'Sam' : fields.firstName,
  ]);
  return rows[0];
}

export interface ProductFields {
  name?: string;
  slug?: string;
  regularPrice?: number;
  salePrice?: number | null;
  isOnSale?: boolean;
  saleStart?: Date | null;
  saleEnd?: Date | null;
  stock?: number;
  inStock?: boolean;
  status?: string;
}

/** A plain INSERT of the monolith's own columns, as its other writers do. */
export async function insertProduct(db: Db, f: ProductFields = {}): Promise<number> {
  const id = next();
  const { rows } = await db.query(
    `INSERT INTO products (sku, name, slug, regular_price, sale_price, is_on_sale, sale_start_date, sale_end_date, stock, in_stock, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
    [
      `SKU-${id}`,
      f.name ?? `Product ${id}`,
      f.slug ?? `product-${id}`,
      f.regularPrice ?? 100,
      f.salePrice ?? null,
      f.isOnSale ?? false,
      f.saleStart ?? null,
      f.saleEnd ?? null,
      f.stock ?? 10,
      f.inStock ?? true,
      f.status ?? 'active',
    ],
  );
  return rows[0].id;
}

const COLUMNS: Record<keyof ProductFields, string> = {
  name: 'name',
  slug: 'slug',
  regularPrice: 'regular_price',
  salePrice: 'sale_price',
  isOnSale: 'is_on_sale',
  saleStart: 'sale_start_date',
  saleEnd: 'sale_end_date',
  stock: 'stock',
  inStock: 'in_stock',
  status: 'status',
};

/** A plain SQL UPDATE, as the admin panel, a CSV import or a stock sync would make. */
export async function updateProduct(db: Db, id: number, f: ProductFields): Promise<void> {
  const keys = Object.keys(f) as (keyof ProductFields)[];
  const sets = keys.map((k, i) => `${COLUMNS[k]} = $${i + 2}`).join(', ');
  await db.query(`UPDATE products SET ${sets} WHERE id = $1`, [id, ...keys.map((k) => f[k])]);
}

export async function addToWishlist(
  db: Db, userId: number, productId: number, f: { notifyOnSale?: boolean; notifyOnStock?: boolean } = {},
): Promise<number> {
  const { rows } = await db.query(
    'INSERT INTO wishlists (user_id, product_id, notify_on_sale, notify_on_stock) VALUES ($1, $2, $3, $4) RETURNING id',
    [userId, productId, f.notifyOnSale ?? true, f.notifyOnStock ?? true],
  );
  return rows[0].id;
}

/** Starts a sale now: on sale at `salePrice` with no dates. */
export function startSale(db: Db, productId: number, salePrice: number): Promise<void> {
  return updateProduct(db, productId, { isOnSale: true, salePrice, saleStart: null, saleEnd: null });
}
