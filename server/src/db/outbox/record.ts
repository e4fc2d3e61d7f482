import type { Db, Queryable } from '../pool';
import type { OutboxItem } from './loadItems';

/**
 * What the shop's own logs say of one email (its email_logs row): the template type of
 * the alert kind, the address the email really went to (the test address in test mode),
 * the shopper's name, the subject, and the items with the Message-ID.
 */
export interface ShopLogEntry {
  templateType: string;
  recipient: string;
  recipientName: string | null;
  subject: string;
  metadata: Record<string, unknown> & { messageId: string };
}

export interface RecordOptions {
  /**
   * false: the outcome without the shop's logs (email_logs, wishlist_notifications), the
   * fallback for a record whose full write the database refused.
   */
  shopLogs?: boolean;
}

/** One email SMTP accepted: the outbox messages it carried and the items in it. */
export interface SentRecord {
  messageIds: string[];
  /** The email's Message-ID: the daily cap counts emails, not outbox messages. */
  emailId: string;
  response: string;
  items: OutboxItem[];
  log: ShopLogEntry;
}

// The shop's wishlist_notifications keeps prices as numeric(10,2): a larger value (bad
// data) is left out rather than failing the record of an email that was sent.
const SHOP_PRICE = (col: string) => `CASE WHEN abs(${col}) < 1e8 THEN ${col} END`;

// The shop's logs for emails that reached an outcome: one email_logs row per email, one
// wishlist_notifications row per item in it (prices for a sale, stock for a restock), in
// the shop's shape, so its admin screens and statistics show the module's emails. Times
// are the database's zone-less local time, like the shop's own.
// A price drop is a 'sale' row there (the shop's CHECK allows only 'sale' and 'stock', and
// the shop's table is not the module's to alter): product_price is the price the shopper
// knew, product_sale_price the new one, as a sale row's "was" and "now". The email_logs row
// names the template that governs it and its metadata lists each item's own kind.
const SHOP_LOGS = (status: 'sent' | 'failed') => `
shop_emails AS (
  INSERT INTO email_logs (template_type, recipient_email, recipient_name, subject, status, error_message, metadata, sent_at, created_at)
  SELECT l.template_type, left(l.recipient, 255), left(l.recipient_name, 255), left(l.subject, 255), '${status}', l.error,
         l.metadata, ${status === 'sent' ? '$now::timestamptz::timestamp' : 'NULL'}, $now::timestamptz::timestamp
    FROM unnest($log_type::text[], $log_to::text[], $log_name::text[], $log_subject::text[], $log_error::text[], $log_meta::jsonb[])
         AS l(template_type, recipient, recipient_name, subject, error, metadata)
   WHERE l.metadata->>'messageId' IN (SELECT email_key FROM item_values)
  RETURNING id, metadata->>'messageId' AS email_key
), shop_items AS (
  INSERT INTO wishlist_notifications (wishlist_id, notification_type, email_sent, email_sent_at, email_log_id,
                                      product_price, product_sale_price, product_stock, product_in_stock, created_at)
  SELECT i.wishlist_id, CASE WHEN i.kind = 'stock' THEN 'stock' ELSE 'sale' END, ${status === 'sent'}, $now::timestamptz::timestamp, e.id,
         CASE i.kind WHEN 'sale' THEN ${SHOP_PRICE('i.regular_price')} WHEN 'price_drop' THEN ${SHOP_PRICE('i.previous_price')} END,
         CASE i.kind WHEN 'sale' THEN ${SHOP_PRICE('i.sale_price')} WHEN 'price_drop' THEN ${SHOP_PRICE('i.regular_price')} END,
         CASE WHEN i.kind = 'stock' THEN i.stock END,
         CASE WHEN i.kind = 'stock' THEN '1' END,
         $now::timestamptz::timestamp
    FROM item_values i JOIN shop_emails e ON e.email_key = i.email_key
   WHERE EXISTS (SELECT 1 FROM wishlists w WHERE w.id = i.wishlist_id)
)`;

/** Numbers the named parameters of a statement ($now → $1, …) in the order given. */
function numbered(sql: string, names: string[]): string {
  return names.reduce((text, name, i) => text.replaceAll(`$${name}`, `$${i + 1}`), sql);
}

