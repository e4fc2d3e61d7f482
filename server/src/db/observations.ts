import type { Db } from './pool';

/**
 * Which products to look at: every product (the scheduled checks), or only these (the
 * watch, the host's productsChanged).
 */
export type ProductScope = number[] | null;

/** What `observeProducts` saw change: products whose sale began, whose price changed, or that came back in stock. */
export interface Observed {
  /** Products seen for the first time (a new product, or the install's baseline taken over). */
  added: number;
  /** Products whose sale began, price (sale or regular) changed, sale ended, stock came or went, or sale dates were changed. */
  changed: number;
}

// A product the module has not observed and that was not there when it was installed (the
// baseline below covers those). There is no history to go by: a sale is taken to have begun
// at its last change (or start date), which errs towards telling a shopper of a sale that
// is really on; stock is taken to have been there since the product was created, so a
// restock is never announced that was not seen to happen. The watch looks at new products
// within seconds, which keeps this first guess rare.
const OBSERVE_NEW = `
INSERT INTO wishlist_alert_products AS o (product_id, sale_live, sale_epoch, sale_began_at, sale_price, sale_price_at,
                                          stock_live, stock_epoch, stock_back_at, sale_observed_at, stock_observed_at,
                                          changed_at, observed_at, regular_price, regular_price_at, regular_prices, regular_prices_at, regular_observed_at,
                                          sale_start_date, sale_end_date)
SELECT c.id, c.on_sale, c.on_sale::int,
       CASE WHEN c.on_sale THEN c.sale_since ELSE '-infinity' END,
       CASE WHEN c.on_sale THEN c.sale_cents END,
       CASE WHEN c.on_sale THEN c.sale_since END,
       c.in_stock, c.in_stock::int,
       CASE WHEN c.in_stock THEN c.created_at ELSE '-infinity' END,
       CASE WHEN c.on_sale THEN $1::timestamptz END, CASE WHEN c.in_stock THEN $1::timestamptz END,
       $1::timestamptz, $1::timestamptz,
       c.regular_cents, '-infinity', ARRAY[c.regular_cents], ARRAY['-infinity'::timestamp], $1::timestamptz,
       c.sale_start_date, c.sale_end_date
  FROM (SELECT p.id, p.sale_start_date, p.sale_end_date,
               wishlist_alert_on_sale(p.is_on_sale, p.sale_price, p.regular_price, p.price_min, p.price_max,
                                      p.sale_start_date, p.sale_end_date, $2::text, $1::timestamptz) AS on_sale,
               wishlist_alert_cents(p.sale_price) AS sale_cents,
               wishlist_alert_cents(p.regular_price) AS regular_cents,
               wishlist_alert_in_stock(p.stock, p.in_stock) AS in_stock,
               coalesce(p.updated_at, '-infinity') AS updated_at,
               coalesce(p.created_at, '-infinity') AS created_at,
               greatest(coalesce(p.updated_at, '-infinity'), wishlist_alert_zoned(p.sale_start_date, $2::text)::timestamp) AS sale_since
          FROM products p
         WHERE ($3::int[] IS NULL OR p.id = ANY($3::int[]))
           AND NOT EXISTS (SELECT 1 FROM wishlist_alert_products x WHERE x.product_id = p.id)
           AND NOT EXISTS (SELECT 1 FROM wishlist_alert_baseline b WHERE b.product_id = p.id)) c
ON CONFLICT (product_id) DO NOTHING`;

// The products as they stood at install (013_install_baseline.sql) become their first
// observation, judged as of that moment in the shop's zone ($1): whatever was true then
// counts as "always so". The next statements compare them with the products as they are
// now, so a sale, price drop or restock since the install is announced like any later
// change (the regular price as it stood is the one every shopper knew). All of
// them at once, whatever the scope: a look that finds no baseline left costs a scan of an
// empty table.
const ADOPT_BASELINE = `
WITH taken AS (DELETE FROM wishlist_alert_baseline RETURNING *),
c AS (
  SELECT t.product_id, t.taken_at,
         wishlist_alert_on_sale(t.is_on_sale, t.sale_price, t.regular_price, t.price_min, t.price_max,
                                t.sale_start_date, t.sale_end_date, $1::text, t.taken_at) AS on_sale,
         wishlist_alert_cents(t.sale_price) AS sale_cents,
         wishlist_alert_cents(t.regular_price) AS regular_cents,
         wishlist_alert_in_stock(t.stock, t.in_stock) AS in_stock, t.sale_start_date, t.sale_end_date,
         greatest(coalesce(t.updated_at, '-infinity'), wishlist_alert_zoned(t.sale_start_date, $1::text)::timestamp) AS sale_since
    FROM taken t
   WHERE EXISTS (SELECT 1 FROM products p WHERE p.id = t.product_id)
)
INSERT INTO wishlist_alert_products AS o (product_id, sale_live, sale_epoch, sale_began_at, sale_price, sale_price_at,
                                          stock_live, stock_epoch, stock_back_at, sale_observed_at, stock_observed_at,
                                          changed_at, observed_at, regular_price, regular_price_at, regular_prices, regular_prices_at, regular_observed_at,
                                          sale_start_date, sale_end_date)
SELECT c.product_id, c.on_sale, c.on_sale::int, '-infinity',
       CASE WHEN c.on_sale THEN c.sale_cents END, CASE WHEN c.on_sale THEN c.sale_since END,
       c.in_stock, c.in_stock::int, '-infinity',
       CASE WHEN c.on_sale THEN c.taken_at END, CASE WHEN c.in_stock THEN c.taken_at END,
       c.taken_at, c.taken_at,
       c.regular_cents, '-infinity', ARRAY[c.regular_cents], ARRAY['-infinity'::timestamp], c.taken_at,
       c.sale_start_date, c.sale_end_date
  FROM c
ON CONFLICT (product_id) DO NOTHING`;

