import type { Db, Queryable } from '../pool';
import type { AlertKind, Region } from '../../domain';

export interface OutboxItem {
  notificationId: string;
  messageId: string;
  kind: AlertKind;
  region: Region;
  userId: number;
  wishlistId: number | null;
  productId: number | null;
  occurrence: string;
  email: string | null;
  firstName: string | null;
  name: string | null;
  slug: string | null;
  /** In cents, as text ("1199.00"). */
  regularPrice: string | null;
  salePrice: string | null;
  /** A price drop's "was": the regular price the shopper knows now (null for the other kinds). */
  previousPrice: string | null;
  saleEndsAt: Date | null;
  stock: number | null;
  /** The product's primary image (else its first), as the shop stored it: relative or absolute. */
  imageUrl: string | null;
  /** When the change it announces happened, as observed (null when unknown): latency metrics. */
  changedAt: Date | null;
  /** Why the item must not be announced any more, or null if it still should be. */
  staleReason: string | null;
}

/** How the reason of an item skipped for its shopper's suppressed address begins. */
export const SUPPRESSED = 'address suppressed';

/** Whether an item was skipped because its shopper's address is on the suppression list. */
export const isSuppressed = (item: OutboxItem): boolean => item.staleReason?.startsWith(SUPPRESSED) ?? false;

/**
 * The items of claimed messages, with the product and shopper as they are now. The state
 * is judged again at send time, with the same rules as the checks: an item whose product
 * left the sale or went out of stock, is no longer visible, whose shopper turned alerts
 * off, or that a newer sale or restock superseded, is skipped with the reason (a price drop:
 * the product went on sale, or its price is no longer below the one the shopper knows, by
 * the minimum drop); so is one
 * whose shopper's address, as stored now, is on the suppression list.
 * $1 message ids, $2 now, $3 minimum sale discount in percent, $4 the shop's time zone.
 */
