import { Db, maskedEmailSql } from '../pool';
import type { AlertKind, Region } from '../../domain';

export interface NotificationView {
  id: string;
  kind: AlertKind;
  region: Region;
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
    `SELECT n.id::text, n.kind, m.region, n.status, n.wishlist_id AS "wishlistId", n.product_id AS "productId", p.name AS "productName",
            ${maskedEmailSql('u.email')} AS recipient, coalesce(m.attempts, 0) AS attempts,
            coalesce(n.error, CASE WHEN n.status = 'queued' THEN m.last_error END) AS error,
            CASE WHEN n.status = 'queued' THEN m.next_attempt_at END AS "nextAttemptAt",
            n.created_at AS "createdAt", n.sent_at AS "sentAt", CASE WHEN n.status = 'sent' THEN m.email_id END AS "emailId"
       FROM wishlist_alert_items n
       JOIN users u ON u.id = n.user_id
       LEFT JOIN wishlist_alert_messages m ON m.id = n.message_id
       LEFT JOIN products p ON p.id = n.product_id
      WHERE ($1::text IS NULL OR n.status = $1) AND ($2::text IS NULL OR n.kind = $2) AND ($3::bigint IS NULL OR n.id < $3)
      ORDER BY n.id DESC LIMIT $4`,
    [f.status ?? null, f.kind ?? null, f.before ?? null, f.limit],
  );
  return rows;
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
    `SELECT m.email_id AS "emailId" FROM wishlist_alert_items n JOIN wishlist_alert_messages m ON m.id = n.message_id WHERE n.id = $1`,
    [notificationId],
  );
  return rows[0]?.emailId ?? null;
}
