import type { Db } from '../pool';
import type { ProductScope } from '../observations';
import { outboxWrites, QueueResult } from './queueCommon';

/**
 * One statement decides every due sale alert and writes it to the outbox: one message per
 * shopper and region, one item per wishlist row.
 *
 * Candidates: the shopper wants sale alerts for the item, the product is visible and on
 * sale now, and its sale has been observed. What the shopper has seen: the sale (and price)
 * they were last told of, or, never told, the sale running when they added the item.
 * Due: a sale newer than the one seen that takes at least $2 % off, or a price at least
 * $2 % below the one seen within the same sale. Not due again: an alert of this kind
 * still waiting for the wishlist row, or one already decided for this very occurrence
 * (sent, failed or skipped). A shopper who stopped all alerts gets none.
 *
 * Settling: a sale (or a new sale price) is due only once it has been observed live for
 * $5 seconds, so a mistyped price fixed within that time announces nothing wrong.
 *
 * $1 now, $2 minimum drop in percent, $3 the shop's time zone, $4 product ids or null, $5 settle seconds.
 */
const QUEUE_SALES = `
WITH candidates AS (
  SELECT w.id AS wishlist_id, w.user_id, p.id AS product_id, p.region, o.sale_epoch AS epoch,
         wishlist_alert_cents(p.regular_price) AS regular_price, wishlist_alert_cents(p.sale_price) AS sale_price, p.stock,
         coalesce(s.sale_epoch,
                  CASE WHEN w.created_at >= o.sale_began_at THEN o.sale_epoch ELSE o.sale_epoch - 1 END) AS seen_epoch,
         CASE WHEN s.sale_epoch IS NOT NULL THEN s.sale_price
              WHEN w.created_at >= o.sale_price_at THEN o.sale_price
              ELSE o.sale_price_prev END AS seen_price
    FROM wishlists w
    JOIN products p ON p.id = w.product_id
    JOIN wishlist_alert_products o ON o.product_id = p.id
    LEFT JOIN wishlist_alert_seen s ON s.wishlist_id = w.id
   WHERE w.notify_on_sale AND o.sale_live
     AND NOT EXISTS (SELECT 1 FROM wishlist_alert_item_optouts x WHERE x.wishlist_id = w.id AND x.kind = 'sale')
     AND ($5::float8 = 0 OR coalesce(o.sale_observed_at, '-infinity') <= $1::timestamptz - make_interval(secs => $5::float8))
     AND wishlist_alert_visible(p.status, p.deleted_at) AND p.region IN ('us', 'eu')
     AND wishlist_alert_on_sale(p.is_on_sale, p.sale_price, p.regular_price, p.price_min, p.price_max,
                                p.sale_start_date, p.sale_end_date, $3::text, $1::timestamptz)
     AND ($4::int[] IS NULL OR p.id = ANY($4::int[]))
), due AS (
  SELECT c.*, c.epoch || ':' || c.sale_price AS occurrence
    FROM candidates c
   WHERE CASE WHEN c.epoch > c.seen_epoch THEN wishlist_alert_big_enough(c.regular_price, c.sale_price, $2::numeric)
              ELSE wishlist_alert_deeper_cut(c.sale_price, c.seen_price, $2::numeric) END
     AND NOT EXISTS (SELECT 1 FROM wishlist_alert_optouts x WHERE x.user_id = c.user_id)
     AND NOT EXISTS (SELECT 1 FROM wishlist_alert_items n
                      WHERE n.wishlist_id = c.wishlist_id AND n.kind = 'sale' AND n.status = 'queued')
     AND NOT EXISTS (SELECT 1 FROM wishlist_alert_items n
                      WHERE n.wishlist_id = c.wishlist_id AND n.kind = 'sale' AND n.occurrence = c.epoch || ':' || c.sale_price)
), ${outboxWrites('sale', 'd.occurrence')}
SELECT (SELECT count(*) FROM candidates)::int AS checked, (SELECT count(*) FROM queued)::int AS queued`;

export async function queueSaleAlerts(
  db: Db, now: Date, opts: { minDropPercent: number; timezone: string; scope: ProductScope; settleSeconds: number },
): Promise<QueueResult> {
  const { rows } = await db.query<QueueResult>(QUEUE_SALES, [now, opts.minDropPercent, opts.timezone, opts.scope, opts.settleSeconds]);
  return rows[0];
}