const LOAD_ITEMS = `
SELECT n.id::text AS "notificationId", n.message_id::text AS "messageId", n.kind, m.region, n.user_id AS "userId",
       n.wishlist_id AS "wishlistId", n.product_id AS "productId", n.occurrence, u.email, nullif(btrim(u.first_name), '') AS "firstName",
       p.name, p.slug, wishlist_alert_cents(p.regular_price)::text AS "regularPrice",
       wishlist_alert_cents(p.sale_price)::text AS "salePrice",
       CASE WHEN n.kind = 'price_drop' THEN coalesce(s.regular_price, n.previous_price)::text END AS "previousPrice",
       nullif(wishlist_alert_zoned(p.sale_end_date, $4::text), 'infinity') AS "saleEndsAt",
       p.stock, img.image_url AS "imageUrl",
       CASE WHEN isfinite(c.changed) THEN c.changed::timestamptz END AS "changedAt",
       CASE
         WHEN u.id IS NULL THEN 'shopper deleted'
         WHEN x.user_id IS NOT NULL AND x.source = 'complaint' THEN 'shopper complained (marked an alert as spam): no more wishlist alerts'
         WHEN x.user_id IS NOT NULL THEN 'shopper unsubscribed from all wishlist alerts'
         WHEN w.id IS NULL OR w.product_id <> n.product_id THEN 'removed from the wishlist'
         WHEN p.id IS NULL THEN 'product deleted'
         WHEN p.deleted_at IS NOT NULL THEN 'product deleted'
         WHEN NOT wishlist_alert_visible(p.status, p.deleted_at) THEN 'product not visible (status ' || coalesce(p.status, 'null') || ')'
         WHEN n.kind IN ('sale', 'price_drop') AND (w.notify_on_sale IS NOT TRUE OR xi.wishlist_id IS NOT NULL) THEN 'sale alerts turned off'
         WHEN n.kind = 'stock' AND (w.notify_on_stock IS NOT TRUE OR xi.wishlist_id IS NOT NULL) THEN 'stock alerts turned off'
         WHEN n.kind = 'sale' AND NOT wishlist_alert_on_sale(p.is_on_sale, p.sale_price, p.regular_price, p.price_min, p.price_max,
                                                             p.sale_start_date, p.sale_end_date, $4::text, $2::timestamptz)
           THEN 'no longer on sale'
         WHEN n.kind = 'sale' AND split_part(n.occurrence, ':', 1)::int IS DISTINCT FROM o.sale_epoch THEN 'superseded by a newer sale'
         WHEN n.kind = 'sale' AND NOT wishlist_alert_big_enough(wishlist_alert_cents(p.regular_price), wishlist_alert_cents(p.sale_price), $3::numeric)
           THEN 'discount now below WISHLIST_SALE_MIN_DROP_PERCENT'
         WHEN n.kind = 'sale' AND s.sale_epoch = o.sale_epoch
              AND NOT wishlist_alert_deeper_cut(wishlist_alert_cents(p.sale_price), s.sale_price, $3::numeric)
           THEN 'price no longer below the one announced'
         WHEN n.kind = 'price_drop' AND wishlist_alert_on_sale(p.is_on_sale, p.sale_price, p.regular_price, p.price_min, p.price_max,
                                                              p.sale_start_date, p.sale_end_date, $4::text, $2::timestamptz)
           THEN 'on sale now: the sale price is what is announced'
         WHEN n.kind = 'price_drop' AND (NOT p.regular_price > 0 OR wishlist_alert_cents(p.regular_price) IS NULL
                                         OR coalesce(p.price_min <> p.price_max, false))
           THEN 'no single regular price'
         WHEN n.kind = 'price_drop'
              AND NOT wishlist_alert_deeper_cut(wishlist_alert_cents(p.regular_price), coalesce(s.regular_price, n.previous_price), $3::numeric)
           THEN 'price no longer below the one the shopper knows'
         WHEN n.kind = 'stock' AND NOT wishlist_alert_in_stock(p.stock, p.in_stock) THEN 'out of stock again'
         WHEN n.kind = 'stock' AND n.occurrence::int IS DISTINCT FROM o.stock_epoch THEN 'superseded by a newer restock'
         -- Last: an item is counted as suppressed only when nothing else held it back.
         WHEN sup.id IS NOT NULL THEN '${SUPPRESSED} (' || sup.source || '): ' || sup.reason
       END AS "staleReason"
  FROM wishlist_alert_items n
  JOIN wishlist_alert_messages m ON m.id = n.message_id
  LEFT JOIN users u ON u.id = n.user_id
  LEFT JOIN wishlist_alert_optouts x ON x.user_id = n.user_id
  LEFT JOIN wishlist_alert_suppressions sup ON sup.address = u.email
  LEFT JOIN wishlists w ON w.id = n.wishlist_id
  LEFT JOIN wishlist_alert_item_optouts xi
         ON xi.wishlist_id = n.wishlist_id AND xi.kind = CASE WHEN n.kind = 'stock' THEN 'stock' ELSE 'sale' END
  LEFT JOIN products p ON p.id = n.product_id
  LEFT JOIN wishlist_alert_products o ON o.product_id = n.product_id
  LEFT JOIN wishlist_alert_seen s ON s.wishlist_id = n.wishlist_id
  CROSS JOIN LATERAL (SELECT CASE n.kind WHEN 'sale' THEN greatest(o.sale_began_at, o.sale_price_at)
                                          WHEN 'price_drop' THEN o.regular_price_at
                                          ELSE o.stock_back_at END AS changed) c
  LEFT JOIN LATERAL (
    SELECT i.image_url FROM product_images i WHERE i.product_id = n.product_id
     ORDER BY i.is_primary IS TRUE DESC, i.sort_order NULLS LAST, i.id LIMIT 1) img ON true
 WHERE n.message_id = ANY($1::bigint[]) AND n.status = 'queued'
 ORDER BY n.message_id, n.id`;

export async function loadItems(
  db: Queryable, messageIds: string[], opts: { now: Date; minDropPercent: number; timezone: string },
): Promise<OutboxItem[]> {
  const { rows } = await db.query<OutboxItem>({
    name: 'wishlist_alert_load_items', text: LOAD_ITEMS, values: [messageIds, opts.now, opts.minDropPercent, opts.timezone],
  });
  return rows;
}

/**
 * Marks stale items skipped with their reason, and messages left with nothing to send
 * skipped too, their last_error saying why (their items' reasons).
 */
export async function skipStale(db: Db, items: OutboxItem[], emptyMessageIds: string[], now: Date): Promise<void> {
  if (items.length === 0 && emptyMessageIds.length === 0) return;
  await db.query(
    `WITH s AS (
       SELECT * FROM unnest($1::bigint[], $2::text[], $5::bigint[]) AS s(id, reason, message_id)
     ), items AS (
       UPDATE wishlist_alert_items n SET status = 'skipped', error = s.reason, updated_at = $3
         FROM s WHERE n.id = s.id RETURNING 1)
     UPDATE wishlist_alert_messages m SET status = 'skipped', locked_until = NULL, updated_at = $3,
            last_error = coalesce(left((SELECT string_agg(DISTINCT s.reason, '; ') FROM s WHERE s.message_id = m.id), 1000), m.last_error)
      WHERE id = ANY($4::bigint[])`,
    [items.map((i) => i.notificationId), items.map((i) => i.staleReason), now, emptyMessageIds, items.map((i) => i.messageId)],
  );
}
