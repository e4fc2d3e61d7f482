import { Db, maskedEmailSql } from './pool';
import type { AlertKind } from '../mail/kinds';

export interface ClaimedMessage {
  id: string;
  userId: number;
  kind: AlertKind;
  attempts: number;
  /** Held back by the daily cap at some point: it goes out in a digest. */
  held: boolean;
}

export interface OutboxItem {
  notificationId: string;
  messageId: string;
  kind: AlertKind;
  userId: number;
  wishlistId: number | null;
  productId: number | null;
  occurrence: string;
  email: string;
  firstName: string | null;
  name: string | null;
  slug: string | null;
  regularPrice: string | null;
  salePrice: string | null;
  saleEndsAt: Date | null;
  stock: number | null;
  /** Why the item must not be announced any more, or null if it still should be. */
  staleReason: string | null;
}

/**
 * Claims due messages of one kind with FOR UPDATE SKIP LOCKED, so several deliverers
 * never take the same message; a message left 'sending' by a process that died is taken
 * again once its lease has run out. For each shopper it also claims their other due
 * messages (either kind), so one shopper gets one email per delivery.
 *
 * The daily cap: a shopper who got `cap` emails in the last 24 hours gets none now; their
 * messages wait (held_at set) until the oldest of those emails leaves the window, and
 * then go out together as one digest. cap 0: no cap.
 */
export async function claimMessages(
  db: Db, kind: AlertKind, now: Date, limit: number, owner: string, leaseMs: number, cap: number,
): Promise<ClaimedMessage[]> {
  const { rows } = await db.query<ClaimedMessage>(
    `WITH picked AS (
       SELECT id, user_id FROM wishlist_alert_messages
        WHERE kind = $1
          AND ((status = 'pending' AND next_attempt_at <= $2) OR (status = 'sending' AND locked_until < $2))
        ORDER BY next_attempt_at, id
        LIMIT $3
        FOR UPDATE SKIP LOCKED
     ), capped AS (
       -- The cap-th newest email of the window: when it leaves, a slot frees.
       SELECT u.user_id, e.sent_at + interval '24 hours' AS free_at
         FROM (SELECT DISTINCT user_id FROM picked) u
         CROSS JOIN LATERAL (
           SELECT DISTINCT s.email_id, s.sent_at FROM wishlist_alert_messages s
            WHERE s.user_id = u.user_id AND s.status = 'sent' AND s.sent_at > $2::timestamptz - interval '24 hours'
            ORDER BY s.sent_at DESC OFFSET greatest($6::int - 1, 0) LIMIT 1) e
        WHERE $6::int > 0
     ), held AS (
       UPDATE wishlist_alert_messages m
          SET status = 'pending', next_attempt_at = c.free_at, held_at = coalesce(m.held_at, $2),
              locked_by = NULL, locked_until = NULL, updated_at = $2
         FROM picked p JOIN capped c ON c.user_id = p.user_id
        WHERE m.id = p.id
       RETURNING m.id
     ), allowed AS (
       SELECT p.id, p.user_id FROM picked p WHERE p.user_id NOT IN (SELECT user_id FROM capped)
     ), same_shopper AS (
       SELECT s.id FROM wishlist_alert_messages s
        WHERE s.user_id IN (SELECT user_id FROM allowed) AND s.status = 'pending' AND s.next_attempt_at <= $2
          AND s.id NOT IN (SELECT id FROM picked)
        FOR UPDATE SKIP LOCKED
     )
     UPDATE wishlist_alert_messages m
        SET status = 'sending', attempts = m.attempts + 1, locked_by = $4,
            locked_until = $2::timestamptz + make_interval(secs => $5::float8 / 1000), updated_at = $2
      WHERE m.id IN (SELECT id FROM allowed UNION ALL SELECT id FROM same_shopper)
  RETURNING m.id::text AS id, m.user_id AS "userId", m.kind, m.attempts, m.held_at IS NOT NULL AS held`,
    [kind, now, limit, owner, leaseMs, cap],
  );
  return rows;
}

