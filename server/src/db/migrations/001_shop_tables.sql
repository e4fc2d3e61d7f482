-- The monolith's own tables, created only where absent (a fresh or demo database).
-- On the shop's real database they exist already and are left exactly as they are.
CREATE TABLE IF NOT EXISTS users (
  id serial PRIMARY KEY,
  email text UNIQUE NOT NULL,
  first_name text,
  last_name text
);

CREATE TABLE IF NOT EXISTS products (
  id serial PRIMARY KEY,
  sku text UNIQUE,
  name text NOT NULL,
  slug text UNIQUE,
  regular_price numeric(10,2) NOT NULL,
  sale_price numeric(10,2),
  is_on_sale boolean NOT NULL DEFAULT false,
  sale_start_date timestamptz,
  sale_end_date timestamptz,
  stock integer NOT NULL DEFAULT 0,
  in_stock boolean NOT NULL DEFAULT true,
  status text NOT NULL DEFAULT 'active'
);

CREATE TABLE IF NOT EXISTS wishlists (
  id serial PRIMARY KEY,
  user_id int NOT NULL REFERENCES users ON DELETE CASCADE,
  product_id int NOT NULL REFERENCES products ON DELETE CASCADE,
  notify_on_sale boolean NOT NULL DEFAULT true,
  notify_on_stock boolean NOT NULL DEFAULT true,
  last_sale_notified_at timestamptz,
  last_stock_notified_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, product_id)
);
