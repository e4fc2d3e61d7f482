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
 * The products to look at now: written by a transaction that the last look's snapshot did
 * not see (by row version: the shop's tables need no trigger, and a transaction that
 * commits long after its updated_at is still caught), whose sale starts or ends between
 * the last look and now, or whose sale or restock finished settling since. The first look
 * ever takes every product. Also this look's snapshot, to start from next time.
 *
 * A row's xmin is a 32-bit transaction id; the snapshot holds 64-bit ones, so the id is
 * widened against the current snapshot's xmax. A cheap age comparison first keeps that
 * to the rows written since the last snapshot's oldest transaction.
 * $1 now, $2 the shop's time zone, $3 sale settle seconds, $4 stock settle seconds.
 */
const CHANGED_PRODUCTS = `
WITH last AS (SELECT looked_at, snapshot FROM wishlist_alert_watch),
cur AS (SELECT pg_current_snapshot() AS snapshot,
               pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS xmax),
limits AS (
  SELECT cur.xmax, cur.snapshot AS now_snapshot, last.snapshot, last.looked_at,
         age((pg_snapshot_xmin(last.snapshot)::text::bigint % 4294967296)::text::xid) AS oldest_age
    FROM cur CROSS JOIN last
)
SELECT (SELECT now_snapshot::text FROM limits) AS snapshot, ARRAY(
  SELECT p.id FROM products p CROSS JOIN limits l
   WHERE l.snapshot IS NULL
      OR (age(p.xmin) <= l.oldest_age
          AND p.xmin::text::bigint >= 3
          AND NOT pg_visible_in_snapshot(
                (l.xmax - ((l.xmax % 4294967296) - p.xmin::text::bigint + 4294967296) % 4294967296)::text::xid8, l.snapshot))
      OR ((p.sale_start_date AT TIME ZONE $2::text) > l.looked_at AND (p.sale_start_date AT TIME ZONE $2::text) <= $1::timestamptz)
      OR ((p.sale_end_date AT TIME ZONE $2::text) > l.looked_at AND (p.sale_end_date AT TIME ZONE $2::text) <= $1::timestamptz)
  UNION
  SELECT o.product_id FROM wishlist_alert_products o CROSS JOIN limits l
   WHERE (o.sale_observed_at + make_interval(secs => $3::float8) > l.looked_at
          AND o.sale_observed_at + make_interval(secs => $3::float8) <= $1::timestamptz)
      OR (o.stock_observed_at + make_interval(secs => $4::float8) > l.looked_at
          AND o.stock_observed_at + make_interval(secs => $4::float8) <= $1::timestamptz)
)::int[] AS ids`;

export async function changedProducts(
  db: Db, now: Date, opts: { timezone: string; saleSettleSeconds: number; stockSettleSeconds: number },
): Promise<{ ids: number[]; snapshot: string }> {
  const { rows } = await db.query<{ ids: number[]; snapshot: string }>(CHANGED_PRODUCTS, [
    now, opts.timezone, opts.saleSettleSeconds, opts.stockSettleSeconds,
  ]);
  return rows[0];
}

/** Records a look: where the next one starts, and (when it found changes) what it acted on. */
export async function recordLook(
  db: Db, look: { now: Date; snapshot: string; instanceId: string; products: number; queued: number },
): Promise<void> {
  await db.query(
    `WITH look AS (
       INSERT INTO wishlist_alert_watch_looks (looked_at, instance_id, products, queued)
       SELECT $1, $3, $4, $5 WHERE $4 > 0
     ), pruned AS (
       DELETE FROM wishlist_alert_watch_looks WHERE looked_at < $1::timestamptz - interval '1 day'
     )
     UPDATE wishlist_alert_watch SET looked_at = $1, snapshot = $2::pg_snapshot`,
    [look.now, look.snapshot, look.instanceId, look.products, look.queued],
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
