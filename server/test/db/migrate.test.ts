import { Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import { listMigrations, migrate, MigrationError } from '../../src/db/migrate';
import { silentLogger } from '../../src/logger';
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

  test('every object the migrations create carries the module prefix', async () => {
    await migrate(db.pool, silentLogger());
    const { rows } = await db.pool.query(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 'S')
       UNION ALL
       SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'`,
    );
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.map((r) => r.name).filter((name: string) => !name.startsWith('wishlist_alert_'))).toEqual([]);
  });

  test('a failing migration is named in the error, and nothing of it is left behind', async () => {
    const broken = [...listMigrations(), { id: 999, name: '999_broken.sql', sql: 'CREATE TABLE wishlist_alert_x (id int); SELECT no_such_function();' }];
    const err = await migrate(db.pool, silentLogger(), broken).catch((e) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect(err.message).toMatch(/^Migration 999_broken\.sql failed: function no_such_function\(\) does not exist/);
    const { rows } = await db.pool.query(`SELECT to_regclass('wishlist_alert_x') AS t, (SELECT count(*)::int FROM wishlist_alert_migrations WHERE id = 999) AS recorded`);
    expect(rows[0]).toEqual({ t: null, recorded: 0 });
  });
});
