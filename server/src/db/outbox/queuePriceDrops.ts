import type { Db } from '../pool';
import type { ProductScope } from '../observations';
import { outboxWrites, QueueResult } from './queueCommon';

/**
 * One statement decides every due price-drop alert (a lower regular price, no sale) and
 * writes it to the outbox: one message per shopper and region, one item per wishlist row.
 *
 * Price drops follow the sale rules (P1–P9, docs/design.md) and the shopper's sale
 * preference: the shop's notify_on_sale and the item's "stop sale alerts" link.
 *
 * What the shopper knows (`known`): the regular price they were last shown (a sale email's
 * "was", or a price-drop email), else the price when they added the item, as observed: the
 * last price set at or before then (of the kept ones: 009_price_drops.sql). A row added
 * while the product had no price (none, NaN or ±Infinity: migration 007) knew none, and
 * hears of no drop.
 * Candidates: the product is visible, has one regular price (no price range), is NOT on sale
 * (a sale is announced by the sale price, the price the shopper pays), its regular price
 * has changed since it was first observed and is below what the shopper knows, and the
 * change has been observed for $5 seconds (settling). Due: at least $2 % below what they
 * know, for a price not already decided for the row (a cut back to a price announced
 * before says nothing), with no price-drop alert still waiting for the row. A shopper who
 * stopped all alerts gets none.
 *
 * Only products whose regular price changed since the module first saw them are read (a
 * small part of the catalogue), through wishlists' product_id index. What each row knows is
 * worked out once (MATERIALIZED: inlined, the planner would repeat it in the filter).
 *
 * $1 now, $2 minimum drop in percent, $3 the shop's time zone, $4 product ids or null, $5 settle seconds.
 */
const QUEUE_PRICE_DROPS = `
WITH known AS MATERIALIZED (
  SELECT w.id AS wishlist_id, w.user_id, p.id AS product_id, p.region, o.regular_price AS price,
         wishlist_alert_cents(p.regular_price) AS regular_price, wishlist_alert_cents(p.sale_price) AS sale_price, p.stock,
         coalesce(s.regular_price,
                  -- no price then (NULL, NaN, ±Infinity): 0, so nothing is below it
                  (SELECT coalesce(h.price, 0) FROM unnest(o.regular_prices, o.regular_prices_at) AS h(price, set_at)
                    WHERE h.set_at <= w.created_at ORDER BY h.set_at DESC LIMIT 1)) AS known
    FROM wishlist_alert_products o
    JOIN products p ON p.id = o.product_id
    JOIN wishlists w ON w.product_id = p.id
    LEFT JOIN wishlist_alert_seen s ON s.wishlist_id = w.id
   WHERE o.regular_price_at > '-infinity' AND o.regular_price > 0
     AND ($4::int[] IS NULL OR o.product_id = ANY($4::int[]))
     AND ($5::float8 = 0 OR coalesce(o.regular_observed_at, '-infinity') <= $1::timestamptz - make_interval(secs => $5::float8))
     AND w.notify_on_sale
     AND NOT EXISTS (SELECT 1 FROM wishlist_alert_item_optouts x WHERE x.wishlist_id = w.id AND x.kind = 'sale')
     AND wishlist_alert_visible(p.status, p.deleted_at) AND p.region IN ('us', 'eu')
     AND (p.price_min IS NULL OR p.price_max IS NULL OR p.price_min = p.price_max)
     AND NOT wishlist_alert_on_sale(p.is_on_sale, p.sale_price, p.regular_price, p.price_min, p.price_max,
                                    p.sale_start_date, p.sale_end_date, $3::text, $1::timestamptz)
), candidates AS (
  SELECT * FROM known k WHERE k.price < k.known
), due AS (
  SELECT c.*, c.known AS previous_price, c.price::text AS occurrence
    FROM candidates c
   WHERE wishlist_alert_deeper_cut(c.price, c.known, $2::numeric)
     AND NOT EXISTS (SELECT 1 FROM wishlist_alert_optouts x WHERE x.user_id = c.user_id)
     AND NOT EXISTS (SELECT 1 FROM wishlist_alert_items n
                      WHERE n.wishlist_id = c.wishlist_id AND n.kind = 'price_drop' AND n.status = 'queued')
     AND NOT EXISTS (SELECT 1 FROM wishlist_alert_items n
                      WHERE n.wishlist_id = c.wishlist_id AND n.kind = 'price_drop' AND n.occurrence = c.price::text)
), ${outboxWrites('price_drop', 'd.occurrence')}
SELECT (SELECT count(*) FROM candidates)::int AS checked, (SELECT count(*) FROM queued)::int AS queued`;

/** Queues the due price drops; `checked` counts the wishlist rows priced below what their shopper knew. */
export async function queuePriceDropAlerts(
  db: Db, now: Date, opts: { minDropPercent: number; timezone: string; scope: ProductScope; settleSeconds: number },
): Promise<QueueResult> {
  const { rows } = await db.query<QueueResult>(QUEUE_PRICE_DROPS, [now, opts.minDropPercent, opts.timezone, opts.scope, opts.settleSeconds]);
  return rows[0];
}
