import type { Pool } from 'pg';
import { withTransaction } from './pool';

/**
 * The rule of attribution, in one place. An order item counts for an alert when:
 * - the alert was accepted by the mail server (`wishlist_alert_items.status = 'sent'`);
 * - the order was placed by the alerted shopper: `orders.user_id`, or for a guest checkout
 *   (no user) the shopper whose `users.email` is its `customer_email`, case aside;
 * - the item is the alerted product (`order_items.product_id`);
 * - the order is paid (`payment_status` paid or partially_refunded) and neither cancelled,
 *   refunded nor failed (`status`);
 * - it was placed at or after the email's acceptance and within the attribution days.
 * An item is counted once: several alerts before it credit the latest (last touch).
 * `orders.created_at` is the shop's zone-less local time: the alert's time is put in that
 * zone (not the other way round), so the shop's index on created_at still serves.
 * Read-only on the shop's tables.
 *
 * $1 now, $2 the windows in days, $3 the attribution days, $4 the shop's zone, $5 the top products per window,
 * $6 the longest window (given apart so the planner sees the range of alerts it reads).
 */
const ATTRIBUTION = `
  WITH windows AS (
    SELECT d AS days, $1::timestamptz - d * interval '24 hours' AS since FROM unnest($2::int[]) AS d
  ), emails AS (
    -- Compared byte for byte: the database's collation would make the distinct count's sort slow.
    SELECT m.kind, m.region, m.user_id, m.sent_at, coalesce(m.email_id, 'message ' || m.id) COLLATE "C" AS email
      FROM wishlist_alert_messages m
     WHERE m.status = 'sent' AND m.sent_at > $1::timestamptz - $6::int * interval '24 hours' AND m.sent_at <= $1::timestamptz
  ), alerts AS (
    SELECT i.id, i.kind, i.user_id, i.product_id, i.message_id, i.sent_at, (i.sent_at AT TIME ZONE $4::text) AS sent_local
      FROM wishlist_alert_items i
     WHERE i.status = 'sent' AND i.sent_at > $1::timestamptz - $6::int * interval '24 hours' AND i.sent_at <= $1::timestamptz
  ), paid_lines AS (
    SELECT o.id AS order_id, o.created_at, coalesce(o.currency, 'USD') AS currency, o.user_id,
           CASE WHEN o.user_id IS NULL THEN lower(o.customer_email) END AS guest_email,
           oi.id AS line_id, oi.product_id, oi.product_name, oi.quantity, oi.total_price
      FROM orders o
      JOIN order_items oi ON oi.order_id = o.id
     WHERE o.created_at >= (($1::timestamptz - $6::int * interval '24 hours') AT TIME ZONE $4::text)
       AND o.payment_status IN ('paid', 'partially_refunded')
       AND coalesce(o.status, '') NOT IN ('cancelled', 'refunded', 'failed')
  ), guests AS (
    -- A guest checkout's shopper: users.email as typed, compared case aside.
    SELECT DISTINCT lower(u.email) AS email, u.id AS user_id
      FROM users u WHERE lower(u.email) IN (SELECT guest_email FROM paid_lines)
  ), lines AS (
    SELECT l.line_id, l.order_id, l.created_at, l.currency, l.product_id, l.product_name, l.quantity, l.total_price, l.user_id AS shopper
      FROM paid_lines l WHERE l.user_id IS NOT NULL
    UNION ALL
    SELECT l.line_id, l.order_id, l.created_at, l.currency, l.product_id, l.product_name, l.quantity, l.total_price, g.user_id
      FROM paid_lines l JOIN guests g ON g.email = l.guest_email
  ), credited AS (
    SELECT DISTINCT ON (l.line_id) l.*, a.kind, a.message_id, a.sent_at
      FROM lines l
      JOIN alerts a ON a.user_id = l.shopper AND a.product_id = l.product_id
                   AND l.created_at >= a.sent_local AND l.created_at < a.sent_local + make_interval(days => $3::int)
     ORDER BY l.line_id, a.sent_at DESC, a.id DESC
  ), sold AS (
    SELECT w.days, c.kind, m.region, c.shopper AS user_id, c.order_id, c.product_id, c.product_name, c.quantity, c.total_price, c.currency
      FROM credited c
      JOIN wishlist_alert_messages m ON m.id = c.message_id
      JOIN windows w ON c.sent_at > w.since
  )`;

