import type { Db } from './pool';

/**
 * Which products to look at: every product (the scheduled checks), or only these (the
 * watch, the host's productsChanged).
 */
export type ProductScope = number[] | null;

/** What `observeProducts` saw change: products whose sale began or that came back in stock. */
export interface Observed {
  /** Products seen for the first time (a new product, or the first look after installing). */
  added: number;
  /** Products whose sale began, price changed, sale ended, or stock came or went. */
  changed: number;
}

// A product seen for the first time. What is true of it is news only if it became true
// after the module was installed: a product that already existed then counts from
// '-infinity' (installing announces nothing). For a newer one there is no history to go
// by: a sale is taken to have begun at its last change (or start date), which errs towards
// telling a shopper of a sale that is really on; stock is taken to have been there since
// the product was created, so a restock is never announced that was not seen to happen.
// The watch looks at new products within seconds, which keeps this first guess rare.
const OBSERVE_NEW = `
INSERT INTO wishlist_alert_products AS o (product_id, sale_live, sale_epoch, sale_began_at, sale_price, sale_price_at,
                                          stock_live, stock_epoch, stock_back_at, sale_observed_at, stock_observed_at,
                                          changed_at, observed_at)
SELECT c.id, c.on_sale, c.on_sale::int,
       CASE WHEN c.on_sale AND NOT c.preinstalled THEN c.sale_since ELSE '-infinity' END,
       CASE WHEN c.on_sale THEN c.sale_cents END,
       CASE WHEN c.on_sale THEN c.sale_since END,
       c.in_stock, c.in_stock::int,
       CASE WHEN c.in_stock AND NOT c.preinstalled THEN c.created_at ELSE '-infinity' END,
       CASE WHEN c.on_sale THEN $1::timestamptz END, CASE WHEN c.in_stock THEN $1::timestamptz END,
       $1::timestamptz, $1::timestamptz
  FROM (SELECT p.id,
               wishlist_alert_on_sale(p.is_on_sale, p.sale_price, p.regular_price, p.price_min, p.price_max,
                                      p.sale_start_date, p.sale_end_date, $2::text, $1::timestamptz) AS on_sale,
               wishlist_alert_cents(p.sale_price) AS sale_cents,
               wishlist_alert_in_stock(p.stock, p.in_stock) AS in_stock,
               coalesce(p.updated_at, '-infinity') AS updated_at,
               coalesce(p.created_at, '-infinity') AS created_at,
               greatest(coalesce(p.updated_at, '-infinity'), (p.sale_start_date AT TIME ZONE $2::text)::timestamp) AS sale_since,
               coalesce(p.created_at, '-infinity') < i.installed_at AS preinstalled
          FROM products p CROSS JOIN wishlist_alert_install i
         WHERE ($3::int[] IS NULL OR p.id = ANY($3::int[]))
           AND NOT EXISTS (SELECT 1 FROM wishlist_alert_products x WHERE x.product_id = p.id)) c
ON CONFLICT (product_id) DO NOTHING`;

