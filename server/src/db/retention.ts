import type { Db } from './pool';

/**
 * The retention job's deletes, one per kind of row, together so the policy reads in one
 * place; each deletes from the module's own table its name says (the shop's tables are
 * only read, to see which wishlist rows it deleted).
 *
 * Each is one batch: at most $limit rows, in id order, after $after (where the previous
 * batch stopped, so kept rows are passed over once per run, not once per batch), so a
 * large first cleanup is many short statements, none holding locks for long.
 * $1 the cutoff (rows created before it may go), $2 after, $3 bound (the first id created
 * at or after the cutoff: no row from there on is looked at), $4 limit.
 */
const BATCHES = {
  // The run history; never a run in progress, nor a job's last successful run (its health
  // and the missed-run catch-up go by it).
  runs: `
    SELECT r.id FROM wishlist_alert_runs r
     WHERE r.id > $2 AND r.id < $3 AND r.started_at < $1 AND r.status <> 'running'
       AND r.id NOT IN (SELECT max(id) FROM wishlist_alert_runs WHERE status = 'succeeded' GROUP BY job)
     ORDER BY r.id LIMIT $4`,
  // Decided alerts. Never a queued one, nor, while its wishlist row is there, the record of
  // the occurrence still current for its product (the sale at its price, the restock):
  // that record is what keeps a failed or skipped alert from being queued again while the
  // sale, the stock or the regular price lasts.
  items: `
    SELECT n.id FROM wishlist_alert_items n
      LEFT JOIN wishlist_alert_products o ON o.product_id = n.product_id
     WHERE n.id > $2 AND n.id < $3 AND n.created_at < $1 AND n.status <> 'queued'
       AND NOT (coalesce(n.kind = 'sale' AND o.sale_live AND n.occurrence = o.sale_epoch || ':' || o.sale_price
                         OR n.kind = 'stock' AND o.stock_live AND n.occurrence = o.stock_epoch::text
                         OR n.kind = 'price_drop' AND n.occurrence = o.regular_price::text, false)
                AND EXISTS (SELECT 1 FROM wishlists w WHERE w.id = n.wishlist_id))
     ORDER BY n.id LIMIT $4`,
  // Finished messages whose items are all gone; never one pending or being sent.
  messages: `
    SELECT m.id FROM wishlist_alert_messages m
     WHERE m.id > $2 AND m.id < $3 AND m.created_at < $1 AND m.status IN ('sent', 'failed', 'skipped')
       AND NOT EXISTS (SELECT 1 FROM wishlist_alert_items n WHERE n.message_id = m.id)
     ORDER BY m.id LIMIT $4`,
} as const;

const TABLES: Record<keyof typeof BATCHES, string> = {
  runs: 'wishlist_alert_runs',
  items: 'wishlist_alert_items',
  messages: 'wishlist_alert_messages',
};

export type HistoryTable = keyof typeof BATCHES;

/** The first id created at or after `cutoff` (beyond the last id when none was). */
export async function firstIdSince(db: Db, table: HistoryTable, cutoff: Date): Promise<string> {
  const column = table === 'runs' ? 'started_at' : 'created_at';
  const { rows } = await db.query<{ id: string }>(
    `SELECT coalesce((SELECT id FROM ${TABLES[table]} WHERE ${column} >= $1 ORDER BY id LIMIT 1),
                     (SELECT max(id) + 1 FROM ${TABLES[table]}), 0)::text AS id`,
    [cutoff],
  );
  return rows[0].id;
}

/** One batch of `table`'s rows past retention; how many went, and the last id looked at. */
export async function deleteBatch(
  db: Db, table: HistoryTable, opts: { cutoff: Date; after: string; bound: string; limit: number },
): Promise<{ deleted: number; last: string | null }> {
  const { rows } = await db.query<{ deleted: number; last: string | null }>(
    `WITH doomed AS (${BATCHES[table]}),
     gone AS (DELETE FROM ${TABLES[table]} WHERE id IN (SELECT id FROM doomed) RETURNING id)
     SELECT count(*)::int AS deleted, max(id)::text AS last FROM gone`,
    [opts.cutoff, opts.after, opts.bound, opts.limit],
  );
  return rows[0];
}

/**
 * What the module keeps of wishlist rows the shop deleted: a shopper's item stops (the
 * one choice that goes with its row; the shoppers' global stops are kept), and what each
 * row was last told. Wishlist ids are never reused, so neither can matter again. One
 * batch, from `after` on (wishlist ids).
 */
export async function deleteOrphanBatch(
  db: Db, table: 'itemStops' | 'seen', opts: { after: number; limit: number },
): Promise<{ deleted: number; last: number | null }> {
  const name = table === 'itemStops' ? 'wishlist_alert_item_optouts' : 'wishlist_alert_seen';
  const { rows } = await db.query<{ deleted: number; last: number | null }>(
    `WITH doomed AS (
       SELECT x.wishlist_id FROM ${name} x
        WHERE x.wishlist_id >= $1 AND NOT EXISTS (SELECT 1 FROM wishlists w WHERE w.id = x.wishlist_id)
        ORDER BY x.wishlist_id LIMIT $2
     ), gone AS (DELETE FROM ${name} WHERE wishlist_id IN (SELECT wishlist_id FROM doomed) RETURNING wishlist_id)
     SELECT count(*)::int AS deleted, max(wishlist_id) AS last FROM gone`,
    [opts.after, opts.limit],
  );
  return rows[0];
}

/** Console sign-ins past their expiry (each sign-in also clears them; a quiet console never signs in). */
export async function deleteExpiredSessions(db: Db, now: Date): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM wishlist_alert_console_sessions WHERE expires_at < $1', [now]);
  return rowCount ?? 0;
}