// The state is read again at send time (rule K6): an item whose product left the sale
// or went out of stock, whose shopper turned alerts off, or that a newer sale or restock
// superseded, is skipped with the reason. $3 is the minimum sale discount in percent.
const LOAD_ITEMS = `
SELECT n.id::text AS "notificationId", n.message_id::text AS "messageId", n.kind, n.user_id AS "userId",
       n.wishlist_id AS "wishlistId", n.product_id AS "productId", n.occurrence, u.email, u.first_name AS "firstName",
       p.name, p.slug, p.regular_price::text AS "regularPrice", p.sale_price::text AS "salePrice",
       p.sale_end_date AS "saleEndsAt", p.stock,
       CASE
         WHEN o.user_id IS NOT NULL THEN 'shopper unsubscribed from all wishlist alerts'
         WHEN w.id IS NULL THEN 'removed from the wishlist'
         WHEN p.id IS NULL THEN 'product deleted'
         WHEN p.status <> 'active' THEN 'product not active'
         WHEN n.kind = 'sale' AND NOT w.notify_on_sale THEN 'sale alerts turned off'
         WHEN n.kind = 'stock' AND NOT w.notify_on_stock THEN 'stock alerts turned off'
         WHEN n.kind = 'sale' AND NOT wishlist_alerts_on_sale(p.is_on_sale, p.sale_price, p.regular_price,
                                                              p.sale_start_date, p.sale_end_date, $2) THEN 'no longer on sale'
         WHEN n.kind = 'sale' AND split_part(n.occurrence, ':', 1)::int <> p.alert_sale_epoch THEN 'superseded by a newer sale'
         WHEN n.kind = 'sale' AND (p.regular_price - p.sale_price) * 100 < $3::numeric * p.regular_price
           THEN 'discount now below WISHLIST_SALE_MIN_DROP_PERCENT'
         WHEN n.kind = 'stock' AND NOT (p.in_stock AND p.stock > 0) THEN 'out of stock again'
         WHEN n.kind = 'stock' AND n.occurrence::int <> p.alert_stock_epoch THEN 'superseded by a newer restock'
       END AS "staleReason"
  FROM wishlist_notifications n
  JOIN users u ON u.id = n.user_id
  LEFT JOIN wishlist_alert_optouts o ON o.user_id = n.user_id
  LEFT JOIN wishlists w ON w.id = n.wishlist_id
  LEFT JOIN products p ON p.id = n.product_id
 WHERE n.message_id = ANY($1::bigint[]) AND n.status = 'queued'
 ORDER BY n.message_id, n.id`;

