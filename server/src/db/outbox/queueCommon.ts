import type { AlertKind } from '../../domain';

/** What the queue statements (queueSales.ts, queuePriceDrops.ts, queueRestocks.ts) share: their result, their room, their end. */

export interface QueueResult {
  /** Wishlist rows whose product is on sale (or in stock) and that asked for alerts. */
  checked: number;
  /** Items written to the outbox by this call. */
  queued: number;
}

/**
 * A storewide sale makes the candidate set large: with the default work_mem it spills to
 * temporary files. Run in the check's transaction; the setting ends with it.
 */
export async function roomForCandidates(db: { query(text: string): Promise<unknown> }): Promise<void> {
  await db.query(`SET LOCAL work_mem = '64MB'`);
}

/**
 * The end of both queue statements: the rows of their `due` CTE (user_id, region,
 * wishlist_id, product_id, regular_price, sale_price, stock; a price drop's previous_price) written to the outbox, one
 * message per shopper and region and one item per row, the item's occurrence given by
 * `occurrence` (an expression over the row `d`). An item already decided for that very
 * occurrence is not written again. Counted by `SELECT count(*) FROM queued`.
 *
 * Each shopper's message id is drawn in `grouped`, before the messages are written, and
 * the items take it from there: joining the items to the written messages leaves that join
 * to row estimates a fresh storewide sale or restock makes wrong, and a nested loop over
 * both grows with the square of the alerts (docs/benchmarks.md).
 */
export function outboxWrites(kind: AlertKind, occurrence: string): string {
  // A price drop's "was" (queuePriceDrops.ts); the other kinds have none.
  const previous = kind === 'price_drop' ? 'd.previous_price' : 'NULL::numeric';
  return `grouped AS (
  SELECT g.*, max(g.first_id) OVER (PARTITION BY g.user_id, g.region) AS message_id
    FROM (SELECT d.*, CASE WHEN row_number() OVER (PARTITION BY d.user_id, d.region) = 1
                           THEN nextval('wishlist_alert_messages_id_seq') END AS first_id
            FROM due d) g
), messages AS (
  INSERT INTO wishlist_alert_messages (id, user_id, kind, region, created_at, updated_at, next_attempt_at)
  SELECT first_id, user_id, '${kind}', region, $1::timestamptz, $1::timestamptz, $1::timestamptz FROM grouped WHERE first_id IS NOT NULL
), queued AS (
  INSERT INTO wishlist_alert_items (message_id, wishlist_id, user_id, product_id, kind, occurrence,
                                    regular_price, sale_price, stock, previous_price, created_at, updated_at)
  SELECT d.message_id, d.wishlist_id, d.user_id, d.product_id, '${kind}', ${occurrence},
         d.regular_price, d.sale_price, d.stock, ${previous}, $1::timestamptz, $1::timestamptz
    FROM grouped d
  ON CONFLICT (wishlist_id, kind, occurrence) DO NOTHING
  RETURNING 1
)`;
}
