import type { Pool } from 'pg';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { RetentionSettings } from '../config/retention';
import { deleteBatch, deleteExpiredSessions, deleteOrphanBatch, firstIdSince, HistoryTable } from '../db/retention';

/** Rows removed by one retention run, by kind. */
export interface RetentionResult {
  runs: number;
  items: number;
  messages: number;
  /** Item stops of wishlist rows the shop deleted. */
  itemStops: number;
  /** What deleted wishlist rows were last told. */
  seen: number;
  /** Console sign-ins past their expiry. */
  sessions: number;
}

/** Rows per delete statement: each is short, so a large first cleanup never holds locks for long. */
const BATCH = 5000;
const DAY_MS = 86_400_000;

/**
 * The daily retention job: removes what the module's history tables no longer need to
 * keep (WISHLIST_RETAIN_*_DAYS; 0 keeps them for ever), item stops and last-told records
 * of wishlist rows the shop deleted, and expired console sign-ins. Never an outbox message
 * still pending or being sent, a queued alert, the record that keeps an alert from being
 * queued again while its sale or restock lasts, a shopper's global stop, nor anything in
 * the shop's tables (its email_logs are the shop's own history).
 */
export class Retention {
  constructor(
    private readonly deps: { pool: Pool; logger: Logger; clock: Clock; settings: RetentionSettings; batchSize?: number },
  ) {}

  async apply(log: Logger = this.deps.logger): Promise<RetentionResult> {
    const { pool, clock, settings } = this.deps;
    const started = Date.now();
    const now = clock.now();
    // Items before messages: a message goes once its items have.
    const result: RetentionResult = {
      runs: await this.history('runs', settings.runsDays, now),
      items: await this.history('items', settings.itemsDays, now),
      messages: await this.history('messages', settings.messagesDays, now),
      itemStops: await this.orphans('itemStops'),
      seen: await this.orphans('seen'),
      sessions: await deleteExpiredSessions(pool, now),
    };
    log.info(
      { ...result, durationMs: Date.now() - started },
      `🧹 [Wishlist Retention] Removed ${result.runs} runs, ${result.items} alerts, ${result.messages} messages, ` +
        `${result.itemStops} item stops and ${result.seen} records of deleted wishlist rows, ${result.sessions} expired sign-ins`,
    );
    return result;
  }

  private async history(table: HistoryTable, days: number, now: Date): Promise<number> {
    if (days <= 0) return 0;
    const cutoff = new Date(now.getTime() - days * DAY_MS);
    const bound = await firstIdSince(this.deps.pool, table, cutoff);
    const limit = this.deps.batchSize ?? BATCH;
    let total = 0;
    for (let after = '0'; ;) {
      const { deleted, last } = await deleteBatch(this.deps.pool, table, { cutoff, after, bound, limit });
      total += deleted;
      if (deleted < limit || last === null) return total;
      after = last;
    }
  }

  private async orphans(table: 'itemStops' | 'seen'): Promise<number> {
    const limit = this.deps.batchSize ?? BATCH;
    let total = 0;
    for (let after = 0; ;) {
      const { deleted, last } = await deleteOrphanBatch(this.deps.pool, table, { after, limit });
      total += deleted;
      if (deleted < limit || last === null) return total;
      after = last;
    }
  }
}
