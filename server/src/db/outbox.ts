import type { Db } from './pool';
import type { AlertKind } from '../mail/templates';

export interface ClaimedMessage {
  id: string;
  userId: number;
  attempts: number;
}

export interface OutboxItem {
  notificationId: string;
  messageId: string;
  wishlistId: number | null;
  productId: number | null;
  occurrence: string;
  email: string;
  firstName: string | null;
  name: string | null;
  slug: string | null;
  regularPrice: string | null;
  salePrice: string | null;
  stock: number | null;
  /** Why the item must not be announced any more, or null if it still should be. */
  staleReason: string | null;
}

/**
 * Claims up to `limit` due messages of one kind with FOR UPDATE SKIP LOCKED, so several
 * deliverers never take the same message. A message left 'sending' by a process that
 * died is taken again once its lease has run out.
 */
export async function claimMessages(
  db: Db, kind: AlertKind, now: Date, limit: number, owner: string, leaseMs: number,
): Promise<ClaimedMessage[]> {
  const { rows } = await db.query<ClaimedMessage>(
    `UPDATE wishlist_alert_messages m
        SET status = 'sending', attempts = m.attempts + 1, locked_by = $4,
            locked_until = $2::timestamptz + make_interval(secs => $5::float8 / 1000), updated_at = $2
      WHERE m.id IN (SELECT id FROM wishlist_alert_messages
                      WHERE kind = $1
                        AND ((status = 'pending' AND next_attempt_at <= $2) OR (status = 'sending' AND locked_until < $2))
                      ORDER BY next_attempt_at, id
                      LIMIT $3
                      FOR UPDATE SKIP LOCKED)
  RETURNING m.id::text AS id, m.user_id AS "userId", m.attempts`,
    [kind, now, limit, owner, leaseMs],
  );
  return rows;
}

// The state is read again at send time (rule K6): an item whose product left the sale
// or went out of stock, whose shopper turned alerts off, or that a newer sale or restock
// superseded, is skipped with the reason.
const LOAD_ITEMS = `
SELECT n.id::text AS "notificationId", n.message_id::text AS "messageId", n.wishlist_id AS "wishlistId",
       n.product_id AS "productId", n.occurrence, u.email, u.first_name AS "firstName",
       p.name, p.slug, p.regular_price::text AS "regularPrice", p.sale_price::text AS "salePrice", p.stock,
       CASE
         WHEN w.id IS NULL THEN 'removed from the wishlist'
         WHEN p.id IS NULL THEN 'product deleted'
         WHEN p.status <> 'active' THEN 'product not active'
         WHEN n.kind = 'sale' AND NOT w.notify_on_sale THEN 'sale alerts turned off'
         WHEN n.kind = 'stock' AND NOT w.notify_on_stock THEN 'stock alerts turned off'
         WHEN n.kind = 'sale' AND NOT wishlist_alerts_on_sale(p.is_on_sale, p.sale_price, p.regular_price,
                                                              p.sale_start_date, p.sale_end_date, $2) THEN 'no longer on sale'
         WHEN n.kind = 'sale' AND split_part(n.occurrence, ':', 1)::int <> p.alert_sale_epoch THEN 'superseded by a newer sale'
         WHEN n.kind = 'stock' AND NOT (p.in_stock AND p.stock > 0) THEN 'out of stock again'
         WHEN n.kind = 'stock' AND n.occurrence::int <> p.alert_stock_epoch THEN 'superseded by a newer restock'
       END AS "staleReason"
  FROM wishlist_notifications n
  JOIN users u ON u.id = n.user_id
  LEFT JOIN wishlists w ON w.id = n.wishlist_id
  LEFT JOIN products p ON p.id = n.product_id
 WHERE n.message_id = ANY($1::bigint[]) AND n.status = 'queued'
 ORDER BY n.message_id, n.id`;

export async function loadItems(db: Db, messageIds: string[], now: Date): Promise<OutboxItem[]> {
  const { rows } = await db.query<OutboxItem>(LOAD_ITEMS, [messageIds, now]);
  return rows;
}

/** Marks stale items skipped, and messages left with nothing to send skipped too. */
export async function skipStale(db: Db, items: OutboxItem[], emptyMessageIds: string[], now: Date): Promise<void> {
  if (items.length === 0 && emptyMessageIds.length === 0) return;
  await db.query(
    `WITH items AS (
       UPDATE wishlist_notifications n SET status = 'skipped', error = s.reason, updated_at = $3
         FROM unnest($1::bigint[], $2::text[]) AS s(id, reason) WHERE n.id = s.id RETURNING 1)
     UPDATE wishlist_alert_messages SET status = 'skipped', locked_until = NULL, updated_at = $3
      WHERE id = ANY($4::bigint[])`,
    [items.map((i) => i.notificationId), items.map((i) => i.staleReason), now, emptyMessageIds],
  );
}

export interface SentRecord {
  messageId: string;
  response: string;
  items: OutboxItem[];
}

/**
 * Records what SMTP accepted, for many messages in one statement: the messages, their
 * items (with the prices that were in the email), and on the wishlist rows what the
 * shopper has now seen (the epoch and price announced) and last_*_notified_at.
 */