// The items of the messages this deliverer still owned (msgs): a deliverer whose lease ran
// out while it worked (a stall) records nothing over the one that took the message since.
const ITEM_VALUES = `item_values AS (
  SELECT i.* FROM unnest($item_id::bigint[], $item_wishlist::int[], $item_regular::numeric[], $item_sale::numeric[],
                         $item_stock::int[], $item_kind::text[], $item_occurrence::text[], $item_email::text[], $item_previous::numeric[])
           AS i(id, wishlist_id, regular_price, sale_price, stock, kind, occurrence, email_key, previous_price)
    JOIN wishlist_alert_items n ON n.id = i.id
   WHERE n.message_id IN (SELECT id FROM msgs)
)`;

const ITEM_PARAMS = ['item_id', 'item_wishlist', 'item_regular', 'item_sale', 'item_stock', 'item_kind', 'item_occurrence', 'item_email', 'item_previous'];
const LOG_PARAMS = ['log_type', 'log_to', 'log_name', 'log_subject', 'log_error', 'log_meta'];

function itemValues(records: Array<{ items: OutboxItem[]; log: ShopLogEntry }>): unknown[] {
  const items = records.flatMap((r) => r.items.map((i) => ({ ...i, emailKey: r.log.metadata.messageId })));
  return [
    items.map((i) => i.notificationId),
    items.map((i) => i.wishlistId),
    items.map((i) => i.regularPrice),
    items.map((i) => i.salePrice),
    items.map((i) => i.stock),
    items.map((i) => i.kind),
    items.map((i) => i.occurrence),
    items.map((i) => i.emailKey),
    items.map((i) => i.previousPrice),
  ];
}

function logValues(records: Array<{ log: ShopLogEntry; error?: string | null }>): unknown[] {
  return [
    records.map((r) => r.log.templateType),
    records.map((r) => r.log.recipient),
    records.map((r) => r.log.recipientName),
    records.map((r) => r.log.subject),
    records.map((r) => r.error ?? null),
    records.map((r) => JSON.stringify(r.log.metadata)),
  ];
}

const MARK_SENT = numbered(
  `WITH msgs AS (
     UPDATE wishlist_alert_messages m SET status = 'sent', sent_at = $now, smtp_response = s.response, email_id = s.email_id,
            last_error = NULL, locked_until = NULL, updated_at = $now
       FROM unnest($msg_id::bigint[], $msg_email::text[], $msg_response::text[]) AS s(id, email_id, response)
      WHERE m.id = s.id AND m.status = 'sending' AND m.locked_by = $owner
     RETURNING m.id
   ), ${ITEM_VALUES}, items AS (
     UPDATE wishlist_alert_items n SET status = 'sent', sent_at = $now, updated_at = $now, error = NULL,
            regular_price = i.regular_price, sale_price = i.sale_price, stock = i.stock,
            previous_price = coalesce(i.previous_price, n.previous_price)
       FROM item_values i WHERE n.id = i.id
     RETURNING 1
   ), told AS (
     SELECT wishlist_id,
            max(CASE WHEN kind = 'sale' THEN split_part(occurrence, ':', 1)::int END) AS sale_epoch,
            max(CASE WHEN kind = 'sale' THEN sale_price END) AS sale_price,
            max(CASE WHEN kind = 'stock' THEN occurrence::int END) AS stock_epoch,
            -- The regular price the email showed: a sale's "was", a price drop's new price.
            min(CASE WHEN kind IN ('sale', 'price_drop') THEN regular_price END) AS regular_price
       FROM item_values GROUP BY wishlist_id
   ), seen AS (
     INSERT INTO wishlist_alert_seen AS s (wishlist_id, sale_epoch, sale_price, stock_epoch, regular_price)
     SELECT wishlist_id, sale_epoch, sale_price, stock_epoch, regular_price FROM told
     ON CONFLICT (wishlist_id) DO UPDATE SET
       sale_epoch = coalesce(EXCLUDED.sale_epoch, s.sale_epoch),
       sale_price = CASE WHEN EXCLUDED.sale_epoch IS NULL THEN s.sale_price ELSE EXCLUDED.sale_price END,
       stock_epoch = coalesce(EXCLUDED.stock_epoch, s.stock_epoch),
       regular_price = coalesce(EXCLUDED.regular_price, s.regular_price)
     RETURNING 1
   ), stamps AS (
     UPDATE wishlists w SET
            last_sale_notified_at = CASE WHEN t.sale_epoch IS NULL AND t.regular_price IS NULL THEN w.last_sale_notified_at
                                         ELSE $now::timestamptz::timestamp END,
            last_stock_notified_at = CASE WHEN t.stock_epoch IS NULL THEN w.last_stock_notified_at ELSE $now::timestamptz::timestamp END
       FROM told t WHERE w.id = t.wishlist_id
     RETURNING 1
   ), ${SHOP_LOGS('sent')}
   SELECT 1`,
  ['now', 'owner', 'msg_id', 'msg_email', 'msg_response', ...ITEM_PARAMS, ...LOG_PARAMS],
);

