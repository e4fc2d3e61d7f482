import type { Db } from './pool';

/**
 * The zone the shop's sale dates are read in: SHOP_TIMEZONE when set, else the database's
 * own TimeZone setting (the shop sets no zone on its connections, so that is the zone its
 * database-side timestamps are written in).
 */
export async function shopTimezone(db: Db, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  const { rows } = await db.query<{ tz: string }>(`SELECT current_setting('TimeZone') AS tz`);
  return rows[0].tz;
}