// A product seen before. A sale that begins gets a new epoch and an estimate of when it
// began: its last change or its start date, whichever is later (the estimate errs towards
// announcing). A new sale price within a sale keeps the one before it, for shoppers who
// added the item in between. A product back in stock gets a new epoch; one going out
// keeps its epoch, so coming back is new again. A new regular price is added to the
// product's kept prices, with when it was set (price drops: see 009_price_drops.sql); a
// product observed before price drops existed has its price recorded as "since forever".
// The sale dates are kept as last seen: the watch finds a sale starting or ending by the
// clock among them (db/watch.ts).
const OBSERVE_CHANGES = `
WITH current AS (
  SELECT p.id, p.sale_start_date, p.sale_end_date,
         wishlist_alert_on_sale(p.is_on_sale, p.sale_price, p.regular_price, p.price_min, p.price_max,
                                p.sale_start_date, p.sale_end_date, $2::text, $1::timestamptz) AS on_sale,
         wishlist_alert_cents(p.sale_price) AS sale_cents,
         wishlist_alert_cents(p.regular_price) AS regular_cents,
         wishlist_alert_in_stock(p.stock, p.in_stock) AS in_stock,
         coalesce(p.updated_at, LOCALTIMESTAMP) AS updated_at,
         greatest(coalesce(p.updated_at, LOCALTIMESTAMP), wishlist_alert_zoned(p.sale_start_date, $2::text)::timestamp) AS sale_since
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
  regular_price = c.regular_cents,
  regular_price_at = CASE WHEN o.regular_price_at IS NULL THEN '-infinity'
                          WHEN c.regular_cents IS DISTINCT FROM o.regular_price THEN c.updated_at
                          ELSE o.regular_price_at END,
  regular_prices = CASE WHEN o.regular_price_at IS NULL THEN ARRAY[c.regular_cents]
                        WHEN c.regular_cents IS DISTINCT FROM o.regular_price
                        THEN wishlist_alert_keep_price(o.regular_prices, c.regular_cents)
                        ELSE o.regular_prices END,
  regular_prices_at = CASE WHEN o.regular_price_at IS NULL THEN ARRAY['-infinity'::timestamp]
                           WHEN c.regular_cents IS DISTINCT FROM o.regular_price
                           THEN wishlist_alert_keep_price_at(o.regular_prices_at, c.updated_at)
                           ELSE o.regular_prices_at END,
  regular_observed_at = CASE WHEN o.regular_price_at IS NULL OR c.regular_cents IS DISTINCT FROM o.regular_price THEN $1::timestamptz
                             ELSE o.regular_observed_at END,
  changed_at = CASE WHEN o.sale_live <> c.on_sale OR o.stock_live <> c.in_stock OR (c.on_sale AND o.sale_price IS DISTINCT FROM c.sale_cents)
                         OR o.regular_price_at IS NULL OR o.regular_price IS DISTINCT FROM c.regular_cents
                    THEN $1::timestamptz ELSE o.changed_at END,
  observed_at = $1::timestamptz,
  sale_start_date = c.sale_start_date,
  sale_end_date = c.sale_end_date
  FROM current c
 WHERE o.product_id = c.id
   AND (o.sale_live <> c.on_sale OR o.stock_live <> c.in_stock OR (c.on_sale AND o.sale_price IS DISTINCT FROM c.sale_cents)
        OR o.regular_price_at IS NULL OR o.regular_price IS DISTINCT FROM c.regular_cents
        OR o.sale_start_date IS DISTINCT FROM c.sale_start_date OR o.sale_end_date IS DISTINCT FROM c.sale_end_date)`;

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
  const adopted = await db.query(ADOPT_BASELINE, [timezone]);
  const added = await db.query(OBSERVE_NEW, params);
  const changed = await db.query(OBSERVE_CHANGES, params);
  if (scope === null) await db.query(FORGET_DELETED);
  const observed = { added: (adopted.rowCount ?? 0) + (added.rowCount ?? 0), changed: changed.rowCount ?? 0 };
  // A storewide sale flips many rows inside this transaction, where autovacuum cannot see
  // them: the queue statements would be planned for the few rows the statistics remember.
  if (observed.added + observed.changed >= RESTATE_AFTER_ROWS) await db.query('ANALYZE wishlist_alert_products');
  return observed;
}
