import type { Pool, PoolClient } from 'pg';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import { ALERT_KINDS, AlertKind } from '../domain';
import { withTransaction } from '../db/pool';
import { observeProducts, OBSERVER_LOCK, ProductScope } from '../db/observations';
import { outboxDue } from '../db/watch';
import { queueSaleAlerts } from '../db/outbox/queueSales';
import { queueRestockAlerts } from '../db/outbox/queueRestocks';
import { QueueResult, roomForCandidates } from '../db/outbox/queueCommon';
import { readShopTemplates } from '../db/shopTemplates';
import { countDataWarnings } from '../db/dataWarnings';
import { shopTimezone } from '../db/timezone';
import type { AlertDelivery } from './delivery/AlertDelivery';

export interface NotificationResult {
  /** Wishlist items looked at: alerts on, product visible and on sale (or in stock). */
  checked: number;
  /** Items announced in emails SMTP accepted during this run. */
  notified: number;
  /** Emails SMTP accepted during this run (one per shopper and region, listing their items). */
  emails: number;
  /** Emails that failed during this run (retried later unless they failed for good). */
  errors: number;
}

export interface CheckOptions {
  /** Only these products (null or absent: every product). */
  scope?: ProductScope;
  /** The run's own logger (job, run id, trigger, instance on every line). */
  log?: Logger;
}

export type DeliveryTotals = Pick<NotificationResult, 'notified' | 'emails' | 'errors'>;

export interface CheckSettings {
  stockCooldownHours: number;
  stockNotifyPerUnit: number;
  saleMinDropPercent: number;
  /** SHOP_TIMEZONE; unset: the database's TimeZone. */
  shopTimezone?: string;
  saleSettleSeconds: number;
  stockSettleSeconds: number;
}

const LABEL: Record<AlertKind, string> = { sale: 'Wishlist Sale Check', stock: 'Wishlist Stock Check' };

/**
 * Decides which shoppers are due an alert and delivers it. A check is two steps: one
 * transaction observes the products (what changed since the last look) and writes every
 * due item to the outbox, then delivery sends the outbox (including earlier messages
 * whose retry is due).
 */
export class WishlistNotificationService {
  constructor(
    private readonly deps: { pool: Pool; delivery: AlertDelivery; logger: Logger; clock: Clock; settings: CheckSettings },
  ) {}

  /**
   * Looks at the products (all, or `scope`) and records what changed, without queueing:
   * what the watch does between checks, so that a change is judged against the state
   * right before it.
   */
  async observe(scope: ProductScope = null): Promise<void> {
    const { pool, clock, settings } = this.deps;
    await withTransaction(pool, async (client) => {
      await observeProducts(client, clock.now(), await shopTimezone(client, settings.shopTimezone), scope);
    });
  }

  /**
   * Both checks for some products in one transaction (the watch, the host's
   * productsChanged): observe them, queue what is due of either kind, then deliver.
   * `prepare` runs first in the same transaction (the watch finds its products there) and
   * `after` last, before the commit.
   */
  async checkProducts<T>(
    find: (client: PoolClient, now: Date, timezone: string) => Promise<{ ids: number[] } & T>,
    after: (client: PoolClient, found: { ids: number[] } & T, queued: number, now: Date) => Promise<void> = async () => undefined,
  ): Promise<{ products: number; queued: number; delivered: DeliveryTotals }> {
    const { pool, clock, settings, delivery } = this.deps;
    const switchedOn = await readShopTemplates(pool);
    const { products, queued } = await withTransaction(pool, async (client) => {
      const now = clock.now();
      await client.query('SELECT pg_advisory_xact_lock($1)', [OBSERVER_LOCK]);
      const timezone = await shopTimezone(client, settings.shopTimezone);
      const found = await find(client, now, timezone);
      let count = 0;
      if (found.ids.length > 0) {
        await roomForCandidates(client);
        await observeProducts(client, now, timezone, found.ids);
        if (switchedOn.sale.active) count += (await this.queueSales(client, now, timezone, found.ids)).queued;
        if (switchedOn.stock.active) count += (await this.queueRestocks(client, now, found.ids)).queued;
      }
      await after(client, found, count, now);
      return { products: found.ids.length, queued: count };
    });
    const delivered: DeliveryTotals = { notified: 0, emails: 0, errors: 0 };
    if (queued > 0 || (await outboxDue(pool, clock.now()))) {
      for (const kind of ALERT_KINDS) {
        const sent = await delivery.deliver(kind);
        delivered.notified += sent.notified;
        delivered.emails += sent.emails;
        delivered.errors += sent.errors;
      }
    }
    return { products, queued, delivered };
  }

