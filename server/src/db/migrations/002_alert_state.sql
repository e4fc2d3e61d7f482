-- What the module adds to the monolith's tables. Every column has a default, so the
-- monolith's plain INSERTs and UPDATEs keep working unchanged.
--
-- Detection rests on two counters per product, kept by a trigger so that every
-- writer's plain SQL UPDATE is seen (admin panel, CSV import, stock sync):
--   alert_sale_epoch   +1 each time a new sale begins (the product was not on sale, now is)
--   alert_stock_epoch  +1 each time the product comes back in stock
-- and, per wishlist row, the epoch (and sale price) the shopper has already seen:
-- when the item was added, or when we last announced it. An item is due when the
-- product's epoch is ahead of what the shopper saw (or, for a sale, the price is below).
--
-- A sale can also begin or end by the clock alone (sale_start_date arrives,
-- sale_end_date passes), with no UPDATE to fire a trigger; alert_sale_live records
-- the last observed state and each sale check first catches up on such transitions.

CREATE OR REPLACE FUNCTION wishlist_alerts_on_sale(
  is_on_sale boolean, sale_price numeric, regular_price numeric,
  starts timestamptz, ends timestamptz, at timestamptz
) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(is_on_sale AND sale_price < regular_price
                  AND (starts IS NULL OR starts <= at)
                  AND (ends IS NULL OR ends > at), false)
$$;

ALTER TABLE products
  ADD COLUMN IF NOT EXISTS alert_sale_epoch integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS alert_sale_live boolean NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS alert_stock_epoch integer NOT NULL DEFAULT 0;

UPDATE products SET alert_sale_live = wishlist_alerts_on_sale(
  is_on_sale, sale_price, regular_price, sale_start_date, sale_end_date, now());

CREATE OR REPLACE FUNCTION wishlist_alerts_product_transitions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  on_sale_now boolean := wishlist_alerts_on_sale(NEW.is_on_sale, NEW.sale_price, NEW.regular_price,
                                                 NEW.sale_start_date, NEW.sale_end_date, now());
BEGIN
  IF TG_OP = 'UPDATE' THEN
    -- "Was on sale" is judged now, not at the last observation: a sale whose end date
    -- has passed is over even if no check has noticed yet, so re-opening it is a new sale.
    IF on_sale_now AND NOT (OLD.alert_sale_live AND wishlist_alerts_on_sale(
         OLD.is_on_sale, OLD.sale_price, OLD.regular_price, OLD.sale_start_date, OLD.sale_end_date, now())) THEN
      NEW.alert_sale_epoch := OLD.alert_sale_epoch + 1;
    END IF;
    IF NEW.in_stock AND NEW.stock > 0 AND NOT (OLD.in_stock AND OLD.stock > 0) THEN
      NEW.alert_stock_epoch := OLD.alert_stock_epoch + 1;
    END IF;
  END IF;
  NEW.alert_sale_live := on_sale_now;
  RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS wishlist_alerts_product_transitions ON products;
CREATE TRIGGER wishlist_alerts_product_transitions
  BEFORE INSERT OR UPDATE OF is_on_sale, sale_price, regular_price, sale_start_date, sale_end_date, stock, in_stock
  ON products FOR EACH ROW EXECUTE FUNCTION wishlist_alerts_product_transitions();

ALTER TABLE wishlists
  ADD COLUMN IF NOT EXISTS alert_sale_epoch_seen integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS alert_sale_price_seen numeric(10,2),
  ADD COLUMN IF NOT EXISTS alert_stock_epoch_seen integer NOT NULL DEFAULT 0;

-- Existing rows start level with their product: installing the module announces
-- nothing that was already true; it announces what changes from now on.
UPDATE wishlists w SET
  alert_sale_epoch_seen = p.alert_sale_epoch,
  alert_sale_price_seen = CASE WHEN p.alert_sale_live THEN p.sale_price END,
  alert_stock_epoch_seen = p.alert_stock_epoch
FROM products p WHERE p.id = w.product_id;

-- A shopper adding an item has seen the product as it is now (rules S6 and K2).
CREATE OR REPLACE FUNCTION wishlist_alerts_wishlist_seen() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p products%ROWTYPE;
  on_sale_now boolean;
BEGIN
  SELECT * INTO p FROM products WHERE id = NEW.product_id;
  IF NOT FOUND THEN RETURN NEW; END IF;  -- the foreign key reports it
  on_sale_now := wishlist_alerts_on_sale(p.is_on_sale, p.sale_price, p.regular_price,
                                         p.sale_start_date, p.sale_end_date, now());
  -- A sale that began by the clock and is not yet observed will become epoch + 1.
  NEW.alert_sale_epoch_seen := p.alert_sale_epoch + CASE WHEN on_sale_now AND NOT p.alert_sale_live THEN 1 ELSE 0 END;
  NEW.alert_sale_price_seen := CASE WHEN on_sale_now THEN p.sale_price END;
  NEW.alert_stock_epoch_seen := p.alert_stock_epoch;
  RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS wishlist_alerts_wishlist_seen ON wishlists;
CREATE TRIGGER wishlist_alerts_wishlist_seen
  BEFORE INSERT OR UPDATE OF product_id ON wishlists
  FOR EACH ROW EXECUTE FUNCTION wishlist_alerts_wishlist_seen();

-- The outbox. A check writes one message per shopper and kind, and one notification
-- row per item in it, in the transaction that finds them due. Delivery claims
-- messages, re-checks each item, sends, and records the outcome.
CREATE TABLE IF NOT EXISTS wishlist_alert_messages (
  id bigserial PRIMARY KEY,
  user_id int NOT NULL REFERENCES users ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('sale', 'stock')),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  locked_by text,
  locked_until timestamptz,
  last_error text,
  smtp_response text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
CREATE INDEX IF NOT EXISTS wishlist_alert_messages_due
  ON wishlist_alert_messages (kind, next_attempt_at) WHERE status IN ('pending', 'sending');

-- No foreign keys to the monolith's tables here: each would cost a lookup per queued row
-- and lock the monolith's rows (FOR KEY SHARE) while a large check runs. Delivery reads
-- the wishlist row and the product with outer joins and skips an item whose row is gone;
-- a deleted shopper's alerts go with their messages.
CREATE TABLE IF NOT EXISTS wishlist_notifications (
  id bigserial PRIMARY KEY,
  message_id bigint NOT NULL REFERENCES wishlist_alert_messages ON DELETE CASCADE,
  wishlist_id int NOT NULL,
  user_id int NOT NULL,
  product_id int NOT NULL,
  kind text NOT NULL CHECK (kind IN ('sale', 'stock')),
  -- Which alert this is: 'epoch' for a restock, 'epoch:price' for a sale or a deeper cut.
  occurrence text NOT NULL,
  regular_price numeric(10,2),
  sale_price numeric(10,2),
  stock integer,
  in_stock boolean,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed', 'skipped')),
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  UNIQUE (wishlist_id, kind, occurrence)
);
CREATE INDEX IF NOT EXISTS wishlist_notifications_queued
  ON wishlist_notifications (wishlist_id, kind) WHERE status = 'queued';
CREATE INDEX IF NOT EXISTS wishlist_notifications_message ON wishlist_notifications (message_id);
