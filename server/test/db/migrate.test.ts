import { Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import { listMigrations, migrate } from '../../src/db/migrate';
import { silentLogger } from '../../src/logger';
import { queueSaleAlerts } from '../../src/db/alertQueue';
import { createTestDatabase, TestDatabase } from '../support/testDatabase';

describe('migrations', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterEach(() => db.drop());

  test('two connections migrating at once (as two booting processes would) apply each migration exactly once', async () => {
    const pools: Pool[] = [createPool(db.url, silentLogger()), createPool(db.url, silentLogger())];
    try {
      const [a, b] = await Promise.all(pools.map((p) => migrate(p, silentLogger())));
      expect([...a, ...b].sort()).toEqual(listMigrations().map((m) => m.name));
      const { rows } = await db.pool.query('SELECT id FROM wishlist_alert_migrations ORDER BY id');
      expect(rows.map((r) => r.id)).toEqual(listMigrations().map((m) => m.id));
      expect(await migrate(db.pool, silentLogger())).toEqual([]);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  test("on the monolith's existing tables, they keep their data, plain INSERTs still work, and nothing already true is announced", async () => {
    await db.pool.query(`
      CREATE TABLE users (id serial primary key, email text unique not null, first_name text, last_name text);
      CREATE TABLE products (id serial primary key, sku text unique, name text not null, slug text unique,
        regular_price numeric(10,2) not null, sale_price numeric(10,2), is_on_sale boolean not null default false,
        sale_start_date timestamptz, sale_end_date timestamptz, stock integer not null default 0,
        in_stock boolean not null default true, status text not null default 'active', description text);
      CREATE TABLE wishlists (id serial primary key, user_id int not null references users on delete cascade,
        product_id int not null references products on delete cascade, notify_on_sale boolean not null default true,
        notify_on_stock boolean not null default true, last_sale_notified_at timestamptz, last_stock_notified_at timestamptz,
        created_at timestamptz not null default now(), updated_at timestamptz not null default now(), unique (user_id, product_id));
      INSERT INTO users (email, first_name) VALUES ('old@example.com', 'Old');
      INSERT INTO products (sku, name, slug, regular_price, sale_price, is_on_sale, stock, description)
        VALUES ('OLD', 'Old wheel', 'old-wheel', 100, 80, true, 5, 'kept');
      INSERT INTO wishlists (user_id, product_id) VALUES (1, 1);`);
    await migrate(db.pool, silentLogger());

    const { rows } = await db.pool.query(`SELECT description, alert_sale_live FROM products WHERE sku = 'OLD'`);
    expect(rows).toEqual([{ description: 'kept', alert_sale_live: true }]);
    expect(await queueSaleAlerts(db.pool, new Date(), 0)).toEqual({ checked: 1, queued: 0 });
    // A plain INSERT of the listed columns, as the monolith's other writers make.
    await db.pool.query(`INSERT INTO products (name, regular_price) VALUES ('New', 10)`);
    await db.pool.query(`INSERT INTO wishlists (user_id, product_id) VALUES (1, 2)`);
    const count = await db.pool.query('SELECT count(*)::int AS n FROM wishlists');
    expect(count.rows[0].n).toBe(2);
  });
});
