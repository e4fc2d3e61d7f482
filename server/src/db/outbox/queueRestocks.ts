import type { Db } from '../pool';
import type { ProductScope } from '../observations';
import { outboxWrites, QueueResult } from './queueCommon';

/**
 * One statement decides every due back-in-stock alert and writes it to the outbox: one
 * message per shopper and region, one item per wishlist row.
 *
 * Candidates: the shopper wants stock alerts for the item, the product is visible and in
 * stock now, and its return has been observed. What the shopper has seen: the restock
 * they were last told of, or, never told, whether it was in stock when they added the
 * item. Due: a newer restock, outside the cool-down ($2 hours since the last stock email
 * for the row). Rationing ($3 > 0): at most stock × $3 shoppers per product, the
 * longest-waiting first, less those whose alert is still waiting; the rest stay due for
 * later checks while stock remains. A product whose stock is unknown (NULL, its in_stock
 * flag deciding) is not rationed.
 *
 * The candidates are every wishlist row of a product in stock, most of the catalogue:
 * they are scanned again for the count rather than kept (NOT MATERIALIZED), which costs
 * less than keeping that many rows (docs/benchmarks.md).
 *
 * Settling: a restock is due once observed for $5 seconds (0 by default: at once).
 *
 * $1 now, $2 cool-down hours, $3 shoppers per unit (0: no limit), $4 product ids or null, $5 settle seconds.
 */
const QUEUE_RESTOCKS = `
WITH candidates AS NOT MATERIALIZED (
  SELECT w.id AS wishlist_id, w.user_id, p.id AS product_id, p.region, o.stock_epoch AS epoch,
         wishlist_alert_cents(p.regular_price) AS regular_price, wishlist_alert_cents(p.sale_price) AS sale_price, p.stock,
         coalesce(s.stock_epoch,
                  CASE WHEN w.created_at >= o.stock_back_at THEN o.stock_epoch ELSE o.stock_epoch - 1 END) AS seen_epoch,
         w.last_stock_notified_at,
         coalesce(w.last_stock_notified_at, w.created_at, '-infinity') AS waiting_since
    FROM wishlists w
    JOIN products p ON p.id = w.product_id
    JOIN wishlist_alert_products o ON o.product_id = p.id
    LEFT JOIN wishlist_alert_seen s ON s.wishlist_id = w.id
   WHERE w.notify_on_stock AND o.stock_live
     AND NOT EXISTS (SELECT 1 FROM wishlist_alert_item_optouts x WHERE x.wishlist_id = w.id AND x.kind = 'stock')
     AND ($5::float8 = 0 OR coalesce(o.stock_observed_at, '-infinity') <= $1::timestamptz - make_interval(secs => $5::float8))
     AND wishlist_alert_visible(p.status, p.deleted_at) AND p.region IN ('us', 'eu')
     AND wishlist_alert_in_stock(p.stock, p.in_stock)
     AND ($4::int[] IS NULL OR p.id = ANY($4::int[]))
), eligible AS (
  SELECT c.* FROM candidates c
   WHERE c.epoch > c.seen_epoch
     AND (c.last_stock_notified_at IS NULL
          OR c.last_stock_notified_at <= ($1::timestamptz - make_interval(secs => $2::float8 * 3600))::timestamp)
     AND NOT EXISTS (SELECT 1 FROM wishlist_alert_optouts x WHERE x.user_id = c.user_id)
     AND NOT EXISTS (SELECT 1 FROM wishlist_alert_items n
                      WHERE n.wishlist_id = c.wishlist_id AND n.kind = 'stock' AND n.status = 'queued')
     AND NOT EXISTS (SELECT 1 FROM wishlist_alert_items n
                      WHERE n.wishlist_id = c.wishlist_id AND n.kind = 'stock' AND n.occurrence = c.epoch::text)
), due AS (
  SELECT r.* FROM (
    SELECT e.*, row_number() OVER (PARTITION BY e.product_id ORDER BY e.waiting_since, e.wishlist_id) AS place
      FROM eligible e) r
  LEFT JOIN (SELECT product_id, count(*) AS waiting FROM wishlist_alert_items
              WHERE kind = 'stock' AND status = 'queued' AND $3::int > 0 GROUP BY product_id) q ON q.product_id = r.product_id
   WHERE $3::int = 0 OR r.stock IS NULL OR r.place <= r.stock::bigint * $3::int - coalesce(q.waiting, 0)
), ${outboxWrites('stock', 'd.epoch::text')}
SELECT (SELECT count(*) FROM candidates)::int AS checked, (SELECT count(*) FROM queued)::int AS queued`;

export async function queueRestockAlerts(
  db: Db, now: Date, opts: { cooldownHours: number; perUnit: number; scope: ProductScope; settleSeconds: number },
): Promise<QueueResult> {
  const { rows } = await db.query<QueueResult>(QUEUE_RESTOCKS, [now, opts.cooldownHours, opts.perUnit, opts.scope, opts.settleSeconds]);
  return rows[0];
}
