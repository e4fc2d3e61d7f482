import type { PoolClient } from 'pg';
import type { Db } from '../../src/db/pool';
import { withTransaction } from '../../src/db/pool';
import { observeProducts } from '../../src/db/observations';
import { queueSaleAlerts } from '../../src/db/outbox/queueSales';
import { queueRestockAlerts } from '../../src/db/outbox/queueRestocks';
import { roomForCandidates } from '../../src/db/outbox/queueCommon';
import { insertProduct, startSale, updateProduct } from '../support/factories';
import { createTestDatabase, TestDatabase } from '../support/testDatabase';

const TZ = Intl.DateTimeFormat().resolvedOptions().timeZone;
const SHOPPERS = 400;

type PlanNode = { 'Rows Removed by Join Filter'?: number; Plans?: PlanNode[] };
const rowsRemovedByJoins = (node: PlanNode): number =>
  (node['Rows Removed by Join Filter'] ?? 0) + (node.Plans ?? []).reduce((sum, child) => sum + rowsRemovedByJoins(child), 0);

/** Runs the queue statement as EXPLAIN ANALYZE (which executes it) and keeps its plan. */
function explaining(client: PoolClient): { db: Db; plan: () => PlanNode } {
  let plan: PlanNode | null = null;
  const db: Db = {
    async query(text: string, values?: unknown[]) {
      const result = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values);
      plan = result.rows[0]['QUERY PLAN'][0].Plan;
      return { rows: [], rowCount: 0 };
    },
  };
  return { db, plan: () => plan! };
}

describe('queueing right after a storewide sale or restock, on statistics taken before it', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(() => db.drop());

  test.each(['sale', 'stock'] as const)(
    '%s: one message per shopper, and the statement does work in proportion to the alerts, not to their square',
    async (kind) => {
      const products = [];
      for (let i = 0; i < 4; i++) products.push(await insertProduct(db.pool, { stock: kind === 'stock' ? 0 : 10, inStock: kind === 'stock' ? '0' : '1' }));
      await db.pool.query(
        `WITH u AS (
           INSERT INTO users (email, password, first_name)
           SELECT 'plan' || i || '@test.example', 'not a hash', 'Shopper' FROM generate_series(1, $1::int) i RETURNING id)
         INSERT INTO wishlists (user_id, product_id) SELECT id, ($2::int[])[1 + id % 4] FROM u`,
        [SHOPPERS, products],
      );
      // What PostgreSQL knew before: no product on sale, none back in stock (and no
      // autovacuum to learn otherwise while the test runs).
      await db.pool.query('ALTER TABLE wishlist_alert_products SET (autovacuum_enabled = false)');
      await db.pool.query('ANALYZE wishlist_alert_products');
      for (const id of products) {
        if (kind === 'sale') await startSale(db.pool, id, 80);
        else await updateProduct(db.pool, id, { stock: 5, inStock: '1' });
      }

      const plan = await withTransaction(db.pool, async (client) => {
        const now = new Date();
        await roomForCandidates(client);
        await observeProducts(client, now, TZ, null);
        const explain = explaining(client);
        if (kind === 'sale') await queueSaleAlerts(explain.db, now, { minDropPercent: 0, timezone: TZ, scope: null, settleSeconds: 0 });
        else await queueRestockAlerts(explain.db, now, { cooldownHours: 24, perUnit: 0, scope: null, settleSeconds: 0 });
        return explain.plan();
      });

      const { rows } = await db.pool.query(
        `SELECT (SELECT count(*) FROM wishlist_alert_items WHERE kind = $1)::int AS items,
                (SELECT count(*) FROM wishlist_alert_messages WHERE kind = $1)::int AS messages,
                (SELECT count(*) FROM wishlist_alert_items i JOIN wishlist_alert_messages m ON m.id = i.message_id
                  WHERE m.user_id = i.user_id AND m.region = 'us')::int AS matched`,
        [kind],
      );
      expect(rows[0]).toEqual({ items: SHOPPERS, messages: SHOPPERS, matched: SHOPPERS });
      // Pairing every due row with every written message would discard SHOPPERS² rows.
      expect(rowsRemovedByJoins(plan)).toBeLessThanOrEqual(SHOPPERS);
    },
  );
});
