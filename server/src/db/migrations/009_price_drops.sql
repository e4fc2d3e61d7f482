-- Price drops (issue 23): a lower regular price, announced as its own kind, 'price_drop',
-- with the sale rules' switches (docs/design.md, "Price drops"). Only the module's own
-- tables change; the shop's wishlist_notifications keeps its CHECK (price drops are
-- logged there as 'sale' rows: see record.ts).

-- The regular price as observed, in cents, and what the rules need to know which price a
-- shopper who was never told anything saw when adding the item:
--   regular_price_at     when the current price was set (the product's updated_at then;
--                        '-infinity' at a product's first look: installing, or a new
--                        product, announces no drop that was not seen to happen)
--   regular_prices       the prices observed, oldest first, the current one last, and
--   regular_prices_at    when each was set: a wishlist row added at t saw the last price
--                        set at or before t. At most ten are kept: past that the two oldest
--                        become one, set at the older's time, at the lower price (a row
--                        added then may have seen either), so the first is always the
--                        first look's ('-infinity') and every row has a price it knew.
--   regular_observed_at  when the current price was first observed (the settle time)
-- A NULL regular_price_at means not observed yet (rows made before this migration).
ALTER TABLE wishlist_alert_products
  ADD COLUMN regular_price numeric,
  ADD COLUMN regular_price_at timestamp,
  ADD COLUMN regular_prices numeric[],
  ADD COLUMN regular_prices_at timestamp[],
  ADD COLUMN regular_observed_at timestamptz;

-- The regular price the shopper was last shown for the item (by a sale email, as the "was"
-- price, or by a price-drop email): the next drop is measured from it.
ALTER TABLE wishlist_alert_seen ADD COLUMN regular_price numeric;

-- A price drop's "was": the price the shopper knew when the drop was queued.
ALTER TABLE wishlist_alert_items ADD COLUMN previous_price numeric;

ALTER TABLE wishlist_alert_messages DROP CONSTRAINT wishlist_alert_messages_kind_check,
  ADD CONSTRAINT wishlist_alert_messages_kind_check CHECK (kind IN ('sale', 'stock', 'price_drop'));
ALTER TABLE wishlist_alert_items DROP CONSTRAINT wishlist_alert_items_kind_check,
  ADD CONSTRAINT wishlist_alert_items_kind_check CHECK (kind IN ('sale', 'stock', 'price_drop'));

-- A product's kept prices (and their times) with a new one appended, as the comment on
-- regular_prices says.
CREATE FUNCTION wishlist_alert_keep_price(prices numeric[], price numeric) RETURNS numeric[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN cardinality(prices) < 10 THEN array_append(prices, price)
              ELSE array_append(ARRAY[least(prices[1], prices[2])] || prices[3:], price) END
$$;
CREATE FUNCTION wishlist_alert_keep_price_at(ats timestamp[], at timestamp) RETURNS timestamp[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN cardinality(ats) < 10 THEN array_append(ats, at)
              ELSE array_append(ARRAY[ats[1]] || ats[3:], at) END
$$;