export async function loadItems(db: Db, messageIds: string[], now: Date, minDropPercent: number): Promise<OutboxItem[]> {
  const { rows } = await db.query<OutboxItem>(LOAD_ITEMS, [messageIds, now, minDropPercent]);
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

/** One email SMTP accepted: the outbox messages it carried and the items in it. */
export interface SentRecord {
  messageIds: string[];
  /** The email's Message-ID: the daily cap counts emails, not outbox messages. */
  emailId: string;
  response: string;
  items: OutboxItem[];
}

/**
 * Records what SMTP accepted, for many emails in one statement: the messages, their
 * items (with the prices that were in the email), and on the wishlist rows what the
 * shopper has now seen (the epoch and price announced) and last_*_notified_at. A wishlist
 * row has at most one waiting item per kind, so one sale and one stock item at most.
 */
export async function markSent(db: Db, sent: SentRecord[], now: Date): Promise<void> {
  if (sent.length === 0) return;
  const messages = sent.flatMap((s) => s.messageIds.map((id) => ({ id, emailId: s.emailId, response: s.response })));
  const items = sent.flatMap((s) => s.items);
  await db.query(
    `WITH msgs AS (
       UPDATE wishlist_alert_messages m SET status = 'sent', sent_at = $4, smtp_response = s.response, email_id = s.email_id,
              last_error = NULL, locked_until = NULL, updated_at = $4
         FROM unnest($1::bigint[], $2::text[], $3::text[]) AS s(id, email_id, response) WHERE m.id = s.id RETURNING 1
     ), item_values AS (
       SELECT * FROM unnest($5::bigint[], $6::int[], $7::numeric[], $8::numeric[], $9::int[], $10::text[], $11::text[])
                AS i(id, wishlist_id, regular_price, sale_price, stock, kind, occurrence)
     ), items AS (
       UPDATE wishlist_notifications n SET status = 'sent', sent_at = $4, updated_at = $4, error = NULL,
              regular_price = i.regular_price, sale_price = i.sale_price, stock = i.stock, in_stock = i.stock > 0
         FROM item_values i WHERE n.id = i.id RETURNING 1
     ), seen AS (
       SELECT wishlist_id,
              max(CASE WHEN kind = 'sale' THEN split_part(occurrence, ':', 1)::int END) AS sale_epoch,
              max(CASE WHEN kind = 'sale' THEN sale_price END) AS sale_price,
              max(CASE WHEN kind = 'stock' THEN occurrence::int END) AS stock_epoch
         FROM item_values GROUP BY wishlist_id
     )
     UPDATE wishlists w SET
            last_sale_notified_at = CASE WHEN s.sale_epoch IS NULL THEN w.last_sale_notified_at ELSE $4 END,
            alert_sale_price_seen = CASE WHEN s.sale_epoch IS NULL THEN w.alert_sale_price_seen ELSE s.sale_price END,
            alert_sale_epoch_seen = greatest(w.alert_sale_epoch_seen, s.sale_epoch),
            last_stock_notified_at = CASE WHEN s.stock_epoch IS NULL THEN w.last_stock_notified_at ELSE $4 END,
            alert_stock_epoch_seen = greatest(w.alert_stock_epoch_seen, s.stock_epoch)
       FROM seen s WHERE w.id = s.wishlist_id`,
    [
      messages.map((m) => m.id),
      messages.map((m) => m.emailId),
      messages.map((m) => m.response),
      now,
      items.map((i) => i.notificationId),
      items.map((i) => i.wishlistId),
      items.map((i) => i.regularPrice),
      items.map((i) => i.salePrice),
      items.map((i) => i.stock),
      items.map((i) => i.kind),
      items.map((i) => i.occurrence),
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
  /** The Message-ID of the email that carried it, once sent. */
  emailId: string | null;
}

/** Recent alerts for the admin, newest first; the recipient is masked (j***@example.com). */
export async function listNotifications(
  db: Db, f: { status?: string; kind?: AlertKind; limit: number; before?: string },
): Promise<NotificationView[]> {
  const { rows } = await db.query<NotificationView>(
    `SELECT n.id::text, n.kind, n.status, n.wishlist_id AS "wishlistId", n.product_id AS "productId", p.name AS "productName",
            ${maskedEmailSql('u.email')} AS recipient, coalesce(m.attempts, 0) AS attempts,
            coalesce(n.error, CASE WHEN n.status = 'queued' THEN m.last_error END) AS error,
            CASE WHEN n.status = 'queued' THEN m.next_attempt_at END AS "nextAttemptAt",
            n.created_at AS "createdAt", n.sent_at AS "sentAt", CASE WHEN n.status = 'sent' THEN m.email_id END AS "emailId"
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

/** Messages waiting to be sent (pending or being sent) and failed for good, for metrics. */
export async function outboxCounts(db: Db): Promise<{ pending: number; failed: number }> {
  const { rows } = await db.query<{ pending: number; failed: number }>(
    `SELECT (SELECT count(*) FROM wishlist_alert_messages WHERE status IN ('pending', 'sending'))::int AS pending,
            (SELECT count(*) FROM wishlist_alert_messages WHERE status = 'failed')::int AS failed`,
  );
  return rows[0];
}

/** The Message-ID a notification went out under, for the console's preview link. */
export async function emailIdOf(db: Db, notificationId: string): Promise<string | null> {
  const { rows } = await db.query<{ emailId: string | null }>(
    `SELECT m.email_id AS "emailId" FROM wishlist_notifications n JOIN wishlist_alert_messages m ON m.id = n.message_id WHERE n.id = $1`,
    [notificationId],
  );
  return rows[0]?.emailId ?? null;
}
