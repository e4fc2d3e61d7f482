-- The second review: values the shop's columns can hold that the rules of 001 did not
-- expect. These definitions replace 001's.

-- A real column holds NaN, Infinity and -Infinity besides prices, and PostgreSQL orders NaN
-- above every number (NaN > 0 is true). None of them is a price: the cents of one are NULL,
-- like a missing price, and the on-sale rule refuses them by name as well.

CREATE OR REPLACE FUNCTION wishlist_alert_cents(price real) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN price > '-Infinity'::real AND price < 'Infinity'::real THEN round(price::float8::numeric, 2) END
$$;

-- A zone-less shop time read in the shop's zone. The shop may store any timestamp, up to
-- year 294276 and back to 4714 BC; placing one at either end in a zone can fall outside
-- that range ("timestamp out of range"), which would fail the whole statement for every
-- product. Times that far out mean "never" and "always": they become ±infinity.
CREATE FUNCTION wishlist_alert_zoned(t timestamp, tz text) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN t > '100000-01-01'::timestamp THEN 'infinity'::timestamptz
              WHEN t < '4000-01-01 BC'::timestamp THEN '-infinity'::timestamptz
              ELSE t AT TIME ZONE tz END
$$;

CREATE OR REPLACE FUNCTION wishlist_alert_on_sale(
  is_on_sale boolean, sale_price real, regular_price real, price_min numeric, price_max numeric,
  starts timestamp, ends timestamp, tz text, at timestamptz
) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(is_on_sale
     AND sale_price > 0 AND sale_price < 'Infinity'::real
     AND regular_price > 0 AND regular_price < 'Infinity'::real
     AND wishlist_alert_cents(sale_price) < wishlist_alert_cents(regular_price)
     AND (price_min IS NULL OR price_max IS NULL OR price_min = price_max)
     AND (starts IS NULL OR wishlist_alert_zoned(starts, tz) <= at)
     AND (ends IS NULL OR wishlist_alert_zoned(ends, tz) > at), false)
$$;

-- Messages whose deliverer's lease ran out: the watch asks for them on every look, and
-- delivery takes them back (few rows: only those being sent).
CREATE INDEX wishlist_alert_messages_leased ON wishlist_alert_messages (locked_until) WHERE status = 'sending';
