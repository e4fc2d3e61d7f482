import { startServer } from '../support/serverProcess';
import { processFixture } from '../support/processFixture';
import { waitFor } from '../support/waitFor';

// Four real server processes on one database, both jobs every second, while this test
// keeps making alerts due: every tick runs on exactly one instance, every alert is one email.
const INSTANCES = 4;
const SECONDS = 62;

describe('several instances on one database', () => {
  const f = processFixture('all');

  test(`${INSTANCES} instances, both jobs every second for ${SECONDS}s: each tick runs once, each due alert is one email`, async () => {
    const env = {
      DATABASE_URL: f.db.url,
      SMTP_URL: f.sink.url,
      WISHLIST_SALE_CHECK_SCHEDULE: '* * * * * *',
      WISHLIST_STOCK_CHECK_SCHEDULE: '* * * * * *',
      WISHLIST_ALLOW_SUBMINUTE_SCHEDULES: 'true', // every second: the tests' own pace
      WISHLIST_JOBS_TIMEZONE: 'UTC',
      WISHLIST_LEASE_SECONDS: '5',
    };
    // Each is cleaned up as soon as it listens, even if another never does.
    await Promise.all(Array.from({ length: INSTANCES }, (_, i) =>
      startServer({ ...env, INSTANCE_ID: `instance-${i + 1}` }, { bootMs: 60_000 }).then((s) => f.servers.push(s))));

    // Make alerts due all along: each new shopper wishlists a product that then goes on
    // sale (even) or comes back in stock (odd), with a plain UPDATE, as the shop would.
    const expected: string[] = [];
    const until = Date.now() + SECONDS * 1000;
    for (let i = 0; Date.now() < until; i++) {
      const email = `shopper-${i}@chaos.example`;
      const sale = i % 2 === 0;
      const { rows } = await f.db.pool.query(
        `WITH u AS (INSERT INTO users (email, password) VALUES ($1, '!') RETURNING id),
              p AS (INSERT INTO products (sku, name, region, regular_price, stock, in_stock)
                    VALUES ($2, $2, 'us', 100, $3, CASE WHEN $3 > 0 THEN '1' ELSE '0' END) RETURNING id)
         INSERT INTO wishlists (user_id, product_id) SELECT u.id, p.id FROM u, p RETURNING product_id`,
        [email, `Product ${i}`, sale ? 5 : 0],
      );
      // A restock is news only to a module that saw the product sold out: wait for a check
      // to have looked at it (the watch does so within seconds of a new product).
      if (!sale) await waitFor(async () => (await f.db.pool.query('SELECT 1 FROM wishlist_alert_products WHERE product_id = $1', [rows[0].product_id])).rowCount === 1, 'a look at the new product');
      await f.db.pool.query(
        sale ? `UPDATE products SET is_on_sale = true, sale_price = 80 WHERE name = $1` : `UPDATE products SET stock = 3 WHERE name = $1`,
        [`Product ${i}`],
      );
      expected.push(email);
      await new Promise((r) => setTimeout(r, 150));
    }
    const deadline = Date.now() + 20_000;
    while (new Set(f.sink.received.flatMap((m) => m.to)).size < expected.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    const codes = await Promise.all(f.servers.map((s) => s.stop()));
    expect(codes).toEqual(Array(INSTANCES).fill(0));

    // Every due alert: exactly one email.
    const perAddress = new Map<string, number>();
    for (const m of f.sink.received) for (const to of m.to) perAddress.set(to, (perAddress.get(to) ?? 0) + 1);
    const missing = expected.filter((e) => !perAddress.has(e));
    const twice = [...perAddress].filter(([, n]) => n > 1);
    expect({ missing, twice }).toEqual({ missing: [], twice: [] });
    expect(f.sink.received).toHaveLength(expected.length);

    // Every tick: one run, on one instance; a slot without a run is one that fell while the
    // previous run of that job was still going (no overlap), which we check too.
    const { rows: runs } = await f.db.pool.query(
      `SELECT job, slot, instance_id, status, started_at, finished_at FROM wishlist_alert_runs WHERE trigger = 'scheduled' ORDER BY slot`,
    );
    const { rows: dup } = await f.db.pool.query(`SELECT job, slot FROM wishlist_alert_runs WHERE slot IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1`);
    expect(dup).toEqual([]);
    for (const job of ['wishlist-sale-check', 'wishlist-stock-check']) {
      const mine = runs.filter((r) => r.job === job);
      expect(mine.every((r) => r.status === 'succeeded')).toBe(true);
      const first = mine[0].slot.getTime();
      const last = mine[mine.length - 1].slot.getTime();
      expect((last - first) / 1000 + 1).toBeGreaterThanOrEqual(SECONDS - 2); // ticks spanned
      const served = new Set(mine.map((r) => r.slot.getTime()));
      const uncovered: string[] = [];
      for (let t = first; t <= last; t += 1000) {
        if (served.has(t)) continue;
        const busy = mine.some((r) => r.started_at.getTime() <= t && r.finished_at.getTime() >= t);
        if (!busy) uncovered.push(new Date(t).toISOString());
      }
      expect(uncovered).toEqual([]);
      const byInstance = new Set(mine.map((r) => r.instance_id));
      expect(byInstance.size).toBeGreaterThan(1);
    }
  }, 180_000);
});
