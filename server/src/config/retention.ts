import type { envReader } from './envReader';

/** How many days each of the module's history tables keeps what is finished (0: for ever). */
export interface RetentionSettings {
  /** wishlist_alert_runs: the run history (each job's last successful run is always kept). */
  runsDays: number;
  /** wishlist_alert_messages: sent, failed and skipped messages (never one still pending or being sent). */
  messagesDays: number;
  /** wishlist_alert_items: decided alerts (never a queued one, nor the record of an alert still current). */
  itemsDays: number;
}

const KEEP = { min: 0, max: 3650 };

/** The retention variables, read with the config's own readers (a bad value joins its one error). */
export function readRetention({ num, bad }: Pick<ReturnType<typeof envReader>, 'num' | 'bad'>): RetentionSettings {
  const messagesDays = num('WISHLIST_RETAIN_MESSAGES_DAYS', 180, KEEP);
  if (messagesDays > 0 && messagesDays < 2) {
    bad('WISHLIST_RETAIN_MESSAGES_DAYS', String(messagesDays), 'keep at least 2 days (the daily cap counts the emails of the last 24 hours), or 0 to keep them for ever');
  }
  return {
    runsDays: num('WISHLIST_RETAIN_RUNS_DAYS', 90, KEEP),
    messagesDays,
    itemsDays: num('WISHLIST_RETAIN_ITEMS_DAYS', 180, KEEP),
  };
}