// A product seen before. A sale that begins gets a new epoch and an estimate of when it
// began: its last change or its start date, whichever is later (the estimate errs towards
// announcing). A new sale price within a sale keeps the one before it, for shoppers who
// added the item in between. A product back in stock gets a new epoch; one going out
// keeps its epoch, so coming back is new again.
const OBSERVE_CHANGES = `
WITH current AS (
  SELECT p.id,
         wishlist_alert_on_sale(p.is_on_sale, p.sale_price, p.regular_price, p.price_min, p.price_max,
                                p.sale_start_date, p.sale_end_date, $2::text, $1::timestamptz) AS on_sale,
         wishlist_alert_cents(p.sale_price) AS sale_cents,
         wishlist_alert_in_stock(p.stock, p.in_stock) AS in_stock,
         coalesce(p.updated_at, LOCALTIMESTAMP) AS updated_at,
         greatest(coalesce(p.updated_at, LOCALTIMESTAMP), (p.sale_start_date AT TIME ZONE $2::text)::timestamp) AS sale_since
    FROM products p
   WHERE ($3::int[] IS NULL OR p.id = ANY($3::int[]))
)
UPDATE wishlist_alert_products o SET
  sale_live = c.on_sale,
  sale_epoch = o.sale_epoch + CASE WHEN c.on_sale AND NOT o.sale_live THEN 1 ELSE 0 END,
  sale_began_at = CASE WHEN c.on_sale AND NOT o.sale_live THEN c.sale_since ELSE o.sale_began_at END,
  sale_price = CASE WHEN c.on_sale THEN c.sale_cents END,
  sale_price_prev = CASE WHEN NOT (c.on_sale AND o.sale_live) THEN NULL
                         WHEN c.sale_cents IS DISTINCT FROM o.sale_price THEN o.sale_price
                         ELSE o.sale_price_prev END,
  sale_price_at = CASE WHEN NOT c.on_sale THEN NULL
                       WHEN NOT o.sale_live THEN c.sale_since
                       WHEN c.sale_cents IS DISTINCT FROM o.sale_price THEN c.updated_at
                       ELSE o.sale_price_at END,
  stock_live = c.in_stock,
  stock_epoch = o.stock_epoch + CASE WHEN c.in_stock AND NOT o.stock_live THEN 1 ELSE 0 END,
  stock_back_at = CASE WHEN c.in_stock AND NOT o.stock_live THEN c.updated_at ELSE o.stock_back_at END,
  sale_observed_at = CASE WHEN NOT c.on_sale THEN NULL
                          WHEN NOT o.sale_live OR c.sale_cents IS DISTINCT FROM o.sale_price THEN $1::timestamptz
                          ELSE o.sale_observed_at END,
  stock_observed_at = CASE WHEN NOT c.in_stock THEN NULL
                           WHEN NOT o.stock_live THEN $1::timestamptz
                           ELSE o.stock_observed_at END,
  changed_at = $1::timestamptz,
  observed_at = $1::timestamptz
  FROM current c
 WHERE o.product_id = c.id
   AND (o.sale_live <> c.on_sale OR o.stock_live <> c.in_stock OR (c.on_sale AND o.sale_price IS DISTINCT FROM c.sale_cents))`;

// Observations of products the shop has deleted for good (a hard delete cascades to its
// wishlist rows, so nobody is waiting for them).
const FORGET_DELETED = `
DELETE FROM wishlist_alert_products o WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.id = o.product_id)`;

// Observers (the two checks, the watch, on any instance) take turns: two observing at once
// would both see the same sale begin and race on the same rows.
export const OBSERVER_LOCK = 727_002;
const RESTATE_AFTER_ROWS = 1000;

/**
 * Compares the products in scope with what was last observed and records each change.
 * Runs in the caller's transaction, which it holds an advisory lock for until it ends.
 * `now` is the moment the rules are judged at; `timezone` is the zone the shop's sale
 * dates are written in.
 */
export async function observeProducts(db: Db, now: Date, timezone: string, scope: ProductScope): Promise<Observed> {
  await db.query('SELECT pg_advisory_xact_lock($1)', [OBSERVER_LOCK]);
  const params = [now, timezone, scope];
  const added = await db.query(OBSERVE_NEW, params);
  const changed = await db.query(OBSERVE_CHANGES, params);
  if (scope === null) await db.query(FORGET_DELETED);
  const observed = { added: added.rowCount ?? 0, changed: changed.rowCount ?? 0 };
  // A storewide sale flips many rows inside this transaction, where autovacuum cannot see
  // them: the queue statements would be planned for the few rows the statistics remember.
  if (observed.added + observed.changed >= RESTATE_AFTER_ROWS) await db.query('ANALYZE wishlist_alert_products');
  return observed;
}
