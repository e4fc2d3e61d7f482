import { Client } from 'pg';
import type { Db } from '../../src/db/pool';

export type ShopSession = Db & { end(): Promise<void> };

/**
 * One connection of the shop's, for the watch's tests: it publishes its statistics at the
 * end of every statement (pg_stat_force_next_flush, PostgreSQL 15 and later), as a session
 * that has not published in the last second does by itself. The watch reads the products'
 * rows only once their write counters moved; an ordinary session moves them at once or
 * within ten seconds (watchIdle.test.ts has one that waits for that).
 */
export async function openShopSession(url: string): Promise<ShopSession> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined); // a dropped database ends it; the test's queries report real problems
  await client.connect();
  const query = async (text: string, values?: unknown[]) => {
    const result = await client.query(text, values);
    await client.query('SELECT pg_stat_force_next_flush()');
    return result;
  };
  return { query: query as Db['query'], end: () => client.end() };
}