/**
 * Records what SMTP accepted, for many emails in one statement: the messages, their items
 * (with the prices that were in the email), what each shopper has now been told, the
 * shop's last_*_notified_at, and the shop's logs.
 */
export async function markSent(db: Queryable, sent: SentRecord[], now: Date, owner: string, opts: RecordOptions = {}): Promise<void> {
  if (sent.length === 0) return;
  const messages = sent.flatMap((s) => s.messageIds.map((id) => ({ id, emailId: s.emailId, response: s.response })));
  await db.query({ name: 'wishlist_alert_mark_sent', text: MARK_SENT, values: [
    now,
    owner,
    messages.map((m) => m.id),
    messages.map((m) => m.emailId),
    messages.map((m) => m.response),
    ...itemValues(sent),
    ...logValues(opts.shopLogs === false ? [] : sent),
  ] });
}

export interface FailedRecord {
  messageIds: string[];
  error: string;
  /** null: give up (permanent error or attempts exhausted); the shop's logs then say so. */
  retryAt: Date | null;
  items: OutboxItem[];
  log: ShopLogEntry;
}

const MARK_FAILED = numbered(
  `WITH f AS (
     SELECT * FROM unnest($f_id::bigint[], $f_error::text[], $f_retry::timestamptz[]) AS f(id, error, retry_at)
   ), msgs AS (
     UPDATE wishlist_alert_messages m
        SET status = CASE WHEN f.retry_at IS NULL THEN 'failed' ELSE 'pending' END,
            next_attempt_at = coalesce(f.retry_at, m.next_attempt_at),
            last_error = f.error, locked_until = NULL, updated_at = $now
       FROM f WHERE m.id = f.id AND m.status = 'sending' AND m.locked_by = $owner
     RETURNING m.id
   ), items AS (
     UPDATE wishlist_alert_items n
        SET error = f.error, updated_at = $now,
            status = CASE WHEN f.retry_at IS NULL THEN 'failed' ELSE n.status END
       FROM f WHERE n.message_id = f.id AND n.status = 'queued' AND n.message_id IN (SELECT id FROM msgs)
     RETURNING 1
   ), ${ITEM_VALUES}, ${SHOP_LOGS('failed')}
   SELECT 1`,
  ['now', 'owner', 'f_id', 'f_error', 'f_retry', ...ITEM_PARAMS, ...LOG_PARAMS],
);

/**
 * Records failed sends: retried later, or failed for good with the reason on every item.
 * Only a final failure reaches the shop's logs (they keep outcomes, not attempts).
 */
export async function markFailed(db: Db, failed: FailedRecord[], now: Date, owner: string, opts: RecordOptions = {}): Promise<void> {
  if (failed.length === 0) return;
  const rows = failed.flatMap((f) => f.messageIds.map((id) => ({ id, error: f.error, retryAt: f.retryAt })));
  const final = failed.filter((f) => f.retryAt === null);
  await db.query(MARK_FAILED, [
    now,
    owner,
    rows.map((r) => r.id),
    rows.map((r) => r.error),
    rows.map((r) => r.retryAt),
    ...itemValues(final),
    ...logValues(opts.shopLogs === false ? [] : final),
  ]);
}
