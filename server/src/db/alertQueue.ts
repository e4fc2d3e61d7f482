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
function queueStatement(kind: 'sale' | 'stock', candidates: string): string {
  return `
WITH candidates AS (${candidates}
), due AS (
  SELECT c.* FROM candidates c
   WHERE c.due
     AND NOT EXISTS (SELECT 1 FROM wishlist_notifications n
                      WHERE n.wishlist_id = c.wishlist_id AND n.kind = '${kind}' AND n.status = 'queued')
     AND NOT EXISTS (SELECT 1 FROM wishlist_notifications n
                      WHERE n.wishlist_id = c.wishlist_id AND n.kind = '${kind}' AND n.occurrence = c.occurrence)
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

/** $1: now. A sale item is due when a new sale began since the shopper last saw it, or the price is below what they saw. */
export const QUEUE_SALES = queueStatement(
  'sale',
  `
  SELECT w.id AS wishlist_id, w.user_id, p.id AS product_id, p.alert_sale_epoch AS epoch,
         p.alert_sale_epoch || ':' || p.sale_price AS occurrence,
         p.regular_price, p.sale_price, p.stock, (p.in_stock AND p.stock > 0) AS in_stock,
         (p.alert_sale_epoch > w.alert_sale_epoch_seen OR p.sale_price < w.alert_sale_price_seen) AS due
    FROM wishlists w
    JOIN products p ON p.id = w.product_id
   WHERE w.notify_on_sale AND p.status = 'active' AND p.alert_sale_live
     AND wishlist_alerts_on_sale(p.is_on_sale, p.sale_price, p.regular_price, p.sale_start_date, p.sale_end_date, $1)`,
);

/** $1: now, $2: cool-down hours. A stock item is due when the product came back since the shopper last saw it, outside the cool-down. */
export const QUEUE_RESTOCKS = queueStatement(
  'stock',
  `
  SELECT w.id AS wishlist_id, w.user_id, p.id AS product_id, p.alert_stock_epoch AS epoch,
         p.alert_stock_epoch::text AS occurrence,
         p.regular_price, p.sale_price, p.stock, true AS in_stock,
         p.alert_stock_epoch > w.alert_stock_epoch_seen
           AND (w.last_stock_notified_at IS NULL
                OR w.last_stock_notified_at <= $1::timestamptz - make_interval(secs => $2::float8 * 3600)) AS due
    FROM wishlists w
    JOIN products p ON p.id = w.product_id
   WHERE w.notify_on_stock AND p.status = 'active' AND p.in_stock AND p.stock > 0`,
);

export async function queueSaleAlerts(db: Db, now: Date): Promise<QueueResult> {
  const { rows } = await db.query<QueueResult>(QUEUE_SALES, [now]);
  return { checked: rows[0].checked, queued: rows[0].queued };
}

export async function queueRestockAlerts(db: Db, now: Date, cooldownHours: number): Promise<QueueResult> {
  const { rows } = await db.query<QueueResult>(QUEUE_RESTOCKS, [now, cooldownHours]);
  return { checked: rows[0].checked, queued: rows[0].queued };
}
