import type { Pool, PoolClient } from 'pg';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import { ALERT_KINDS, AlertKind } from '../domain';
import { withTransaction } from '../db/pool';
import { observeProducts, OBSERVER_LOCK, ProductScope } from '../db/observations';
import { outboxDue } from '../db/watch';
import { queueSaleAlerts } from '../db/outbox/queueSales';
import { queueRestockAlerts } from '../db/outbox/queueRestocks';
import { queuePriceDropAlerts } from '../db/outbox/queuePriceDrops';
import { QueueResult, roomForCandidates } from '../db/outbox/queueCommon';
import { kindsOn, readShopTemplates } from '../db/shopTemplates';
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
  /** Items skipped because their shopper's address is on the suppression list (present when there were any). */
  suppressed?: number;
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
  /** WISHLIST_PRICE_DROP_ENABLED: the sale check and the watch also queue price drops. */
  priceDropEnabled: boolean;
}

type CheckKind = 'sale' | 'stock';
const LABEL: Record<CheckKind, string> = { sale: 'Wishlist Sale Check', stock: 'Wishlist Stock Check' };
/** What each check queues and delivers: the sale check also does price drops (they share an email with sales). */
const KINDS_OF: Record<CheckKind, AlertKind[]> = { sale: ['sale', 'price_drop'], stock: ['stock'] };
const NONE: QueueResult = { checked: 0, queued: 0 };

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
    const switchedOn = kindsOn(await readShopTemplates(pool), settings.priceDropEnabled);
    const { products, queued } = await withTransaction(pool, async (client) => {
      const now = clock.now();
      await client.query('SELECT pg_advisory_xact_lock($1)', [OBSERVER_LOCK]);
      const timezone = await shopTimezone(client, settings.shopTimezone);
      const found = await find(client, now, timezone);
      let count = 0;
      if (found.ids.length > 0) {
        await roomForCandidates(client);
        await observeProducts(client, now, timezone, found.ids);
        for (const kind of switchedOn) count += (await this.queue(kind, client, now, timezone, found.ids)).queued;
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

  /** Sales and price drops: every product (the scheduled check), or only `scope`; `log` names the run on its lines. */
  checkSales(opts: CheckOptions = {}): Promise<NotificationResult> {
    return this.check('sale', opts.scope ?? null, opts.log);
  }

  checkStock(opts: CheckOptions = {}): Promise<NotificationResult> {
    return this.check('stock', opts.scope ?? null, opts.log);
  }

  /** Queues the due alerts of one kind, in the check's transaction (after observing). */
  private queue(kind: AlertKind, client: PoolClient, now: Date, timezone: string, scope: ProductScope): Promise<QueueResult> {
    const s = this.deps.settings;
    const sales = { minDropPercent: s.saleMinDropPercent, timezone, scope, settleSeconds: s.saleSettleSeconds };
    if (kind === 'sale') return queueSaleAlerts(client, now, sales);
    if (kind === 'price_drop') return queuePriceDropAlerts(client, now, sales);
    return queueRestockAlerts(client, now, {
      cooldownHours: s.stockCooldownHours, perUnit: s.stockNotifyPerUnit, scope, settleSeconds: s.stockSettleSeconds,
    });
  }

  private async check(check: CheckKind, scope: ProductScope, log: Logger = this.deps.logger): Promise<NotificationResult> {
    const { pool, clock, delivery } = this.deps;
    const started = Date.now();
    const templates = await readShopTemplates(pool);
    const on = kindsOn(templates, this.deps.settings.priceDropEnabled);
    const kinds = KINDS_OF[check].filter((k) => on.includes(k));
    const queued = await withTransaction(pool, async (client) => {
      const now = clock.now();
      const timezone = await shopTimezone(client, this.deps.settings.shopTimezone);
      await roomForCandidates(client);
      await observeProducts(client, now, timezone, scope);
      // A kind switched off in the shop's admin queues nothing; what is due when it is
      // switched on again is announced then.
      const total = { ...NONE };
      for (const kind of kinds) {
        const r = await this.queue(kind, client, now, timezone, scope);
        total.checked += r.checked;
        total.queued += r.queued;
      }
      return total;
    });
    for (const kind of KINDS_OF[check].filter((k) => !on.includes(k))) {
      const why = kind !== 'price_drop' ? `The shop's ${kind} alert template is switched off`
        : this.deps.settings.priceDropEnabled ? `Price drops are switched off by the shop's ${templates[kind].type} template`
        : 'Price drops are switched off (WISHLIST_PRICE_DROP_ENABLED=false)';
      log.info(`⏸️  [${LABEL[check]}] ${why}: nothing queued`);
    }
    if (kinds.length > 0) {
      log.info({ checked: queued.checked, queued: queued.queued }, `🔍 [${LABEL[check]}] Checking ${queued.checked} items... (${queued.queued} newly due)`);
    }
    await this.warnAboutData(check, scope, log);
    const sent = { notified: 0, emails: 0, errors: 0, skipped: 0, suppressed: 0 };
    for (const kind of KINDS_OF[check]) {
      const r = await delivery.deliver(kind);
      for (const key of Object.keys(sent) as (keyof typeof sent)[]) sent[key] += r[key];
    }
    const result: NotificationResult = {
      checked: queued.checked, notified: sent.notified, emails: sent.emails, errors: sent.errors, ...(sent.suppressed ? { suppressed: sent.suppressed } : {}),
    };
    const skipped = sent.skipped
      ? `, ${sent.skipped} skipped (${sent.suppressed ? `${sent.suppressed} for a suppressed address, the rest ` : ''}no longer due)`
      : '';
    log.info(
      { ...result, skipped: sent.skipped, durationMs: Date.now() - started },
      `✅ [${LABEL[check]}] Complete in ${Date.now() - started}ms: ${result.notified} notified, ${result.emails} emails, ${result.errors} errors, ${result.checked} checked${skipped}`,
    );
    return result;
  }

  /** One warning per run counting the products whose data the rules cannot fully use. */
  private async warnAboutData(kind: CheckKind, scope: ProductScope, logger: Logger): Promise<void> {
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