export async function markSent(db: Db, kind: AlertKind, sent: SentRecord[], now: Date): Promise<void> {
  if (sent.length === 0) return;
  const items = sent.flatMap((s) => s.items);
  const seen =
    kind === 'sale'
      ? `last_sale_notified_at = $3, alert_sale_price_seen = i.sale_price,
         alert_sale_epoch_seen = greatest(w.alert_sale_epoch_seen, split_part(n.occurrence, ':', 1)::int)`
      : `last_stock_notified_at = $3, alert_stock_epoch_seen = greatest(w.alert_stock_epoch_seen, n.occurrence::int)`;
  await db.query(
    `WITH msgs AS (
       UPDATE wishlist_alert_messages m SET status = 'sent', sent_at = $3, smtp_response = s.response,
              last_error = NULL, locked_until = NULL, updated_at = $3
         FROM unnest($1::bigint[], $2::text[]) AS s(id, response) WHERE m.id = s.id RETURNING 1
     ), item_values AS (
       SELECT * FROM unnest($4::bigint[], $5::int[], $6::numeric[], $7::numeric[], $8::int[])
                AS i(id, wishlist_id, regular_price, sale_price, stock)
     ), items AS (
       UPDATE wishlist_notifications n SET status = 'sent', sent_at = $3, updated_at = $3, error = NULL,
              regular_price = i.regular_price, sale_price = i.sale_price, stock = i.stock, in_stock = i.stock > 0
         FROM item_values i WHERE n.id = i.id RETURNING 1
     )
     UPDATE wishlists w SET ${seen}
       FROM item_values i JOIN wishlist_notifications n ON n.id = i.id WHERE w.id = i.wishlist_id`,
    [
      sent.map((s) => s.messageId),
      sent.map((s) => s.response),
      now,
      items.map((i) => i.notificationId),
      items.map((i) => i.wishlistId),
      items.map((i) => i.regularPrice),
      items.map((i) => i.salePrice),
      items.map((i) => i.stock),
    ],
  );
}

export interface FailedRecord {
  messageId: string;
  error: string;
  /** null: give up (permanent error or attempts exhausted). */
  retryAt: Date | null;
}

/** Records failed sends: retried later, or failed for good with the server's reply on every item. */
export async function markFailed(db: Db, failed: FailedRecord[], now: Date): Promise<void> {
  if (failed.length === 0) return;
  await db.query(
    `WITH f AS (
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[]) AS f(id, error, retry_at)
     ), msgs AS (
       UPDATE wishlist_alert_messages m
          SET status = CASE WHEN f.retry_at IS NULL THEN 'failed' ELSE 'pending' END,
              next_attempt_at = coalesce(f.retry_at, m.next_attempt_at),
              last_error = f.error, locked_until = NULL, updated_at = $4
         FROM f WHERE m.id = f.id RETURNING 1
     )
     UPDATE wishlist_notifications n
        SET error = f.error, updated_at = $4,
            status = CASE WHEN f.retry_at IS NULL THEN 'failed' ELSE n.status END
       FROM f WHERE n.message_id = f.id AND n.status = 'queued'`,
    [failed.map((f) => f.messageId), failed.map((f) => f.error), failed.map((f) => f.retryAt), now],
  );
}

/** Keeps messages this deliverer holds from being taken by another while it works on them. */
export async function renewMessageLeases(db: Db, ids: string[], owner: string, now: Date, leaseMs: number): Promise<void> {
  if (ids.length === 0) return;
  await db.query(
    `UPDATE wishlist_alert_messages SET locked_until = $3::timestamptz + make_interval(secs => $4::float8 / 1000)
      WHERE id = ANY($1::bigint[]) AND locked_by = $2 AND status = 'sending'`,
    [ids, owner, now, leaseMs],
  );
}

export interface NotificationView {
  id: string;
  kind: AlertKind;
  status: string;
  wishlistId: number | null;
  productId: number | null;
  productName: string | null;
  recipient: string;
  attempts: number;
  error: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  sentAt: string | null;
}

/** Recent alerts for the admin, newest first; the recipient is masked (j***@example.com). */
export async function listNotifications(
  db: Db, f: { status?: string; kind?: AlertKind; limit: number; before?: string },
): Promise<NotificationView[]> {
  const { rows } = await db.query<NotificationView>(
    `SELECT n.id::text, n.kind, n.status, n.wishlist_id AS "wishlistId", n.product_id AS "productId", p.name AS "productName",
            regexp_replace(u.email, '^(.)[^@]*', '\\1***') AS recipient, coalesce(m.attempts, 0) AS attempts,
            coalesce(n.error, CASE WHEN n.status = 'queued' THEN m.last_error END) AS error,
            CASE WHEN n.status = 'queued' THEN m.next_attempt_at END AS "nextAttemptAt",
            n.created_at AS "createdAt", n.sent_at AS "sentAt"
       FROM wishlist_notifications n
       JOIN users u ON u.id = n.user_id
       LEFT JOIN wishlist_alert_messages m ON m.id = n.message_id
       LEFT JOIN products p ON p.id = n.product_id
      WHERE ($1::text IS NULL OR n.status = $1) AND ($2::text IS NULL OR n.kind = $2) AND ($3::bigint IS NULL OR n.id < $3)
      ORDER BY n.id DESC LIMIT $4`,
    [f.status ?? null, f.kind ?? null, f.before ?? null, f.limit],
  );
  return rows;
}

/** Gives claimed messages that were never tried back to the outbox, as they were. */
export async function releaseMessages(db: Db, ids: string[], owner: string): Promise<void> {
  if (ids.length === 0) return;
  await db.query(
    `UPDATE wishlist_alert_messages SET status = 'pending', attempts = greatest(attempts - 1, 0), locked_by = NULL, locked_until = NULL
      WHERE id = ANY($1::bigint[]) AND locked_by = $2 AND status = 'sending'`,
    [ids, owner],
  );
}
