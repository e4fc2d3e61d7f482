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
 * The products table's write counters as PostgreSQL's statistics have them (rows inserted,
 * updated, deleted, and the table's oid), or null when they cannot be relied on
 * (track_counts is off, or there is no products table). Read before the look's transaction
 * begins, so that its snapshot is taken after: a write counted here is visible to it, and a
 * write it does not see changes the counters later. A backend publishes its counters after
 * it commits, at once or within seconds; a look that finds them unchanged therefore keeps
 * the last snapshot, and the look after the counters move still reads from there.
 */
export async function productWrites(db: Db): Promise<string | null> {
  const { rows } = await db.query<{ writes: string | null }>(
    `SELECT CASE WHEN current_setting('track_counts')::boolean THEN
              concat_ws(':', t.oid::int8, pg_stat_get_tuples_inserted(t.oid), pg_stat_get_tuples_updated(t.oid),
                        pg_stat_get_tuples_deleted(t.oid)) END AS writes
       FROM (SELECT to_regclass('products')::oid AS oid) t`,
  );
  return rows[0]?.writes ?? null;
}

/**
 * Where the last look left off, and whether the products were written since (their write
 * counters differ, or could not be read, or no look has read the rows yet). Inside the
 * look's transaction, after the observers' lock: another instance's look is complete.
 */
const LAST_LOOK = `
SELECT looked_at AS "lookedAt", snapshot IS NULL OR $1::text IS NULL OR product_writes IS DISTINCT FROM $1::text AS written
  FROM wishlist_alert_watch`;

/**
 * Products written by a transaction that the last look's snapshot did not see (by row
 * version: the shop's tables need no trigger, and a transaction that commits long after
 * its updated_at is still caught); the first look ever takes every product. Also this
 * look's snapshot, to start from next time.
 *
 * A row's xmin is a 32-bit transaction id; the snapshot holds 64-bit ones, so the id is
 * widened against the current snapshot's xmax. A cheap age comparison first keeps that
 * to the rows written since the last snapshot's oldest transaction.
 */
const WRITTEN_PRODUCTS = `
WITH last AS (SELECT snapshot FROM wishlist_alert_watch),
cur AS (SELECT pg_current_snapshot() AS snapshot,
               pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS xmax),
limits AS (
  SELECT cur.xmax, cur.snapshot AS now_snapshot, last.snapshot,
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
)::int[] AS ids`;

/**
 * Products whose sale starts or ends between the last look and now (by the dates last
 * observed: changing them writes the row, which WRITTEN_PRODUCTS finds), or whose sale,
 * restock or new regular price finished settling since. Each range is first widened by a day on the zone-less
 * dates, which the partial indexes of migration 008 answer, and then checked exactly in
 * the shop's zone on the few rows inside.
 * $1 the last look, $2 now, $3 the shop's time zone, $4 sale settle seconds, $5 stock settle seconds.
 */
const DUE_BY_CLOCK = `
SELECT ARRAY(
  SELECT o.product_id FROM wishlist_alert_products o
   WHERE (o.sale_start_date > ($1::timestamptz AT TIME ZONE $3::text) - interval '1 day'
          AND o.sale_start_date <= ($2::timestamptz AT TIME ZONE $3::text) + interval '1 day'
          AND wishlist_alert_zoned(o.sale_start_date, $3::text) > $1::timestamptz
          AND wishlist_alert_zoned(o.sale_start_date, $3::text) <= $2::timestamptz)
      OR (o.sale_end_date > ($1::timestamptz AT TIME ZONE $3::text) - interval '1 day'
          AND o.sale_end_date <= ($2::timestamptz AT TIME ZONE $3::text) + interval '1 day'
          AND wishlist_alert_zoned(o.sale_end_date, $3::text) > $1::timestamptz
          AND wishlist_alert_zoned(o.sale_end_date, $3::text) <= $2::timestamptz)
      OR (o.sale_observed_at > $1::timestamptz - make_interval(secs => $4::float8)
          AND o.sale_observed_at <= $2::timestamptz - make_interval(secs => $4::float8))
      OR (o.stock_observed_at > $1::timestamptz - make_interval(secs => $5::float8)
          AND o.stock_observed_at <= $2::timestamptz - make_interval(secs => $5::float8))
      OR (o.regular_observed_at > $1::timestamptz - make_interval(secs => $4::float8)
          AND o.regular_observed_at <= $2::timestamptz - make_interval(secs => $4::float8))
)::int[] AS ids`;

export interface Look {
  /** The products to check. */
  ids: number[];
  /** This look's snapshot and the write counters read before it, when it read the rows; else null (the last ones stay). */
  snapshot: string | null;
  writes: string | null;
}

/**
 * The products to look at now: those written since the last look that read the rows
 * (read only when the write counters moved), and those due by the clock. `writes`: what
 * productWrites read before this transaction began.
 */
export async function changedProducts(
  db: Db, now: Date,
  opts: { timezone: string; saleSettleSeconds: number; stockSettleSeconds: number; writes: string | null },
): Promise<Look> {
  const last = (await db.query<{ lookedAt: Date | null; written: boolean }>(LAST_LOOK, [opts.writes])).rows[0];
  const ids = new Set<number>();
  let snapshot: string | null = null;
  if (last.written) {
    const found = (await db.query<{ ids: number[]; snapshot: string }>(WRITTEN_PRODUCTS)).rows[0];
    for (const id of found.ids) ids.add(id);
    snapshot = found.snapshot;
  }
  if (last.lookedAt) {
    const due = await db.query<{ ids: number[] }>(DUE_BY_CLOCK, [
      last.lookedAt, now, opts.timezone, opts.saleSettleSeconds, opts.stockSettleSeconds,
    ]);
    for (const id of due.rows[0].ids) ids.add(id);
  }
  return { ids: [...ids], snapshot, writes: snapshot === null ? null : opts.writes };
}

/**
 * Records a look: the time the clock's rules were judged at and, when it read the rows,
 * where the next reading starts; when it found changes, what it acted on.
 */
export async function recordLook(
  db: Db, look: { now: Date; snapshot: string | null; writes: string | null; instanceId: string; products: number; queued: number },
): Promise<void> {
  await db.query(
    `WITH look AS (
       INSERT INTO wishlist_alert_watch_looks (looked_at, instance_id, products, queued)
       SELECT $1, $3, $4, $5 WHERE $4 > 0
     ), pruned AS (
       DELETE FROM wishlist_alert_watch_looks WHERE looked_at < $1::timestamptz - interval '1 day'
     )
     UPDATE wishlist_alert_watch
        SET looked_at = $1,
            snapshot = coalesce($2::pg_snapshot, snapshot),
            product_writes = CASE WHEN $2::text IS NULL THEN product_writes ELSE $6::text END`,
    [look.now, look.snapshot, look.instanceId, look.products, look.queued, look.writes],
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

/**
 * True when some message is waiting and due (a retry, a digest the daily cap held back), or
 * was being sent by a deliverer whose lease ran out (it stopped, or stalled): delivery takes
 * those back as it takes due ones.
 */
export async function outboxDue(db: Db, now: Date): Promise<boolean> {
  const { rows } = await db.query<{ due: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM wishlist_alert_messages WHERE status = 'pending' AND next_attempt_at <= $1)
         OR EXISTS (SELECT 1 FROM wishlist_alert_messages WHERE status = 'sending' AND locked_until < $1) AS due`,
    [now],
  );
  return rows[0].due;
}
