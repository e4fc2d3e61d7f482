import type { Client, Pool } from 'pg';
import { Progress } from './progress';

/** A numeric command-line option (`--name 123`), or its fallback. */
export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a number, got ${process.argv[i + 1]}`);
  return v;
}

// users.password is NOT NULL in the shop (a bcrypt hash); nobody logs in here.
const PASSWORD_HASH = '$2b$10$benchbenchbenchbenchbenchbenchbenchbenchbenchbenchbe';

const n = (v: number) => v.toLocaleString('en-US');

export interface ShopShape {
  users: number;
  products: number;
  wishlists: number;
  /** SQL true for a product id (`id` is the SQL expression) that belongs to the eu store. */
  inEu: (id: string) => string;
  /** SQL true for a product id that is out of stock when the data is built. */
  outOfStock: (id: string) => string;
}

/**
 * The shop's rows, as its admin, CSV import and shoppers would have written them, in
 * chunks with a progress line each. Ids are explicit (the benches name rows by id), and
 * the sequences are moved past them.
 */
/** Runs `sql` over ids 1..total in ranges of `size` ($1 to $2, then `extra`), with a progress bar. */
export async function inChunks(pool: Pool, label: string, total: number, size: number, sql: string, extra: unknown[] = []): Promise<void> {
  const bar = new Progress(label, total);
  for (let from = 1; from <= total; from += size) {
    const to = Math.min(total, from + size - 1);
    await pool.query(sql, [from, to, ...extra]);
    bar.tick(to - from + 1);
  }
  bar.finish();
}

export async function generateShop(pool: Pool, shape: ShopShape): Promise<void> {
  const { users: U, products: P, wishlists: W, inEu, outOfStock } = shape;
  const chunks = (label: string, total: number, size: number, sql: string, extra: unknown[] = []) => inChunks(pool, label, total, size, sql, extra);
  await chunks(`users (${n(U)})`, U, 50_000,
    `INSERT INTO users (id, email, password, first_name)
     SELECT i, 'user' || i || '@bench.example', $3, 'User' || i FROM generate_series($1::int, $2::int) i`, [PASSWORD_HASH]);
  // As the shop's createProduct writes them: prices as real, in_stock '1'/'0' from stock,
  // backorders 'no', low_stock_amount 5; one region each, sku and slug unique per region.
  await chunks(`products (${n(P)})`, P, 50_000,
    `INSERT INTO products (id, sku, name, slug, status, region, regular_price, stock, in_stock, backorders_allowed, low_stock_amount)
     SELECT i, 'SKU-' || i, 'Product ' || i, 'product-' || i, 'active',
            CASE WHEN ${inEu('i')} THEN 'eu' ELSE 'us' END,
            (99.99 + i % 900)::real,
            CASE WHEN ${outOfStock('i')} THEN 0 ELSE 10 END,
            CASE WHEN ${outOfStock('i')} THEN '0' ELSE '1' END,
            'no', 5
       FROM generate_series($1::int, $2::int) i`);
  await chunks(`wishlists (${n(W)})`, W, 100_000,
    `INSERT INTO wishlists (user_id, product_id)
     SELECT (i % $3) + 1, ((i / $3) * 7919 + i) % $4 + 1 FROM generate_series($1::int, $2::int) i
     ON CONFLICT DO NOTHING`, [U, P]);
  await pool.query(`SELECT setval(pg_get_serial_sequence('users', 'id'), $1), setval(pg_get_serial_sequence('products', 'id'), $2)`, [U, P]);
  // The shop's own mail so far (an order confirmation per shopper): a live shop's
  // email_logs is not empty. Delivery's record statement references it (the foreign key
  // of wishlist_notifications), and PostgreSQL plans that key's check once per connection:
  // planned against an empty table, it scans the whole table on every check after.
  await chunks(`email_logs (${n(U)})`, U, 50_000,
    `INSERT INTO email_logs (template_type, recipient_email, recipient_name, subject, status, metadata, sent_at, created_at)
     SELECT 'order_confirmation', 'user' || i || '@bench.example', 'User' || i, 'Your SimFab order', 'sent',
            jsonb_build_object('order_number', 'SF-' || i), LOCALTIMESTAMP - interval '30 days', LOCALTIMESTAMP - interval '30 days'
       FROM generate_series($1::int, $2::int) i`);
}

/**
 * A selling shop's products: after loading (and the VACUUM ANALYZE that follows it),
 * `share` of them are rewritten as orders and edits would, each chunk in a transaction of
 * its own, so their rows are young and unfrozen (a VACUUM of freshly loaded rows may
 * freeze them, as PostgreSQL 18's does; a shop's rows are rewritten all day).
 * Each row is written with the values it has (the shop's trigger restamps updated_at), as
 * an order's stock decrement would be: nothing a check would announce changes.
 */
export async function rewriteShare(pool: Pool, products: number, share: number): Promise<number> {
  const chosen = (id: string) => `abs(hashint4(${id} * 7 + 3)) % 1000 < ${Math.round(share * 1000)}`;
  const bar = new Progress(`rewrite ${Math.round(share * 100)}% of the products (young rows)`, products);
  let rewritten = 0;
  for (let from = 1; from <= products; from += 5_000) {
    const to = Math.min(products, from + 4_999);
    const { rowCount } = await pool.query(
      `UPDATE products p SET stock = p.stock, low_stock_amount = p.low_stock_amount
        WHERE p.id BETWEEN $1 AND $2 AND ${chosen('p.id')}`, [from, to]);
    rewritten += rowCount ?? 0;
    bar.tick(to - from + 1);
  }
  bar.finish();
  return rewritten;
}

/** The server's version as the benches print it ("PostgreSQL 15.20"). */
export async function serverVersion(db: Pick<Pool, 'query'> | Pick<Client, 'query'>): Promise<string> {
  const { rows } = await (db as Pick<Pool, 'query'>).query<{ v: string }>(`SELECT 'PostgreSQL ' || current_setting('server_version') AS v`);
  return rows[0].v.replace(/\s*\(.*\)$/, '');
}
