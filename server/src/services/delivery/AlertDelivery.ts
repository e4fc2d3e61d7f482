import type { Pool } from 'pg';
import type { Clock } from '../../clock';
import type { Logger } from '../../logger';
import { AlertKind, Region, REGIONS } from '../../domain';
import { claimMessages, noteWaiting } from '../../db/outbox/claim';
import { kindsOn, readShopTemplates } from '../../db/shopTemplates';
import type { MailRouter, MailRoute } from '../../mail/routes';
import type { AlertEmailInput, RenderedEmail } from '../../mail/render';
import { DeliveryRun } from './DeliveryRun';
import type { ComposeContext } from './compose';
import type { OutboxItem } from '../../db/outbox/loadItems';
import type { RefusedEmail } from '../SuppressionList';
import type { MailRates } from '../../config/mailPace';
import { MailPacer } from './MailPacer';

export interface DeliverySettings {
  batchSize: number;
  /** Alert emails per shopper per 24 hours (0: no cap). */
  maxEmailsPerDay: number;
  /** Items whose discount (or price drop) fell below this by send time are skipped. */
  saleMinDropPercent: number;
  /** WISHLIST_PRICE_DROP_ENABLED: off, price drops are not sent (nor queued). */
  priceDropEnabled: boolean;
  maxAttempts: number;
  /** First retry delay; doubles per attempt. */
  retryBaseMs: number;
  /** How long a claimed message stays ours before another deliverer may take it. */
  leaseMs: number;
  /** Names this deliverer on the messages it claims. */
  instanceId: string;
  /** Messages in flight and not yet recorded, at most: the SMTP pool size. */
  concurrency: number;
  storefronts: Record<Region, string>;
  /** A shopper's message waits for their other sales still settling (at most twice this). */
  saleSettleSeconds: number;
  /** Each store's mail pace limit, for all instances together; null: none. */
  mailRates: MailRates;
}

export interface DeliveryResult {
  /** Items in messages SMTP accepted. */
  notified: number;
  /** Messages SMTP accepted. */
  emails: number;
  /** Messages that failed (to be retried, or failed for good). */
  errors: number;
  /** Items dropped because they no longer apply. */
  skipped: number;
  /** Of those, items held back because their shopper's address is on the suppression list. */
  suppressed: number;
}

export interface DeliveryDeps {
  pool: Pool;
  router: MailRouter;
  render: (input: AlertEmailInput) => RenderedEmail;
  logger: Logger;
  clock: Clock;
  settings: DeliverySettings;
  /** The zone the shop's sale dates are written in (for the send-time re-check). */
  timezone: () => Promise<string>;
  /** Told of every accepted email's items (the metrics' change-to-acceptance latency). */
  onAccepted?: (items: OutboxItem[], at: Date) => void;
  /** Told of every email the mail server refused (the suppression list takes a refused recipient); never throws. */
  onRefused?: (email: RefusedEmail, err: unknown) => Promise<void>;
  /** Told of each delivery's totals (the metrics' count of suppressed items). */
  onDelivered?: (result: DeliveryResult) => void;
}

/**
 * Delivers the outbox. Up to `concurrency` workers (the SMTP pool size) each take a
 * message and send it; the mail server accepts a worker's next message only once the
 * previous one is recorded, so a crash can resend at most `concurrency` messages: those
 * accepted and not yet recorded (docs/design.md, "The crash bound").
 *
 * What the shop says is read once per delivery: which alert kinds its templates switch
 * on, each region's currency, and where each region's mail goes. A region that cannot
 * send now (no mail server, test mode without a test address) keeps its messages waiting
 * with that reason.
 */
export class AlertDelivery {
  /** The delivery in progress in this process: the next waits for it (see deliver). */
  private current: Promise<unknown> = Promise.resolve();
  /** Kept across deliveries: its reserved slots and what it last sent at. */
  private readonly pacer: MailPacer;

  constructor(private readonly deps: DeliveryDeps) {
    this.pacer = new MailPacer({ pool: deps.pool, rates: deps.settings.mailRates, logger: deps.logger });
  }

  /**
   * Shutdown: an email waiting for its store's pace (which may be minutes while a provider
   * throttles) is not sent; it and the rest of its run go back untried, no attempt counted,
   * so the run ends within the shutdown's time.
   */
  stopSending(): void {
    this.pacer.stop();
  }

  /**
   * Delivers the due messages of one kind. Deliveries in one process run one after another
   * (the watch's and a scheduled check's may be asked for at once): the crash bound counts
   * the workers of one delivery, one accepted and unrecorded message each.
   */
  deliver(kind: AlertKind): Promise<DeliveryResult> {
    const run = this.current.catch(() => undefined).then(() => this.deliverNow(kind));
    this.current = run;
    return run;
  }

  private async deliverNow(kind: AlertKind): Promise<DeliveryResult> {
    const { pool, router, clock, settings } = this.deps;
    const templates = await readShopTemplates(pool);
    const kinds = kindsOn(templates, settings.priceDropEnabled);
    if (!kinds.includes(kind)) return { notified: 0, emails: 0, errors: 0, skipped: 0, suppressed: 0 };

    const routes = new Map<Region, MailRoute>();
    const currency = {} as Record<Region, string>;
    for (const region of REGIONS) {
      const resolved = await router.forRegion(region);
      currency[region] = resolved.currency;
      if ('hold' in resolved) await noteWaiting(pool, region, resolved.hold, clock.now());
      else routes.set(region, resolved.route);
    }
    if (routes.size === 0) return { notified: 0, emails: 0, errors: 0, skipped: 0, suppressed: 0 };

    const context: ComposeContext = { render: this.deps.render, templates, currency, storefronts: settings.storefronts };
    const run = new DeliveryRun({
      ...this.deps,
      routes,
      pacer: this.pacer,
      context,
      timezone: await this.deps.timezone(),
      claim: () =>
        claimMessages(pool, kind, {
          now: clock.now(),
          limit: settings.batchSize,
          owner: settings.instanceId,
          leaseMs: settings.leaseMs,
          cap: settings.maxEmailsPerDay,
          kinds,
          regions: [...routes.keys()],
          saleSettleSeconds: settings.saleSettleSeconds,
          maxAttempts: settings.maxAttempts,
        }),
    });
    const result = await run.execute();
    this.deps.onDelivered?.(result);
    return result;
  }
}