/** One line of the answer; which fields are set depends on `part`. Kind and region are null on a window's total. */
export interface AttributionRow {
  part: 'reach' | 'orders' | 'revenue' | 'top';
  days: number;
  kind: string | null;
  region: string | null;
  currency: string | null;
  productId: number | null;
  name: string | null;
  emails: number | null;
  shoppers: number | null;
  orders: number | null;
  buyers: number | null;
  items: number | null;
  units: number | null;
  /** numeric as text: money is never a float. */
  amount: string | null;
}

const NULLS = { kind: 'NULL::text', region: 'NULL::text', currency: 'NULL::text', productId: 'NULL::int', name: 'NULL::text',
  emails: 'NULL::int', shoppers: 'NULL::int', orders: 'NULL::int', buyers: 'NULL::int', items: 'NULL::int', units: 'NULL::int', amount: 'NULL::text' };
/** The select list of one part: its own columns, NULL for the others (so the parts can be UNIONed). */
function columns(own: Partial<Record<keyof typeof NULLS, string>>): string {
  return Object.entries({ ...NULLS, ...own }).map(([name, sql]) => `${sql} AS "${name}"`).join(', ');
}

/** The whole statement (exported for the bench's EXPLAIN); its parameters are attribution()'s. */
export const attributionSql = `${ATTRIBUTION}
  SELECT 'reach' AS part, w.days, ${columns({ kind: 'a.kind', region: 'a.region', emails: 'count(DISTINCT a.email)::int', shoppers: 'count(DISTINCT a.user_id)::int' })}
    FROM windows w JOIN emails a ON a.sent_at > w.since
   GROUP BY GROUPING SETS ((w.days, a.kind, a.region), (w.days))
  UNION ALL
  SELECT 'orders', s.days, ${columns({ kind: 's.kind', region: 's.region', orders: 'count(DISTINCT s.order_id)::int', buyers: 'count(DISTINCT s.user_id)::int', items: 'count(*)::int', units: 'sum(s.quantity)::int' })}
    FROM sold s GROUP BY GROUPING SETS ((s.days, s.kind, s.region), (s.days))
  UNION ALL
  SELECT 'revenue', s.days, ${columns({ kind: 's.kind', region: 's.region', currency: 's.currency', amount: 'sum(s.total_price)::text' })}
    FROM sold s GROUP BY GROUPING SETS ((s.days, s.kind, s.region, s.currency), (s.days, s.currency))
  UNION ALL
  SELECT 'top', t.days, ${columns({ region: 't.region', currency: 't.currency', productId: 't.product_id', name: 't.name', orders: 't.orders', units: 't.units', amount: 't.amount' })}
    FROM (SELECT s.days, s.product_id, s.currency, max(s.region) AS region, coalesce(max(p.name), max(s.product_name)) AS name,
                 count(DISTINCT s.order_id)::int AS orders, sum(s.quantity)::int AS units, sum(s.total_price)::text AS amount,
                 row_number() OVER (PARTITION BY s.days ORDER BY sum(s.quantity) DESC, count(DISTINCT s.order_id) DESC, s.product_id) AS rank
            FROM sold s LEFT JOIN products p ON p.id = s.product_id
           GROUP BY s.days, s.product_id, s.currency) t
   WHERE t.rank <= $5`;

/**
 * For each window (the last N days of alerts): emails and shoppers reached, orders, buyers,
 * items and revenue per currency attributed, per kind and region and in total; and the
 * products most bought after an alert. One statement: every part reads the same alerts.
 */
export async function attribution(
  pool: Pool, q: { now: Date; windows: number[]; attributionDays: number; timezone: string; top: number },
): Promise<AttributionRow[]> {
  return withTransaction(pool, async (client) => {
    // Read-only on every table, the shop's above all. And no JIT: the planner cannot tell how
    // many guest checkouts match a shopper's address (an expression without statistics), so
    // its cost estimate passes the JIT thresholds, and compiling costs seconds while the
    // statement itself runs in a fraction of that.
    await client.query('SET TRANSACTION READ ONLY');
    await client.query('SET LOCAL jit = off');
    const { rows } = await client.query<AttributionRow>(attributionSql, [q.now, q.windows, q.attributionDays, q.timezone, q.top, Math.max(...q.windows)]);
    return rows;
  });
}
