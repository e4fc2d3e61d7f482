import request from 'supertest';
import { ConfigError, loadConfig } from '../../src/config/config';
import { silentLogger } from '../../src/logger';
import { Retention } from '../../src/services/Retention';
import { addToWishlist, insertProduct, insertUser, startSale, updateProduct } from '../support/factories';
import { ADMIN_TOKEN, Stack, startStack } from '../support/stack';

const DAY = 86_400_000;

describe('retention: the daily job keeps what is still needed and removes the rest', () => {
  let s: Stack;
  beforeEach(async () => {
    s = await startStack();
  });
  afterEach(() => s.close());

  const count = async (sql: string, values: unknown[] = []) => (await s.db.pool.query(sql, values)).rows[0].n as number;
  const retention = (settings = { runsDays: 30, messagesDays: 180, itemsDays: 180 }) =>
    new Retention({ pool: s.db.pool, logger: silentLogger(), clock: s.clock, settings, batchSize: 2 });

  async function onSale(email?: string) {
    const user = await insertUser(s.db.pool, email ? { email } : {});
    const productId = await insertProduct(s.db.pool, { regularPrice: 200 });
    const wishlistId = await addToWishlist(s.db.pool, user.id, productId);
    await startSale(s.db.pool, productId, 150);
    return { user, productId, wishlistId };
  }

  test('old finished history goes, in batches; what is pending, current or chosen stays; the shop\'s logs are untouched', async () => {
    // A: sent, and its sale over since. B: failed for good while its sale is still on.
    // C: waiting for a retry. D: sent, then the shop deleted the wishlist row.
    const a = await onSale();
    const b = await onSale('not an address');
    const d = await onSale();
    await s.check('sale');
    await updateProduct(s.db.pool, a.productId, { isOnSale: false });
    await s.db.pool.query('DELETE FROM wishlists WHERE id = $1', [d.wishlistId]);
    const c = await onSale();
    s.sink.failNext(1, { code: 451, message: 'later' });
    await s.check('sale');
    // The shoppers' choices: a stop of a live row, one of a row the shop deleted, a global stop.
    const gone = await onSale();
    await s.db.pool.query(
      `INSERT INTO wishlist_alert_item_optouts (wishlist_id, kind) VALUES ($1, 'sale'), ($2, 'sale'), ($2, 'stock')`,
      [c.wishlistId, gone.wishlistId],
    );
    await s.db.pool.query(`INSERT INTO wishlist_alert_optouts (user_id, source) VALUES ($1, 'link')`, [a.user.id]);
    await s.db.pool.query('DELETE FROM wishlists WHERE id = $1', [gone.wishlistId]);
    const emailLogs = await count('SELECT count(*)::int AS n FROM email_logs');

    s.clock.advanceHours(200 * 24);
    const now = s.clock.now().getTime();
    // Runs: five old successes and an old failure, a recent one, one running.
    await s.db.pool.query(
      `INSERT INTO wishlist_alert_runs (job, trigger, instance_id, status, started_at, finished_at, lease_until)
       SELECT 'wishlist-sale-check', 'scheduled', 'i', 'succeeded', $1::timestamptz + make_interval(days => g), $1::timestamptz + make_interval(days => g), $1
         FROM generate_series(1, 5) g`,
      [new Date(now - 60 * DAY)],
    );
    await s.db.pool.query(
      `INSERT INTO wishlist_alert_runs (job, trigger, instance_id, status, started_at, lease_until) VALUES
         ('wishlist-stock-check', 'scheduled', 'i', 'failed', $1, $1),
         ('wishlist-stock-check', 'scheduled', 'i', 'succeeded', $2, $2),
         ('wishlist-retention', 'manual', 'i', 'running', $1, $3)`,
      [new Date(now - 60 * DAY), new Date(now - DAY), new Date(now + DAY)],
    );
    await s.db.pool.query(
      `INSERT INTO wishlist_alert_console_sessions (id_digest, expires_at) VALUES ('expired', $1), ('live', $2)`,
      [new Date(now - 3600_000), new Date(now + 3600_000)],
    );

    expect(await retention().apply()).toEqual({ runs: 5, items: 2, messages: 2, itemStops: 2, seen: 1, sessions: 1 });

    const { rows: runs } = await s.db.pool.query(`SELECT job, status, started_at FROM wishlist_alert_runs ORDER BY id`);
    expect(runs.map((r) => [r.job, r.status])).toEqual([
      ['wishlist-sale-check', 'succeeded'], // its last success, however old
      ['wishlist-stock-check', 'succeeded'],
      ['wishlist-retention', 'running'],
    ]);
    const { rows: items } = await s.db.pool.query(
      `SELECT n.user_id, n.status, m.status AS message FROM wishlist_alert_items n LEFT JOIN wishlist_alert_messages m ON m.id = n.message_id ORDER BY n.id`,
    );
    expect(items).toEqual([
      { user_id: b.user.id, status: 'failed', message: 'failed' }, // keeps B from being queued again while its sale lasts
      { user_id: c.user.id, status: 'queued', message: 'pending' },
    ]);
    expect(await count(`SELECT count(*)::int AS n FROM wishlist_alert_messages`)).toBe(2);
    expect((await s.db.pool.query('SELECT wishlist_id, kind FROM wishlist_alert_item_optouts')).rows).toEqual([{ wishlist_id: c.wishlistId, kind: 'sale' }]);
    expect(await count('SELECT count(*)::int AS n FROM wishlist_alert_optouts')).toBe(1);
    expect(await count('SELECT count(*)::int AS n FROM wishlist_alert_seen WHERE wishlist_id = $1', [d.wishlistId])).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM wishlist_alert_seen WHERE wishlist_id = $1', [a.wishlistId])).toBe(1);
    expect((await s.db.pool.query('SELECT id_digest FROM wishlist_alert_console_sessions')).rows).toEqual([{ id_digest: 'live' }]);
    expect(await count('SELECT count(*)::int AS n FROM email_logs')).toBe(emailLogs);

    // Nothing kept matters less for it: B's sale is still on and is not announced again.
    expect(await s.check('sale')).toMatchObject({ errors: 0 });
    expect(await count(`SELECT count(*)::int AS n FROM wishlist_alert_items WHERE user_id = $1`, [b.user.id])).toBe(1);
    expect(await retention().apply()).toEqual({ runs: 0, items: 0, messages: 0, itemStops: 0, seen: 0, sessions: 0 });
  });

  test('0 days keeps a table for ever', async () => {
    const a = await onSale();
    await s.check('sale');
    await updateProduct(s.db.pool, a.productId, { isOnSale: false });
    s.clock.advanceHours(400 * 24);
    expect(await retention({ runsDays: 0, messagesDays: 0, itemsDays: 0 }).apply()).toMatchObject({ runs: 0, items: 0, messages: 0 });
    expect(await count('SELECT count(*)::int AS n FROM wishlist_alert_items')).toBe(1);
  });

  test('it is a daily job beside the checks, shown in /status, run by hand like them', async () => {
    const job = s.cron.listJobs().find((j) => j.name === 'wishlist-retention');
    expect(job?.config).toMatchObject({ schedule: '15 3 * * *', enabled: true });
    const result = await s.cron.trigger('wishlist-retention', { by: 'test' });
    expect(result).toEqual({ runs: 0, items: 0, messages: 0, itemStops: 0, seen: 0, sessions: 0 });
    const status = await request(s.app).get('/api/admin/wishlist-jobs/status').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200);
    expect(status.body.data.retention).toMatchObject({ name: 'wishlist-retention', enabled: true, lastRun: expect.objectContaining({ status: 'succeeded' }) });
  });
});

describe('retention settings', () => {
  test('days per table with defaults; messages keep at least two days (the daily cap reads one)', () => {
    expect(loadConfig({}).retention).toEqual({ runsDays: 90, messagesDays: 180, itemsDays: 180 });
    expect(loadConfig({ WISHLIST_RETAIN_MESSAGES_DAYS: '0', WISHLIST_RETAIN_ITEMS_DAYS: '30' }).retention).toMatchObject({ messagesDays: 0, itemsDays: 30 });
    let problems: string[] = [];
    try {
      loadConfig({ WISHLIST_RETAIN_MESSAGES_DAYS: '1', WISHLIST_RETAIN_RUNS_DAYS: '99999' });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems).toEqual([
      'WISHLIST_RETAIN_MESSAGES_DAYS="1": keep at least 2 days (the daily cap counts the emails of the last 24 hours), or 0 to keep them for ever',
      'WISHLIST_RETAIN_RUNS_DAYS="99999": expected a number from 0 to 3650',
    ]);
  });
});
