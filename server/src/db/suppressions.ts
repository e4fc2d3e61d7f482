import { Db, maskedEmailSql } from './pool';

export type SuppressionSource = 'smtp' | 'notification' | 'complaint';
export const SUPPRESSION_SOURCES: readonly SuppressionSource[] = ['smtp', 'notification', 'complaint'];

export interface SuppressionReport {
  /** As the mail server or the provider named it; matched to the shop's stored form (see suppress). */
  address: string;
  source: SuppressionSource;
  reason: string;
}

export interface SuppressResult {
  /** Addresses newly put on the list, by source. */
  added: Array<{ source: SuppressionSource }>;
  /** Addresses already on it, reported again. */
  again: number;
  /** Shoppers opted out of every alert by a complaint (not counting those already out). */
  optedOut: number;
}

/**
 * Puts reported addresses on the suppression list, in one statement. A report's address is
 * matched to users.email as the shop stores it: exactly, else (providers may change the
 * case or drop the spaces the shop kept) ignoring case and surrounding spaces, each such
 * shopper's stored form being suppressed; with no shopper, the address as reported. A
 * complaint also opts its shoppers out of every alert (source 'complaint'), and is never
 * overwritten by a later bounce of the same address.
 */
export async function suppress(db: Db, reports: SuppressionReport[], now: Date): Promise<SuppressResult> {
  if (reports.length === 0) return { added: [], again: 0, optedOut: 0 };
  // Every entry is inserted or updated, so `saved` has a row for each.
  const { rows } = await db.query<{ inserted: boolean; source: SuppressionSource; optedOut: number }>(
    `WITH reported AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS r(address, source, reason, n)
     ), resolved AS (
       SELECT r.n, r.source, r.reason, coalesce(u.email, r.address) AS address, u.id AS user_id
         FROM reported r
         LEFT JOIN LATERAL (
           SELECT id, email FROM users WHERE email = r.address
           UNION ALL
           SELECT id, email FROM users
            WHERE lower(btrim(email)) = lower(btrim(r.address))
              AND NOT EXISTS (SELECT 1 FROM users x WHERE x.email = r.address)
         ) u ON true
     ), entries AS (
       SELECT DISTINCT ON (address) address, source, reason FROM resolved
        ORDER BY address, source = 'complaint' DESC, n DESC
     ), saved AS (
       INSERT INTO wishlist_alert_suppressions AS s (address, source, reason, created_at, updated_at)
       SELECT address, source, left(reason, 1000), $4, $4 FROM entries
       ON CONFLICT (address) DO UPDATE SET
         source = CASE WHEN s.source = 'complaint' THEN s.source ELSE EXCLUDED.source END,
         reason = CASE WHEN s.source = 'complaint' AND EXCLUDED.source <> 'complaint' THEN s.reason ELSE EXCLUDED.reason END,
         updated_at = EXCLUDED.updated_at, reports = s.reports + 1
       RETURNING xmax = 0 AS inserted, s.source
     ), opted AS (
       INSERT INTO wishlist_alert_optouts (user_id, created_at, source)
       SELECT DISTINCT user_id, $4::timestamptz, 'complaint' FROM resolved WHERE source = 'complaint' AND user_id IS NOT NULL
       ON CONFLICT (user_id) DO NOTHING
       RETURNING 1
     )
     SELECT saved.inserted, saved.source, (SELECT count(*) FROM opted)::int AS "optedOut" FROM saved`,
    [reports.map((r) => r.address), reports.map((r) => r.source), reports.map((r) => r.reason), now],
  );
  return {
    added: rows.filter((r) => r.inserted).map((r) => ({ source: r.source })),
    again: rows.filter((r) => !r.inserted).length,
    optedOut: rows[0]?.optedOut ?? 0,
  };
}

export interface SuppressionView {
  id: string;
  /** Masked: j***@example.com. */
  address: string;
  source: SuppressionSource;
  reason: string;
  /** The shopper whose users.email is this address now; null: none (the entry holds nobody back). */
  userId: number | null;
  reports: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The list for the admin, newest first; `userId` finds the entry holding back that shopper's current address. */
export async function listSuppressions(
  db: Db, f: { limit: number; before?: string; source?: SuppressionSource; userId?: number },
): Promise<SuppressionView[]> {
  const { rows } = await db.query<SuppressionView>(
    `SELECT s.id::text, ${maskedEmailSql('s.address')} AS address, s.source, s.reason, u.id AS "userId", s.reports,
            s.created_at AS "createdAt", s.updated_at AS "updatedAt"
       FROM wishlist_alert_suppressions s
       LEFT JOIN users u ON u.email = s.address
      WHERE ($1::bigint IS NULL OR s.id < $1) AND ($2::text IS NULL OR s.source = $2) AND ($3::int IS NULL OR u.id = $3)
      ORDER BY s.id DESC LIMIT $4`,
    [f.before ?? null, f.source ?? null, f.userId ?? null, f.limit],
  );
  return rows;
}

/** Takes an entry off the list; null when there is no such entry. */
export async function liftSuppression(db: Db, id: string): Promise<{ id: string; source: SuppressionSource } | null> {
  const { rows } = await db.query<{ id: string; source: SuppressionSource }>(
    'DELETE FROM wishlist_alert_suppressions WHERE id = $1 RETURNING id::text, source',
    [id],
  );
  return rows[0] ?? null;
}

export interface SuppressionCounts {
  total: number;
  bySource: Record<SuppressionSource, number>;
}

export async function suppressionCounts(db: Db): Promise<SuppressionCounts> {
  const { rows } = await db.query<{ source: SuppressionSource; n: number }>(
    'SELECT source, count(*)::int AS n FROM wishlist_alert_suppressions GROUP BY source',
  );
  const bySource = Object.fromEntries(SUPPRESSION_SOURCES.map((s) => [s, 0])) as Record<SuppressionSource, number>;
  for (const r of rows) bySource[r.source] = r.n;
  return { total: rows.reduce((n, r) => n + r.n, 0), bySource };
}
