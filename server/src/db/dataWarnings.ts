import type { Db } from './pool';
import type { ProductScope } from './observations';

/** Counts of wishlisted products whose data the rules cannot fully use, by problem. */
export type DataWarnings = Record<string, number>;

/**
 * Products with data the rules cannot fully use. Each still gets a sensible result (no
 * alert, or the rule's reading of it); this only says how many, so one warning per run
 * can point an operator at them.
 */
export async function countDataWarnings(db: Db, scope: ProductScope): Promise<DataWarnings> {
  const { rows } = await db.query<DataWarnings>(
    `SELECT count(*) FILTER (WHERE region IS NULL OR region NOT IN ('us', 'eu'))::int AS "unknown region (no alerts)",
            count(*) FILTER (WHERE is_on_sale AND (wishlist_alert_cents(sale_price) IS NULL OR wishlist_alert_cents(regular_price) IS NULL
                                                   OR sale_price <= 0 OR regular_price <= 0))::int
              AS "on sale without usable prices (no sale alerts)",
            count(*) FILTER (WHERE stock < 0)::int AS "negative stock (out of stock)",
            count(*) FILTER (WHERE stock IS NULL AND coalesce(btrim(in_stock), '') NOT IN ('0', '1'))::int
              AS "no stock and an unknown in_stock flag (out of stock)",
            count(*) FILTER (WHERE status IS NULL OR status NOT IN ('active', 'inactive', 'draft', 'archived'))::int
              AS "unknown status (not visible)",
            count(*) FILTER (WHERE status = 'active' AND deleted_at IS NULL AND (slug IS NULL OR btrim(slug) = ''))::int
              AS "no slug (linked to the wishlist page)"
       FROM products
      WHERE $1::int[] IS NULL OR id = ANY($1::int[])`,
    [scope],
  );
  return Object.fromEntries(Object.entries(rows[0]).filter(([, n]) => n > 0));
}
