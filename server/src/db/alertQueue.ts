import type { Db } from './pool';

export interface QueueResult {
  /** Wishlist rows whose product is on sale (or in stock) and that asked for alerts. */
  checked: number;
  /** Items written to the outbox by this call. */
  queued: number;
}

/**
 * Catches up on sales that began or ended by the clock alone (no UPDATE fired the
 * trigger): a sale that began is a new sale epoch.
 */
export async function observeSaleWindows(db: Db, now: Date): Promise<void> {
  await db.query(
    `UPDATE products SET alert_sale_live = NOT alert_sale_live,
            alert_sale_epoch = alert_sale_epoch + CASE WHEN alert_sale_live THEN 0 ELSE 1 END
      WHERE alert_sale_live <> wishlist_alerts_on_sale(is_on_sale, sale_price, regular_price,
                                                       sale_start_date, sale_end_date, $1)`,
    [now],
  );
}

/**
 * One statement does the whole decision: find the candidates, keep the due ones that have
 * neither an alert of that kind still waiting nor a row for this very occurrence (sent,
 * failed or skipped: each alert is decided once), and write one message per shopper and
 * one notification per item. What the shopper has seen is recorded on the wishlist row
 * when the mail server accepts the message (markSent), not here: until then the waiting
 * row stands for it. `candidates` yields the columns the rest reads.
 */
function queueStatement(
  kind: 'sale' | 'stock', candidates: string, opts: { scanTwice?: boolean; ration?: string } = {},
): string {
  return `
WITH candidates AS ${opts.scanTwice ? 'NOT MATERIALIZED ' : ''}(${candidates}
), eligible AS (
  SELECT c.* FROM candidates c
   WHERE c.due
     AND NOT EXISTS (SELECT 1 FROM wishlist_alert_optouts o WHERE o.user_id = c.user_id)
     AND NOT EXISTS (SELECT 1 FROM wishlist_notifications n
                      WHERE n.wishlist_id = c.wishlist_id AND n.kind = '${kind}' AND n.status = 'queued')
     AND NOT EXISTS (SELECT 1 FROM wishlist_notifications n
                      WHERE n.wishlist_id = c.wishlist_id AND n.kind = '${kind}' AND n.occurrence = c.occurrence)
), due AS (${opts.ration ?? 'SELECT * FROM eligible'}
), messages AS (
  INSERT INTO wishlist_alert_messages (user_id, kind, created_at, updated_at, next_attempt_at)
  SELECT DISTINCT user_id, '${kind}', $1::timestamptz, $1::timestamptz, $1::timestamptz FROM due
  RETURNING id, user_id
), queued AS (
  INSERT INTO wishlist_notifications (message_id, wishlist_id, user_id, product_id, kind, occurrence,
                                      regular_price, sale_price, stock, in_stock, created_at, updated_at)
  SELECT m.id, d.wishlist_id, d.user_id, d.product_id, '${kind}', d.occurrence,
         d.regular_price, d.sale_price, d.stock, d.in_stock, $1, $1
    FROM due d JOIN messages m ON m.user_id = d.user_id
  ON CONFLICT (wishlist_id, kind, occurrence) DO NOTHING
  RETURNING 1
)
SELECT (SELECT count(*) FROM candidates)::int AS checked, (SELECT count(*) FROM queued)::int AS queued`;
}

/**
 * $1: now, $2: minimum drop in percent. A sale item is due when a new sale began since the
 * shopper last saw it and takes at least $2 % off, or when, within the sale they saw, the
 * price fell at least $2 % below what they saw (and below it at all, when $2 is 0).
 */
