import { Db, maskedEmailSql } from './pool';
import type { AlertKind } from '../domain';

/** The product a wishlist row is for, as an unsubscribe page names it; null if the row is gone. */
export async function productNameOf(db: Db, wishlistId: number): Promise<string | null> {
  const { rows } = await db.query<{ name: string }>(
    'SELECT p.name FROM wishlists w JOIN products p ON p.id = w.product_id WHERE w.id = $1',
    [wishlistId],
  );
  return rows[0]?.name ?? null;
}

/** Turns off one wishlist row's alerts of one kind: the same flag the account page sets. */
export async function stopItemAlerts(db: Db, wishlistId: number, kind: AlertKind): Promise<void> {
  await db.query(
    kind === 'sale'
      ? 'UPDATE wishlists SET notify_on_sale = false WHERE id = $1 AND notify_on_sale'
      : 'UPDATE wishlists SET notify_on_stock = false WHERE id = $1 AND notify_on_stock',
    [wishlistId],
  );
}

/** The shopper's address, masked (j***@example.com), or null if there is no such shopper. */
export async function maskedEmail(db: Db, userId: number): Promise<string | null> {
  const { rows } = await db.query<{ masked: string }>(
    `SELECT ${maskedEmailSql('email')} AS masked FROM users WHERE id = $1`,
    [userId],
  );
  return rows[0]?.masked ?? null;
}

export interface ShopperAlerts {
  userId: number;
  /** False once the shopper stopped all wishlist alerts. */
  enabled: boolean;
  optedOutAt: Date | null;
  source: string | null;
}

/** Stops every wishlist alert to a shopper; a second call changes nothing. */
export async function optOut(db: Db, userId: number, source: 'link' | 'api', now: Date): Promise<void> {
  await db.query(
    'INSERT INTO wishlist_alert_optouts (user_id, created_at, source) VALUES ($1, $2, $3) ON CONFLICT (user_id) DO NOTHING',
    [userId, now, source],
  );
}

/** Lets alerts to a shopper go out again (the account page's "turn alerts on"). */
export async function optIn(db: Db, userId: number): Promise<void> {
  await db.query('DELETE FROM wishlist_alert_optouts WHERE user_id = $1', [userId]);
}

/** Null when there is no such shopper. */
export async function shopperAlerts(db: Db, userId: number): Promise<ShopperAlerts | null> {
  const { rows } = await db.query<ShopperAlerts>(
    `SELECT u.id AS "userId", o.user_id IS NULL AS enabled, o.created_at AS "optedOutAt", o.source
       FROM users u LEFT JOIN wishlist_alert_optouts o ON o.user_id = u.id WHERE u.id = $1`,
    [userId],
  );
  return rows[0] ?? null;
}
