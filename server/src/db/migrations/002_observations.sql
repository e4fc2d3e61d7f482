-- What the module knows of the shop's products and shoppers, kept in its own tables: the
-- shop's tables get no trigger, column or index. Each check compares the products with
-- what it last observed (see docs/design.md, "Detecting changes without triggers").
--
-- Prices are exact cents in plain numeric: any price the shop's real column can hold fits.
-- Times here are zone-less and on the database's clock (LOCALTIMESTAMP in a session that
-- keeps the database's TimeZone), like the shop's created_at and updated_at, so that a
-- wishlist row's created_at can be compared with them directly.

-- When the module was installed: anything already true then is never announced.
CREATE TABLE wishlist_alert_install (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  installed_at timestamp NOT NULL DEFAULT LOCALTIMESTAMP
);
INSERT INTO wishlist_alert_install DEFAULT VALUES;

-- The last observed state of each product.
--   sale_epoch   +1 each time a sale is observed to begin; sale_began_at estimates when
--                ('-infinity' for a sale already running when the module was installed).
--   sale_price   the sale price in cents as last observed; sale_price_prev the one before
--                it within the same sale, and sale_price_at when the current one was set.
--   stock_epoch  +1 each time the product is observed back in stock; stock_back_at when.
-- A wishlist row without a record in wishlist_alert_seen has seen a sale (or restock) when
-- it was created at or after its beginning.
CREATE TABLE wishlist_alert_products (
  product_id integer PRIMARY KEY,
  sale_live boolean NOT NULL,
  sale_epoch integer NOT NULL,
  sale_began_at timestamp NOT NULL,
  sale_price numeric,
  sale_price_prev numeric,
  sale_price_at timestamp,
  stock_live boolean NOT NULL,
  stock_epoch integer NOT NULL,
  stock_back_at timestamp NOT NULL,
  -- When the current sale (or its current price), and the current restock, were first
  -- observed: a sale is announced once it has been live this long (the settle time).
  sale_observed_at timestamptz,
  stock_observed_at timestamptz,
  -- When the last transition was observed.
  changed_at timestamptz NOT NULL DEFAULT now(),
  observed_at timestamptz NOT NULL DEFAULT now()
);

-- What each shopper was last told per wishlist row: written when the mail server accepts
-- the email. A row is made only then.
CREATE TABLE wishlist_alert_seen (
  wishlist_id integer PRIMARY KEY,
  sale_epoch integer,
  sale_price numeric,
  stock_epoch integer
);

-- Shoppers who asked for no wishlist alerts at all (the "stop all wishlist alerts" link, or
-- the account page).
CREATE TABLE wishlist_alert_optouts (
  user_id integer PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- 'link' (one-click unsubscribe) or 'api' (the shop's account page)
  source text NOT NULL
);

-- One wishlist row's alerts of one kind stopped from an email's link. Kept here, not in the
-- shop's notify_on_sale / notify_on_stock: the module writes to the shop's tables only what
-- the shop made for it (last_*_notified_at and its mail logs). Both stop the alerts.
CREATE TABLE wishlist_alert_item_optouts (
  wishlist_id integer NOT NULL,
  kind text NOT NULL CHECK (kind IN ('sale', 'stock')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (wishlist_id, kind)
);