  /** Every product (the scheduled check), or only `scope`; `log` names the run on its lines. */
  checkSales(opts: CheckOptions = {}): Promise<NotificationResult> {
    const scope = opts.scope ?? null;
    return this.check('sale', scope, opts.log, (client, now, timezone) => this.queueSales(client, now, timezone, scope));
  }

  checkStock(opts: CheckOptions = {}): Promise<NotificationResult> {
    const scope = opts.scope ?? null;
    return this.check('stock', scope, opts.log, (client, now) => this.queueRestocks(client, now, scope));
  }

  private queueSales(client: PoolClient, now: Date, timezone: string, scope: ProductScope): Promise<QueueResult> {
    const { saleMinDropPercent, saleSettleSeconds } = this.deps.settings;
    return queueSaleAlerts(client, now, { minDropPercent: saleMinDropPercent, timezone, scope, settleSeconds: saleSettleSeconds });
  }

  private queueRestocks(client: PoolClient, now: Date, scope: ProductScope): Promise<QueueResult> {
    const { stockCooldownHours, stockNotifyPerUnit, stockSettleSeconds } = this.deps.settings;
    return queueRestockAlerts(client, now, {
      cooldownHours: stockCooldownHours, perUnit: stockNotifyPerUnit, scope, settleSeconds: stockSettleSeconds,
    });
  }

  private async check(
    kind: AlertKind,
    scope: ProductScope,
    log: Logger = this.deps.logger,
    queue: (client: PoolClient, now: Date, timezone: string) => Promise<QueueResult>,
  ): Promise<NotificationResult> {
    const { pool, clock, delivery } = this.deps;
    const started = Date.now();
    const switchedOn = (await readShopTemplates(pool))[kind].active;
    const queued = await withTransaction(pool, async (client) => {
      const now = clock.now();
      const timezone = await shopTimezone(client, this.deps.settings.shopTimezone);
      await roomForCandidates(client);
      await observeProducts(client, now, timezone, scope);
      // A kind switched off in the shop's admin queues nothing; what is due when it is
      // switched on again is announced then.
      return switchedOn ? queue(client, now, timezone) : { checked: 0, queued: 0 };
    });
    if (!switchedOn) log.info(`⏸️  [${LABEL[kind]}] The shop's ${kind} alert template is switched off: nothing queued`);
    else log.info({ checked: queued.checked, queued: queued.queued }, `🔍 [${LABEL[kind]}] Checking ${queued.checked} items... (${queued.queued} newly due)`);
    await this.warnAboutData(kind, scope, log);
    const sent = await delivery.deliver(kind);
    const result: NotificationResult = { checked: queued.checked, notified: sent.notified, emails: sent.emails, errors: sent.errors };
    const skipped = sent.skipped ? `, ${sent.skipped} skipped (no longer due)` : '';
    log.info(
      { ...result, skipped: sent.skipped, durationMs: Date.now() - started },
      `✅ [${LABEL[kind]}] Complete in ${Date.now() - started}ms: ${result.notified} notified, ${result.emails} emails, ${result.errors} errors, ${result.checked} checked${skipped}`,
    );
    return result;
  }

  /** One warning per run counting the products whose data the rules cannot fully use. */
  private async warnAboutData(kind: AlertKind, scope: ProductScope, logger: Logger): Promise<void> {
    const counts = await countDataWarnings(this.deps.pool, scope);
    const entries = Object.entries(counts);
    if (entries.length === 0) return;
    const total = entries.reduce((n, [, c]) => n + c, 0);
    logger.warn(
      { dataWarnings: counts },
      `⚠️ [${LABEL[kind]}] ${total} product(s) with data the rules cannot fully use: ${entries.map(([what, n]) => `${n} ${what}`).join(', ')}`,
    );
  }
}
