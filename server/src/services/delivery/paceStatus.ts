import type { Db } from '../../db/pool';
import type { Region } from '../../domain';
import type { MailRates } from '../../config/mailPace';
import { readPaces } from '../../db/mailPace';
import { raise } from './paceRule';

/** One store's mail pace as /status and the console show it. */
export interface StorePace {
  region: Region;
  /** The configured limit (emails a second); null: none. */
  limitPerSecond: number | null;
  /** The pace the next send goes at; null: as fast as the mail server takes it. */
  pacePerSecond: number | null;
  /** Held below its limit (or given one) because the provider refused our pace. */
  throttled: boolean;
  lastThrottledAt: string | null;
  lastThrottleReply: string | null;
  /** Throttling refusals since the module was installed. */
  throttles: number;
  /** Messages due and not yet sent. */
  queued: number;
  /** At the current pace, how long the queued messages take; null: no limit. */
  secondsLeft: number | null;
}

const round = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);

/** Each store's pace now: the stored pace brought up for the quiet time since, as the next reservation would. */
export async function paceStatus(db: Db, rates: MailRates): Promise<StorePace[]> {
  const rows = await readPaces(db);
  return rows.map((row) => {
    const limit = rates[row.region];
    const pace = row.state ? raise(row.state, limit, row.now).rate : limit;
    return {
      region: row.region,
      limitPerSecond: limit,
      pacePerSecond: round(pace),
      throttled: pace !== null && (limit === null || pace < limit),
      lastThrottledAt: row.state?.throttledAt ? new Date(row.state.throttledAt).toISOString() : null,
      lastThrottleReply: row.throttledReply,
      throttles: row.throttles,
      queued: row.queued,
      secondsLeft: pace === null ? null : Math.ceil(row.queued / pace),
    };
  });
}
