import type { Pool, PoolClient } from 'pg';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import { observeSaleWindows, queueRestockAlerts, queueSaleAlerts, QueueResult } from '../db/alertQueue';
import { withTransaction } from '../db/pool';
import type { AlertKind } from '../mail/kinds';
import type { AlertDelivery } from './AlertDelivery';

export interface NotificationResult {
  /** Wishlist items looked at: alerts on, product active and on sale (or in stock). */
  checked: number;
  /** Items announced in emails SMTP accepted during this run. */
  notified: number;
  /** Emails SMTP accepted during this run (one per shopper, listing their items). */
  emails: number;
  /** Emails that failed during this run (retried later unless the server refused them for good). */
  errors: number;
}

const LABEL: Record<AlertKind, string> = { sale: 'Wishlist Sale Check', stock: 'Wishlist Stock Check' };

/**
 * Decides which shoppers are due an alert and delivers it. A check is two steps: one
 * transaction finds every due item and writes it to the outbox, then delivery sends the
 * outbox (including earlier messages whose retry is due).
 */
export class WishlistNotificationService {
  constructor(
    private readonly deps: {
      pool: Pool;
      delivery: AlertDelivery;
      logger: Logger;
      clock: Clock;
      settings: { stockCooldownHours: number; stockNotifyPerUnit: number; saleMinDropPercent: number };
    },
  ) {}

  checkSales(): Promise<NotificationResult> {
    return this.check('sale', async (client, now) => {
      await observeSaleWindows(client, now);
      return queueSaleAlerts(client, now, this.deps.settings.saleMinDropPercent);
    });
  }

  checkStock(): Promise<NotificationResult> {
    const { stockCooldownHours, stockNotifyPerUnit } = this.deps.settings;
    return this.check('stock', (client, now) =>
      queueRestockAlerts(client, now, { cooldownHours: stockCooldownHours, perUnit: stockNotifyPerUnit }),
    );
  }

  private async check(kind: AlertKind, queue: (client: PoolClient, now: Date) => Promise<QueueResult>): Promise<NotificationResult> {
    const { pool, clock, logger, delivery } = this.deps;
    const started = Date.now();
    const queued = await withTransaction(pool, (client) => queue(client, clock.now()));
    logger.info(`🔍 [${LABEL[kind]}] Checking ${queued.checked} items... (${queued.queued} newly due)`);
    const sent = await delivery.deliver(kind);
    const result: NotificationResult = { checked: queued.checked, notified: sent.notified, emails: sent.emails, errors: sent.errors };
    const skipped = sent.skipped ? `, ${sent.skipped} skipped (no longer due)` : '';
    logger.info(
      `✅ [${LABEL[kind]}] Complete in ${Date.now() - started}ms: ${result.notified} notified, ${result.emails} emails, ${result.errors} errors, ${result.checked} checked${skipped}`,
    );
    return result;
  }
}
