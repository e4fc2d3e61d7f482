import type { Db } from './pool';

/**
 * Takes or renews the watch's lease: one atomic UPDATE, so two instances never both hold
 * it. True when this instance holds it now.
 */
export async function takeWatch(db: Db, instanceId: string, leaseMs: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE wishlist_alert_watch SET holder = $1, lease_until = now() + make_interval(secs => $2::float8 / 1000)
      WHERE holder = $1 OR holder IS NULL OR lease_until < now()`,
    [instanceId, leaseMs],
  );
  return rowCount === 1;
}

/** At shutdown: lets another instance take the watch at once. */
export async function releaseWatch(db: Db, instanceId: string): Promise<void> {
  await db.query('UPDATE wishlist_alert_watch SET holder = NULL, lease_until = NULL WHERE holder = $1', [instanceId]);
}

/**
 * The products to look at now: written by a transaction that had not committed at the last
 * look (by row version: the shop's tables need no trigger, and a transaction that commits
 * long after its updated_at is still caught), whose sale starts or ends between the last
 * look and now, or whose sale or restock finished settling since. The first look ever
 * takes every product. Also the snapshot to start from next time.
 * $1 now, $2 the shop's time zone, $3 sale settle seconds, $4 stock settle seconds.
 */
const CHANGED_PRODUCTS = `
WITH last AS (SELECT looked_at, snapshot_xmin FROM wishlist_alert_watch)
SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS "snapshotXmin", ARRAY(
  SELECT p.id FROM products p CROSS JOIN last
   WHERE last.snapshot_xmin IS NULL
      OR age(p.xmin) <= age((last.snapshot_xmin::text::numeric % 4294967296)::text::xid)
      OR ((p.sale_start_date AT TIME ZONE $2::text) > last.looked_at AND (p.sale_start_date AT TIME ZONE $2::text) <= $1::timestamptz)
      OR ((p.sale_end_date AT TIME ZONE $2::text) > last.looked_at AND (p.sale_end_date AT TIME ZONE $2::text) <= $1::timestamptz)
  UNION
  SELECT o.product_id FROM wishlist_alert_products o CROSS JOIN last
   WHERE (o.sale_observed_at + make_interval(secs => $3::float8) > last.looked_at
          AND o.sale_observed_at + make_interval(secs => $3::float8) <= $1::timestamptz)
      OR (o.stock_observed_at + make_interval(secs => $4::float8) > last.looked_at
          AND o.stock_observed_at + make_interval(secs => $4::float8) <= $1::timestamptz)
)::int[] AS ids`;

export async function changedProducts(
  db: Db, now: Date, opts: { timezone: string; saleSettleSeconds: number; stockSettleSeconds: number },
): Promise<{ ids: number[]; snapshotXmin: string }> {
  const { rows } = await db.query<{ ids: number[]; snapshotXmin: string }>(CHANGED_PRODUCTS, [
    now, opts.timezone, opts.saleSettleSeconds, opts.stockSettleSeconds,
  ]);
  return rows[0];
}

/** Records a look: where the next one starts, and (when it found changes) what it acted on. */
export async function recordLook(
  db: Db, look: { now: Date; snapshotXmin: string; instanceId: string; products: number; queued: number },
): Promise<void> {
  await db.query(
    `WITH look AS (
       INSERT INTO wishlist_alert_watch_looks (looked_at, instance_id, products, queued)
       SELECT $1, $3, $4, $5 WHERE $4 > 0
     ), pruned AS (
       DELETE FROM wishlist_alert_watch_looks WHERE looked_at < $1::timestamptz - interval '1 day'
     )
     UPDATE wishlist_alert_watch SET looked_at = $1, snapshot_xmin = $2::xid8`,
    [look.now, look.snapshotXmin, look.instanceId, look.products, look.queued],
  );
}

export interface WatchState {
  holder: string | null;
  leaseUntil: Date | null;
  lookedAt: Date | null;
  /** In the last hour: looks that found changes, the products they looked at, the items they queued. */
  lastHour: { looks: number; products: number; queued: number };
}

export async function watchState(db: Db, now: Date): Promise<WatchState> {
  const { rows } = await db.query<WatchState>(
    `SELECT w.holder, w.lease_until AS "leaseUntil", w.looked_at AS "lookedAt",
            json_build_object('looks', count(l.id)::int, 'products', coalesce(sum(l.products), 0)::int,
                              'queued', coalesce(sum(l.queued), 0)::int) AS "lastHour"
       FROM wishlist_alert_watch w
       LEFT JOIN wishlist_alert_watch_looks l ON l.looked_at > $1::timestamptz - interval '1 hour'
      GROUP BY w.holder, w.lease_until, w.looked_at`,
    [now],
  );
  return rows[0];
}

/** True when some message is waiting and due (a retry, a digest the daily cap held back). */
export async function outboxDue(db: Db, now: Date): Promise<boolean> {
  const { rows } = await db.query<{ due: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM wishlist_alert_messages WHERE status = 'pending' AND next_attempt_at <= $1) AS due`,
    [now],
  );
  return rows[0].due;
}