export const QUEUE_SALES = queueStatement(
  'sale',
  `
  SELECT w.id AS wishlist_id, w.user_id, p.id AS product_id, p.alert_sale_epoch AS epoch,
         p.alert_sale_epoch || ':' || p.sale_price AS occurrence,
         p.regular_price, p.sale_price, p.stock, (p.in_stock AND p.stock > 0) AS in_stock,
         CASE WHEN p.alert_sale_epoch > w.alert_sale_epoch_seen
              THEN (p.regular_price - p.sale_price) * 100 >= $2::numeric * p.regular_price
              ELSE p.sale_price < w.alert_sale_price_seen
                   AND p.sale_price <= w.alert_sale_price_seen * (1 - $2::numeric / 100) END AS due
    FROM wishlists w
    JOIN products p ON p.id = w.product_id
   WHERE w.notify_on_sale AND p.status = 'active' AND p.alert_sale_live
     AND wishlist_alerts_on_sale(p.is_on_sale, p.sale_price, p.regular_price, p.sale_start_date, p.sale_end_date, $1)`,
);

const RESTOCK_CANDIDATES = `
  SELECT w.id AS wishlist_id, w.user_id, p.id AS product_id, p.alert_stock_epoch AS epoch,
         p.alert_stock_epoch::text AS occurrence,
         p.regular_price, p.sale_price, p.stock, true AS in_stock,
         coalesce(w.last_stock_notified_at, w.created_at) AS waiting_since,
         p.alert_stock_epoch > w.alert_stock_epoch_seen
           AND (w.last_stock_notified_at IS NULL
                OR w.last_stock_notified_at <= $1::timestamptz - make_interval(secs => $2::float8 * 3600)) AS due
    FROM wishlists w
    JOIN products p ON p.id = w.product_id
   WHERE w.notify_on_stock AND p.status = 'active' AND p.in_stock AND p.stock > 0`;

/**
 * $1: now, $2: cool-down hours. A stock item is due when the product came back since the shopper last saw it, outside the cool-down.
 * The candidates are every wishlist row of a product in stock, most of the catalogue: kept
 * for the count, a million of them spilled to disk and cost more (1.2 s, bench --explain)
 * than scanning the join a second time to count it.
 */
export const QUEUE_RESTOCKS = queueStatement('stock', RESTOCK_CANDIDATES, { scanTwice: true });

/**
 * The same, rationed: $3 shoppers per unit in stock per product, the longest-waiting first
 * (since they last heard of the item, or added it), less those still waiting for their
 * email. The rest stay due and are taken at later checks while stock remains.
 */
export const QUEUE_RESTOCKS_RATIONED = queueStatement('stock', RESTOCK_CANDIDATES, {
  scanTwice: true,
  ration: `
  SELECT r.* FROM (
    SELECT e.*, row_number() OVER (PARTITION BY e.product_id ORDER BY e.waiting_since, e.wishlist_id) AS place
      FROM eligible e) r
  LEFT JOIN (SELECT product_id, count(*) AS waiting FROM wishlist_notifications
              WHERE kind = 'stock' AND status = 'queued' GROUP BY product_id) q ON q.product_id = r.product_id
  WHERE r.place <= r.stock::bigint * $3::int - coalesce(q.waiting, 0)`,
});

/**
 * A storewide sale makes the candidate set large: with the default work_mem (4 MB) it
 * spills to temporary files. Run in the check's transaction; the setting ends with it.
 */
export async function roomForCandidates(db: Db): Promise<void> {
  await db.query(`SET LOCAL work_mem = '64MB'`);
}

export async function queueSaleAlerts(db: Db, now: Date, minDropPercent: number): Promise<QueueResult> {
  await roomForCandidates(db);
  const { rows } = await db.query<QueueResult>(QUEUE_SALES, [now, minDropPercent]);
  return { checked: rows[0].checked, queued: rows[0].queued };
}

export async function queueRestockAlerts(
  db: Db, now: Date, opts: { cooldownHours: number; perUnit: number },
): Promise<QueueResult> {
  await roomForCandidates(db);
  const { rows } =
    opts.perUnit > 0
      ? await db.query<QueueResult>(QUEUE_RESTOCKS_RATIONED, [now, opts.cooldownHours, opts.perUnit])
      : await db.query<QueueResult>(QUEUE_RESTOCKS, [now, opts.cooldownHours]);
  return { checked: rows[0].checked, queued: rows[0].queued };
}
