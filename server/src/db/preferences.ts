import { Db, maskedEmailSql } from './pool';
import type { PreferenceKind } from '../domain';

/** The product a wishlist row is for, as an unsubscribe page names it; null if the row is gone. */
export async function productNameOf(db: Db, wishlistId: number): Promise<string | null> {
  const { rows } = await db.query<{ name: string }>(
    'SELECT p.name FROM wishlists w JOIN products p ON p.id = w.product_id WHERE w.id = $1',
    [wishlistId],
  );
  return rows[0]?.name ?? null;
}

/** Stops one wishlist row's alerts of one kind (the link under an item); a second call changes nothing. */
export async function stopItemAlerts(db: Db, wishlistId: number, kind: PreferenceKind): Promise<void> {
  await db.query(
    'INSERT INTO wishlist_alert_item_optouts (wishlist_id, kind) VALUES ($1, $2) ON CONFLICT DO NOTHING',
    [wishlistId, kind],
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
/** Lets every alert to a shopper go out again, including items they stopped one by one. */
export async function optIn(db: Db, userId: number): Promise<void> {
  await db.query(
    `WITH items AS (
       DELETE FROM wishlist_alert_item_optouts x USING wishlists w WHERE w.id = x.wishlist_id AND w.user_id = $1
     )
     DELETE FROM wishlist_alert_optouts WHERE user_id = $1`,
    [userId],
  );
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
