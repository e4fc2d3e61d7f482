-- The shop's meanings, each defined once. The checks, the send-time re-check and the watch
-- all call these; they are plain SQL functions, so the planner inlines them into the
-- set-based statements. They read only the values they are given: nothing here refers to
-- a shop table, so the shop can change its tables without touching the module's objects.

-- A price as the shop shows it: rounded to cents. Prices are `real`; a cast from real to
-- numeric keeps six significant digits (12345.67 would become 12345.7), so go through float8.
CREATE OR REPLACE FUNCTION wishlist_alert_cents(price real) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT round(price::float8::numeric, 2)
$$;

-- Visible: the product page answers (status 'active', not soft-deleted).
CREATE OR REPLACE FUNCTION wishlist_alert_visible(status text, deleted_at timestamp) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(status = 'active' AND deleted_at IS NULL, false)
$$;

-- In stock: stock above zero; only where stock is NULL does the text flag in_stock = '1'
-- decide. The flag goes stale after orders and refunds, and a product on backorder with
-- stock <= 0 is not in stock.
CREATE OR REPLACE FUNCTION wishlist_alert_in_stock(stock integer, in_stock text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN stock IS NOT NULL THEN stock > 0 ELSE coalesce(btrim(in_stock) = '1', false) END
$$;

-- On sale at `at`: flagged, both prices present and positive, the sale price below the
-- regular price in cents, no price range (the storefront shows no sale for one), and the
-- window open (NULL = open). The window's dates are zone-less and written by the shop's
-- Node process in its own zone: `tz` says which.
CREATE OR REPLACE FUNCTION wishlist_alert_on_sale(
  is_on_sale boolean, sale_price real, regular_price real, price_min numeric, price_max numeric,
  starts timestamp, ends timestamp, tz text, at timestamptz
) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(is_on_sale
     AND sale_price > 0 AND regular_price > 0
     AND wishlist_alert_cents(sale_price) < wishlist_alert_cents(regular_price)
     AND (price_min IS NULL OR price_max IS NULL OR price_min = price_max)
     AND (starts IS NULL OR (starts AT TIME ZONE tz) <= at)
     AND (ends IS NULL OR (ends AT TIME ZONE tz) > at), false)
$$;

-- The smallest sale worth announcing: `pct` percent off the regular price, in cents.
CREATE OR REPLACE FUNCTION wishlist_alert_big_enough(regular numeric, sale numeric, pct numeric) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (regular - sale) * 100 >= pct * regular
$$;

-- A cut within a sale the shopper already heard of: below the price they were told, and
-- at least `pct` percent below it.
CREATE OR REPLACE FUNCTION wishlist_alert_deeper_cut(sale numeric, seen numeric, pct numeric) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT sale < seen AND sale <= seen * (1 - pct / 100)
$$;
