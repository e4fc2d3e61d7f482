-- STAND-IN of the shop's (SimFab monolith's) schema: the tables this module reads and
-- writes, in the shape the shop's schema notes (SCHEMA.md §2) document. It is applied ONLY to an
-- empty database (the embedded default, the demo, the tests, the bench), and NEVER to the
-- shop's real database, whose tables are the shop's own and are left alone.
-- It is our own wording of that shape, not the shop's migration files. The long tail of
-- legacy WooCommerce, package and SEO columns on products is left out: nothing here reads it.
-- Every `timestamp` is WITHOUT time zone, as in the shop: defaults and triggers write the
-- session's local time, and Node Dates land in the Node process's zone.

-- The shop restamps updated_at on every UPDATE (including ones that set it explicitly);
-- one shared function stands in for its per-table trigger functions.
CREATE OR REPLACE FUNCTION update_updated_at_column() RETURNS trigger AS $$
BEGIN
  NEW.updated_at = CURRENT_TIMESTAMP;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- users: no region, no soft delete, no opt-out; email is case-sensitive as typed.
CREATE TABLE users (
  id serial PRIMARY KEY,
  email varchar(255) NOT NULL UNIQUE,
  password varchar(255) NOT NULL,
  first_name varchar(100),
  last_name varchar(100),
  created_at timestamp DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp DEFAULT CURRENT_TIMESTAMP, -- no trigger on users
  phone varchar(20),
  company varchar(255),
  role varchar(50) DEFAULT 'customer' CHECK (role IN ('customer', 'admin', 'staff')),
  last_login timestamp,
  email_verified boolean DEFAULT false,
  email_verification_token varchar(255),
  verification_token_expires timestamp
);
CREATE INDEX idx_users_email ON users (email);
CREATE INDEX idx_users_role ON users (role);
CREATE INDEX idx_users_email_verified ON users (email_verified);

-- products: one row per region; US/EU twins share slug and sku and a product_group_id.
-- Prices are REAL (float4) in the region's currency; in_stock and backorders_allowed are text.
CREATE TABLE products (
  id serial PRIMARY KEY,
  type text DEFAULT 'simple' CHECK (type IN ('simple', 'variable', 'configurable')),
  sku text NOT NULL,
  name text NOT NULL,
  slug varchar(255),
  status varchar(20) DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'draft', 'archived')),
  region varchar(10) NOT NULL CHECK (region IN ('us', 'eu')), -- no default: the app supplies it
  product_group_id uuid,
  deleted_at timestamp,
  regular_price real,
  sale_price real,
  is_on_sale boolean DEFAULT false,
  sale_start_date timestamp,
  sale_end_date timestamp,
  sale_label varchar(100),
  stock integer DEFAULT 0, -- no floor: orders may drive it negative
  in_stock text,           -- '1' or '0', and it can go stale
  backorders_allowed text, -- 'yes', 'no' or NULL
  low_stock_amount integer,
  featured boolean DEFAULT false,
  is_bundle boolean DEFAULT false,
  price_min numeric(10,2),
  price_max numeric(10,2),
  meta_data jsonb DEFAULT '{}',
  categories text, -- a JSON array stored as text
  tags text,       -- likewise
  short_description text,
  description text,
  created_at timestamp DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT products_slug_region_key UNIQUE (slug, region),
  CONSTRAINT products_sku_region_key UNIQUE (sku, region)
);
CREATE UNIQUE INDEX products_group_region_key ON products (product_group_id, region)
  WHERE product_group_id IS NOT NULL;
-- The shop's plain and partial indexes, so query plans here resemble the shop's.
CREATE INDEX idx_products_sku ON products (sku);
CREATE INDEX idx_products_slug ON products (slug);
CREATE INDEX idx_products_status ON products (status);
CREATE INDEX idx_products_featured ON products (featured);
CREATE INDEX idx_products_region ON products (region);
CREATE INDEX idx_products_group ON products (product_group_id);
CREATE INDEX idx_products_status_created ON products (status, created_at);
CREATE INDEX idx_products_price_range ON products (price_min, price_max);
CREATE INDEX idx_products_search ON products
  USING gin (to_tsvector('english', coalesce(name, '') || ' ' || coalesce(description, '')));
CREATE INDEX idx_products_on_sale ON products (is_on_sale, sale_start_date, sale_end_date)
  WHERE is_on_sale = true;
