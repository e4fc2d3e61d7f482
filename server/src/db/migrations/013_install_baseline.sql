-- The shop's products as they stand when the module is installed: what is true of them
-- now is never announced, and every change after this is. Only the raw values are copied
-- (one set-based statement): whether a product was on sale depends on the shop's time
-- zone, which is configuration, so the first observation judges these values as of
-- taken_at with the zone it is given (observeProducts, server/src/db/observations.ts)
-- and then compares the products with them like any later look. Each row is removed
-- when it becomes that first observation.
--
-- On an installation that already observes the shop, only products it never observed
-- and that existed when it was installed are copied: the others are new products, and
-- keep the new-product rule.
CREATE TABLE wishlist_alert_baseline (
  product_id integer PRIMARY KEY,
  taken_at timestamptz NOT NULL DEFAULT now(),
  is_on_sale boolean,
  sale_price real,
  regular_price real,
  price_min numeric,
  price_max numeric,
  sale_start_date timestamp,
  sale_end_date timestamp,
  stock integer,
  in_stock text,
  updated_at timestamp
);

-- A database without the shop's tables yet (they come later) has no product to copy.
DO $$
BEGIN
  IF to_regclass('products') IS NOT NULL THEN
    INSERT INTO wishlist_alert_baseline (product_id, is_on_sale, sale_price, regular_price, price_min, price_max,
                                         sale_start_date, sale_end_date, stock, in_stock, updated_at)
    SELECT p.id, p.is_on_sale, p.sale_price, p.regular_price, p.price_min, p.price_max,
           p.sale_start_date, p.sale_end_date, p.stock, p.in_stock, p.updated_at
      FROM products p CROSS JOIN wishlist_alert_install i
     WHERE coalesce(p.created_at, '-infinity') < i.installed_at
       AND NOT EXISTS (SELECT 1 FROM wishlist_alert_products o WHERE o.product_id = p.id);
  END IF;
END
$$;
