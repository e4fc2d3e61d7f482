-- The watch's look made cheap when nothing changes (issue 21). The shop's tables still get
-- no index, trigger or column: what the look needs is kept here.
--
-- The products' sale dates as last observed: a sale that starts or ends by the clock is
-- found among the few observations whose dates fall in the interval since the last look,
-- not by converting every product's dates to the shop's zone on every look. Changing a
-- product's dates writes its row, which the look finds by row version and observes.
ALTER TABLE wishlist_alert_products ADD COLUMN sale_start_date timestamp, ADD COLUMN sale_end_date timestamp;
CREATE INDEX wishlist_alert_products_sale_start ON wishlist_alert_products (sale_start_date) WHERE sale_start_date IS NOT NULL;
CREATE INDEX wishlist_alert_products_sale_end ON wishlist_alert_products (sale_end_date) WHERE sale_end_date IS NOT NULL;
-- Settle times ending since the last look, found the same way.
CREATE INDEX wishlist_alert_products_sale_observed ON wishlist_alert_products (sale_observed_at) WHERE sale_observed_at IS NOT NULL;
CREATE INDEX wishlist_alert_products_stock_observed ON wishlist_alert_products (stock_observed_at) WHERE stock_observed_at IS NOT NULL;

-- The products table's write counters (PostgreSQL's statistics) read before the last look
-- that read the rows: while they are unchanged, no product was written since, and the
-- look skips reading the rows (see db/watch.ts, productWrites).
ALTER TABLE wishlist_alert_watch ADD COLUMN product_writes text;

-- Observations made before this migration: their dates, from the products as they are now.
-- Dynamic SQL: the statement is planned only where there is something to fill in.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM wishlist_alert_products) THEN
    EXECUTE 'UPDATE wishlist_alert_products o SET sale_start_date = p.sale_start_date, sale_end_date = p.sale_end_date
               FROM products p
              WHERE p.id = o.product_id AND (p.sale_start_date IS NOT NULL OR p.sale_end_date IS NOT NULL)';
  END IF;
END $$;