CREATE INDEX idx_products_active_stock ON products (stock) WHERE status = 'active';
CREATE INDEX idx_products_live ON products (deleted_at) WHERE deleted_at IS NULL;
CREATE TRIGGER update_products_updated_at BEFORE UPDATE ON products
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- product_images: the alert's picture (primary first, else lowest sort_order).
CREATE TABLE product_images (
  id serial PRIMARY KEY,
  product_id integer NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  image_url varchar(500) NOT NULL, -- relative or absolute
  alt_text varchar(255),
  sort_order integer DEFAULT 0,
  is_primary boolean DEFAULT false
);
CREATE INDEX idx_product_images_product ON product_images (product_id);
-- The shop enforces one primary image per product with a trigger; a partial unique
-- index keeps the same rule here (a second primary is refused).
CREATE UNIQUE INDEX product_images_one_primary ON product_images (product_id) WHERE is_primary;

-- wishlists: one row per (user, one region's product); the two flags are the only preferences.
CREATE TABLE wishlists (
  id serial PRIMARY KEY,
  user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  product_id integer NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  notify_on_sale boolean DEFAULT true,
  notify_on_stock boolean DEFAULT true,
  last_sale_notified_at timestamp,
  last_stock_notified_at timestamp,
  created_at timestamp DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT unique_user_product UNIQUE (user_id, product_id)
);
CREATE INDEX idx_wishlists_user_id ON wishlists (user_id);
CREATE INDEX idx_wishlists_product_id ON wishlists (product_id);
CREATE INDEX idx_wishlists_notify_sale ON wishlists (notify_on_sale, product_id)
  WHERE notify_on_sale = true;
CREATE INDEX idx_wishlists_notify_sale_last ON wishlists (notify_on_sale, product_id, last_sale_notified_at)
  WHERE notify_on_sale = true;
CREATE INDEX idx_wishlists_notify_stock ON wishlists (notify_on_stock, product_id)
  WHERE notify_on_stock = true;
CREATE INDEX idx_wishlists_notify_stock_last ON wishlists (notify_on_stock, product_id, last_stock_notified_at)
  WHERE notify_on_stock = true;
CREATE TRIGGER update_wishlists_updated_at BEFORE UPDATE ON wishlists
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- email_logs: one row per send attempt, pending then sent/failed.
CREATE TABLE email_logs (
  id serial PRIMARY KEY,
  template_type varchar(100) NOT NULL,
  recipient_email varchar(255) NOT NULL,
  recipient_name varchar(255),
  subject varchar(500),
  status varchar(50) NOT NULL CHECK (status IN ('sent', 'failed', 'pending', 'queued')),
  error_message text,
  metadata jsonb DEFAULT '{}',
  sent_at timestamp,
  delivered_at timestamp,
  opened_at timestamp,
  clicked_at timestamp,
  created_at timestamp DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX idx_email_logs_template_type ON email_logs (template_type);
CREATE INDEX idx_email_logs_recipient ON email_logs (recipient_email);
CREATE INDEX idx_email_logs_status ON email_logs (status);
CREATE INDEX idx_email_logs_sent_at ON email_logs (sent_at DESC);

-- wishlist_notifications: the shop's own alert log. email_log_id has no ON DELETE, so a
-- referenced email_logs row cannot be deleted.
CREATE TABLE wishlist_notifications (
  id serial PRIMARY KEY,
  wishlist_id integer NOT NULL REFERENCES wishlists (id) ON DELETE CASCADE,
  notification_type varchar(20) NOT NULL CHECK (notification_type IN ('sale', 'stock')),
  email_sent boolean DEFAULT false,
  email_sent_at timestamp,
  email_log_id integer REFERENCES email_logs (id),
  product_price numeric(10,2),
  product_sale_price numeric(10,2),
  product_stock integer,
  product_in_stock varchar(1),
  created_at timestamp DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX idx_wishlist_notifications_wishlist ON wishlist_notifications (wishlist_id);
CREATE INDEX idx_wishlist_notifications_type ON wishlist_notifications (notification_type);
CREATE INDEX idx_wishlist_notifications_sent ON wishlist_notifications (email_sent, created_at);

-- email_templates: looked up by type; the shop's two wishlist rows are seeded below.
CREATE TABLE email_templates (
  id serial PRIMARY KEY,
  type varchar(100) NOT NULL UNIQUE,
  name varchar(200) NOT NULL,
  description text,
  subject varchar(500) NOT NULL,
  html_body text NOT NULL,
  text_body text,
  default_recipients text[],
  recipient_type varchar(50) NOT NULL CHECK (recipient_type IN ('admin', 'customer', 'both', 'custom')),
  is_active boolean DEFAULT true,
  header_image varchar(255),
  header_title varchar(255),
  trigger_event varchar(100),
  custom_recipient_email varchar(255),
  created_at timestamp DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp DEFAULT CURRENT_TIMESTAMP,
  created_by integer REFERENCES users (id),
  updated_by integer REFERENCES users (id)
);
CREATE TRIGGER update_email_templates_updated_at BEFORE UPDATE ON email_templates
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- The wording is ours; the placeholder sets are the shop's. Like the shop's, the bodies put
-- a literal $ before the prices, so callers pass preformatted two-decimal strings.
INSERT INTO email_templates
  (type, name, description, subject, html_body, text_body, recipient_type, is_active, header_image, header_title)
VALUES
  ('wishlist_sale_notification', 'Wishlist Sale Notification',
   'Sent to a customer when a product on their wishlist goes on sale.',
   '{{product_name}} from your wishlist is on sale',
   '<p>Hi {{customer_name}},</p>
<p><a href="{{product_url}}"><img src="{{product_image}}" alt="{{product_name}}" style="max-width:300px"></a></p>
<p><strong>{{product_name}}</strong>, on your wishlist, is now <strong>${{sale_price}}</strong>
(was <s>${{regular_price}}</s>): you save ${{discount_amount}} ({{discount_percent}}%).</p>
<p><a href="{{product_url}}">See the product</a></p>
<p style="font-size:12px"><a href="{{unsubscribe_url}}">Manage your wishlist alerts</a></p>',
   'Hi {{customer_name}},

{{product_name}}, on your wishlist, is now ${{sale_price}} (was ${{regular_price}}): you save ${{discount_amount}} ({{discount_percent}}%).

See the product: {{product_url}}

Manage your wishlist alerts: {{unsubscribe_url}}',
   'customer', true, '/SimFab-logo-red-black-min-crop.svg', 'SimFab'),
  ('wishlist_stock_notification', 'Wishlist Stock Notification',
   'Sent to a customer when a product on their wishlist is back in stock.',
   '{{product_name}} from your wishlist is back in stock',
   '<p>Hi {{customer_name}},</p>
<p><a href="{{product_url}}"><img src="{{product_image}}" alt="{{product_name}}" style="max-width:300px"></a></p>
<p><strong>{{product_name}}</strong>, on your wishlist, is back in stock ({{stock_quantity}} available).</p>
<p><a href="{{product_url}}">See the product</a></p>
<p style="font-size:12px"><a href="{{unsubscribe_url}}">Manage your wishlist alerts</a></p>',
   'Hi {{customer_name}},

{{product_name}}, on your wishlist, is back in stock ({{stock_quantity}} available).

See the product: {{product_url}}

Manage your wishlist alerts: {{unsubscribe_url}}',
   'customer', true, '/SimFab-logo-red-black-min-crop.svg', 'SimFab');

-- email_settings: the last-resort SMTP settings; the one seeded row is test mode.
CREATE TABLE email_settings (
  id serial PRIMARY KEY,
  smtp_host varchar(255),
  smtp_port integer DEFAULT 587,
  smtp_user varchar(255),
  smtp_password varchar(255),
  smtp_from_email varchar(255),
  smtp_from_name varchar(255),
  test_mode boolean DEFAULT true,
  test_email varchar(255),
  enabled boolean DEFAULT true,
  daily_limit integer DEFAULT 1000,
  rate_limit_per_minute integer DEFAULT 10,
  updated_by integer,
  updated_at timestamp
);
INSERT INTO email_settings (smtp_from_email, smtp_from_name, test_mode)
VALUES ('noreply@simfab.com', 'SimFab', true);

-- region_settings: typed key/value settings per region (currency, SMTP, ...).
CREATE TABLE region_settings (
  id serial PRIMARY KEY,
  region varchar(2) NOT NULL CHECK (region IN ('us', 'eu')),
  setting_key varchar(100) NOT NULL,
  setting_value text,
  setting_type varchar(50) DEFAULT 'string' CHECK (setting_type IN ('string', 'number', 'boolean', 'json')),
  description text,
  is_public boolean DEFAULT true,
  updated_by integer,
  updated_at timestamp,
  CONSTRAINT region_settings_region_setting_key_key UNIQUE (region, setting_key)
);
CREATE TRIGGER update_region_settings_updated_at BEFORE UPDATE ON region_settings
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- The seeded keys the module may read. The shop also seeds tax, shipping, phone, address,
-- PayPal and FedEx keys, which nothing here reads. Empty SMTP keys mean "not configured".
INSERT INTO region_settings (region, setting_key, setting_value, setting_type, is_public) VALUES
  ('us', 'currency', 'USD', 'string', true),
  ('us', 'site_name', 'SimFab', 'string', true),
  ('us', 'company_name', 'SimFab US', 'string', true),
  ('us', 'admin_email', 'info@simfab.com', 'string', true),
  ('us', 'default_region', 'us', 'string', true),
  ('us', 'smtp_host', '', 'string', false),
  ('us', 'smtp_port', '587', 'number', false),
  ('us', 'smtp_user', '', 'string', false),
  ('us', 'smtp_password', '', 'string', false),
  ('us', 'smtp_from_email', '', 'string', false),
  ('us', 'smtp_from_name', 'SimFab', 'string', false),
  ('us', 'smtp_test_email', '', 'string', false),
  ('us', 'smtp_enabled', 'true', 'boolean', false),
  ('us', 'smtp_test_mode', 'false', 'boolean', false),
  ('eu', 'currency', 'EUR', 'string', true),
  ('eu', 'site_name', 'SimFab', 'string', true),
  ('eu', 'company_name', 'SimFab EU', 'string', true),
  ('eu', 'admin_email', 'info@simfab.eu', 'string', true),
  ('eu', 'default_region', 'eu', 'string', true),
  ('eu', 'region_restrictions_enabled', 'false', 'boolean', true),
  ('eu', 'smtp_host', '', 'string', false),
  ('eu', 'smtp_port', '587', 'number', false),
  ('eu', 'smtp_user', '', 'string', false),
  ('eu', 'smtp_password', '', 'string', false),
  ('eu', 'smtp_from_email', '', 'string', false),
  ('eu', 'smtp_from_name', 'SimFab EU', 'string', false),
  ('eu', 'smtp_test_email', '', 'string', false),
  ('eu', 'smtp_enabled', 'true', 'boolean', false),
  ('eu', 'smtp_test_mode', 'false', 'boolean', false);

-- orders (010, 023, 024, 026, 044): what the alerts' proof reads, never writes. Its money is
-- numeric(10,2) in the order's currency; created_at is the database's local time.
CREATE TABLE orders (
  id serial PRIMARY KEY,
  order_number varchar(50) NOT NULL UNIQUE,
  user_id integer REFERENCES users (id), -- NULL for a guest checkout
  status varchar(50) DEFAULT 'pending' CHECK (status IN ('pending', 'pending_payment', 'processing', 'shipped', 'delivered', 'cancelled', 'refunded', 'failed')),
  payment_status varchar(50) DEFAULT 'pending' CHECK (payment_status IN ('pending', 'authorized', 'paid', 'failed', 'refunded', 'partially_refunded')),
  shipping_status varchar(50) DEFAULT 'pending' CHECK (shipping_status IN ('pending', 'processing', 'shipped', 'in_transit', 'delivered', 'returned')),
  subtotal numeric(10,2) NOT NULL,
  tax_amount numeric(10,2) DEFAULT 0,
  shipping_amount numeric(10,2) DEFAULT 0,
  discount_amount numeric(10,2) DEFAULT 0,
  total_amount numeric(10,2) NOT NULL,
  currency varchar(3) DEFAULT 'USD',
  customer_email varchar(255) NOT NULL, -- as typed at checkout, any case
  customer_phone varchar(20),
  billing_address jsonb NOT NULL,
  shipping_address jsonb NOT NULL,
  payment_method varchar(50),
  payment_transaction_id varchar(255),
  shipping_method varchar(100),
  tracking_number varchar(255),
  tracking_url varchar(500),
  carrier varchar(100),
  notes text,
  metadata jsonb DEFAULT '{}',
  created_at timestamp DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp DEFAULT CURRENT_TIMESTAMP,
  payment_expires_at timestamp,
  stock_reserved boolean DEFAULT false,
  refund_status varchar(20) DEFAULT 'none' CHECK (refund_status IN ('none', 'partial', 'full')),
  cart_id varchar(255),
  region varchar(10) NOT NULL CHECK (region IN ('us', 'eu'))
);
CREATE INDEX idx_orders_number ON orders (order_number);
CREATE INDEX idx_orders_user_id ON orders (user_id);
CREATE INDEX idx_orders_status ON orders (status);
CREATE INDEX idx_orders_payment_status ON orders (payment_status);
CREATE INDEX idx_orders_created_at ON orders (created_at DESC);
CREATE INDEX idx_orders_email ON orders (customer_email);
CREATE INDEX idx_orders_cart_id ON orders (cart_id);
CREATE INDEX idx_orders_region ON orders (region);
CREATE INDEX idx_orders_created_at_payment_status ON orders (created_at, payment_status);
CREATE INDEX idx_orders_status_created_at ON orders (status, created_at);
CREATE INDEX idx_orders_user_id_created_at ON orders (user_id, created_at);
CREATE INDEX idx_orders_payment_status_created_at ON orders (payment_status, created_at);
CREATE INDEX idx_orders_shipstation_export ON orders (payment_status, created_at) WHERE payment_status = 'paid';
CREATE TRIGGER update_orders_updated_at BEFORE UPDATE ON orders
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- The shop numbers an order SF-<date>-<id> when its writer gives none.
CREATE OR REPLACE FUNCTION generate_order_number() RETURNS trigger AS $$
BEGIN
  IF NEW.order_number IS NULL THEN
    NEW.order_number := 'SF-' || to_char(CURRENT_TIMESTAMP, 'YYYYMMDD') || '-' || lpad(NEW.id::text, 5, '0');
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER generate_order_number_trigger BEFORE INSERT ON orders
  FOR EACH ROW EXECUTE FUNCTION generate_order_number();

-- order_items: a snapshot of each product bought; total_price is the line's amount.
CREATE TABLE order_items (
  id serial PRIMARY KEY,
  order_id integer NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  product_id integer REFERENCES products (id),
  product_name varchar(255) NOT NULL,
  product_sku varchar(100) NOT NULL,
  product_image varchar(500),
  quantity integer NOT NULL CHECK (quantity > 0),
  unit_price numeric(10,2) NOT NULL,
  total_price numeric(10,2) NOT NULL,
  configuration jsonb DEFAULT '{}',
  created_at timestamp DEFAULT CURRENT_TIMESTAMP,
  selected_options jsonb DEFAULT '{}',
  CONSTRAINT order_items_price_check CHECK (unit_price >= 0 AND total_price >= 0)
);
CREATE INDEX idx_order_items_order_id ON order_items (order_id);
CREATE INDEX idx_order_items_product_id ON order_items (product_id);
CREATE INDEX idx_order_items_created_at ON order_items (created_at);
CREATE INDEX idx_order_items_order_id_product_name ON order_items (order_id, product_name);

-- visitor_sessions (053): the shop's analytics keep each session's utm_* tags, which is
-- where the alerts' tagged links show up; the module only writes the tags into links.
CREATE TABLE visitor_sessions (
  id serial PRIMARY KEY,
  session_id varchar(255) NOT NULL UNIQUE,
  user_id integer REFERENCES users (id) ON DELETE SET NULL,
  first_visit_at timestamp DEFAULT CURRENT_TIMESTAMP,
  last_visit_at timestamp DEFAULT CURRENT_TIMESTAMP,
  authenticated_at timestamp,
  referrer text,
  utm_source varchar(255),
  utm_medium varchar(255),
  utm_campaign varchar(255),
  utm_term varchar(255),
  utm_content varchar(255),
  device_type varchar(50),
  browser varchar(100),
  browser_version varchar(50),
  os varchar(100),
  os_version varchar(50),
  screen_width integer,
  screen_height integer,
  is_mobile boolean DEFAULT false,
  is_tablet boolean DEFAULT false,
  is_desktop boolean DEFAULT false,
  ip_address inet,
  country_code varchar(2),
  city varchar(100),
  page_views_count integer DEFAULT 0,
  events_count integer DEFAULT 0,
  is_returning boolean DEFAULT false,
  created_at timestamp DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX idx_visitor_sessions_user_id ON visitor_sessions (user_id);
CREATE INDEX idx_visitor_sessions_first_visit ON visitor_sessions (first_visit_at DESC);
CREATE INDEX idx_visitor_sessions_utm_source ON visitor_sessions (utm_source);
CREATE INDEX idx_visitor_sessions_utm_campaign ON visitor_sessions (utm_campaign);
CREATE INDEX idx_visitor_sessions_created_at ON visitor_sessions (created_at DESC);
CREATE TRIGGER update_visitor_sessions_timestamp_trigger BEFORE UPDATE ON visitor_sessions
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
