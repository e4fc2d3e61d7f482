import type { Db } from '../pool';
import type { AlertKind, Region } from '../../domain';

export interface ClaimedMessage {
  id: string;
  userId: number;
  kind: AlertKind;
  region: Region;
  attempts: number;
  /** Held back by the daily cap at some point: it goes out in a digest. */
  held: boolean;
  /**
   * Its last attempt, the WISHLIST_MAIL_MAX_ATTEMPTS-th, ended without an outcome (its
   * deliverer stopped or lost the lease): it is failed for good, not tried again.
   */
  spent: boolean;
}

/**
 * Claims due messages of one kind with FOR UPDATE SKIP LOCKED, so several deliverers
 * never take the same message; a message left 'sending' by a process that died is taken
 * again once its lease has run out (counted as an attempt; one whose attempts are spent
 * comes back marked `spent`, without another). For each shopper it also claims their other due
 * messages of the same region (either kind), so one shopper gets one email per region.
 * Only kinds whose template is switched on in the shop (`kinds`) and regions that can
 * send now (`regions`) are claimed; the others wait.
 *
 * The daily cap: a shopper who got `cap` emails in the last 24 hours gets none now; their
 * messages wait (held_at set) until the oldest of those emails leaves the window, and
 * then go out together as one digest. cap 0: no cap.
 *
 * Settling: a shopper who has another wishlisted sale or price drop of the same store still
 * settling gets their sale or price-drop message when that one has settled (restocks go at
 * once), so those that become due within the settle time come in one email. A message waits so at most twice
 * the settle time.
 */
export async function claimMessages(
  db: Db,
  kind: AlertKind,
  opts: {
    now: Date; limit: number; owner: string; leaseMs: number; cap: number; kinds: AlertKind[]; regions: Region[]; saleSettleSeconds: number;
    maxAttempts: number;
  },
): Promise<ClaimedMessage[]> {
  const { rows } = await db.query<ClaimedMessage>(
    `WITH picked AS (
       SELECT id, user_id, region, created_at, (status = 'sending' AND attempts >= $10) AS spent FROM wishlist_alert_messages
        WHERE kind = $1 AND region = ANY($8::text[])
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
        WHERE m.id = p.id AND NOT p.spent
       RETURNING m.id
     ), settling AS (
       SELECT p.id, max(CASE WHEN o.sale_live THEN o.sale_observed_at ELSE o.regular_observed_at END) + make_interval(secs => $9::float8) AS free_at
         FROM picked p
         JOIN wishlists w ON w.user_id = p.user_id AND w.notify_on_sale
         JOIN products pr ON pr.id = w.product_id AND pr.region = p.region
         JOIN wishlist_alert_products o ON o.product_id = w.product_id
              AND ((o.sale_live AND o.sale_observed_at > $2::timestamptz - make_interval(secs => $9::float8))
                   OR (NOT o.sale_live AND o.regular_price < o.regular_prices[cardinality(o.regular_prices) - 1]
                       AND o.regular_observed_at > $2::timestamptz - make_interval(secs => $9::float8)))
        WHERE $1 IN ('sale', 'price_drop') AND $9::float8 > 0 AND NOT p.spent AND p.created_at > $2::timestamptz - make_interval(secs => 2 * $9::float8)
          AND p.user_id NOT IN (SELECT user_id FROM capped)
        GROUP BY p.id
     ), gathering AS (
       UPDATE wishlist_alert_messages m SET next_attempt_at = s.free_at, updated_at = $2
         FROM settling s WHERE m.id = s.id
       RETURNING m.id
     ), allowed AS (
       SELECT p.id, p.user_id, p.region, p.spent FROM picked p
        WHERE p.spent OR (p.user_id NOT IN (SELECT user_id FROM capped) AND p.id NOT IN (SELECT id FROM settling))
     ), same_shopper AS (
       SELECT s.id FROM wishlist_alert_messages s JOIN (SELECT DISTINCT user_id, region FROM allowed WHERE NOT spent) a
           ON a.user_id = s.user_id AND a.region = s.region
        WHERE s.status = 'pending' AND s.next_attempt_at <= $2 AND s.kind = ANY($7::text[])
          AND s.id NOT IN (SELECT id FROM picked)
        FOR UPDATE OF s SKIP LOCKED
     )
     UPDATE wishlist_alert_messages m
        SET status = 'sending', attempts = m.attempts + CASE WHEN m.id IN (SELECT id FROM allowed WHERE spent) THEN 0 ELSE 1 END, locked_by = $4,
            locked_until = $2::timestamptz + make_interval(secs => $5::float8 / 1000), updated_at = $2
      WHERE m.id IN (SELECT id FROM allowed UNION ALL SELECT id FROM same_shopper)
  RETURNING m.id::text AS id, m.user_id AS "userId", m.kind, m.region, m.attempts, m.held_at IS NOT NULL AS held,
            m.id IN (SELECT id FROM allowed WHERE spent) AS spent`,
    [kind, opts.now, opts.limit, opts.owner, opts.leaseMs, opts.cap, opts.kinds, opts.regions, opts.saleSettleSeconds, opts.maxAttempts],
  );
  return rows;
}

/** Says why a region's messages wait (no mail server, test mode without a test address). */
export async function noteWaiting(db: Db, region: Region, reason: string, now: Date): Promise<void> {
  await db.query(
    `UPDATE wishlist_alert_messages SET last_error = $2, updated_at = $3
      WHERE region = $1 AND status = 'pending' AND last_error IS DISTINCT FROM $2`,
    [region, reason, now],
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

/** Gives claimed messages that were never tried back to the outbox, as they were. */
export async function releaseMessages(db: Db, ids: string[], owner: string): Promise<void> {
  if (ids.length === 0) return;
  await db.query(
    `UPDATE wishlist_alert_messages SET status = 'pending', attempts = greatest(attempts - 1, 0), locked_by = NULL, locked_until = NULL
      WHERE id = ANY($1::bigint[]) AND locked_by = $2 AND status = 'sending'`,
    [ids, owner],
  );
}
