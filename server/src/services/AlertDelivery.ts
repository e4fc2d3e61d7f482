import { hostname } from 'os';
import { randomBytes } from 'crypto';
import type { Pool } from 'pg';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import { errorMessage } from '../errorMessage';
import { claimMessages, FailedRecord, loadItems, markFailed, markSent, OutboxItem, SentRecord, skipStale } from '../db/outbox';
import type { Mailer } from '../mail/mailer';
import type { Money } from '../mail/format';
import { AlertKind, renderAlertEmail } from '../mail/templates';

export interface DeliverySettings {
  mailFrom: string;
  frontendUrl: string;
  shopName: string;
  money: Money;
  batchSize: number;
  maxAttempts: number;
  /** How long a claimed message stays ours before another deliverer may take it. */
  leaseMs?: number;
  instanceId?: string;
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
}

const BACKOFF_BASE_MS = 60_000;
const BACKOFF_MAX_MS = 6 * 3600_000;

/** SMTP 5xx replies are permanent (bad address, policy); everything else may pass later. */
export function isPermanentMailError(err: unknown): boolean {
  const code = (err as { responseCode?: number })?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** Exponential backoff with jitter, so many failed messages do not retry in one burst. */
export function retryDelayMs(attempt: number, random = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling * (0.5 + random() * 0.5));
}

function describeError(err: unknown): string {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { response?: string; code?: string };
  return (e.response ?? `${e.code ? `${e.code}: ` : ''}${errorMessage(err)}`).slice(0, 1000);
}

/** Delivers the outbox: claims due messages in batches, re-checks their items, sends, records. */
export class AlertDelivery {
  private readonly instanceId: string;
  private readonly leaseMs: number;

  constructor(
    private readonly deps: { pool: Pool; mailer: Mailer; logger: Logger; clock: Clock; settings: DeliverySettings },
  ) {
    this.instanceId = deps.settings.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.leaseMs = deps.settings.leaseMs ?? 10 * 60_000;
  }

  async deliver(kind: AlertKind): Promise<DeliveryResult> {
    const { pool, clock, settings } = this.deps;
    const total: DeliveryResult = { notified: 0, emails: 0, errors: 0, skipped: 0 };
    for (;;) {
      const claimed = await claimMessages(pool, kind, clock.now(), settings.batchSize, this.instanceId, this.leaseMs);
      if (claimed.length === 0) return total;
      const batch = await this.deliverBatch(kind, claimed.map((m) => ({ id: m.id, attempts: m.attempts })));
      total.notified += batch.notified;
      total.emails += batch.emails;
      total.errors += batch.errors;
      total.skipped += batch.skipped;
    }
  }

  private async deliverBatch(kind: AlertKind, claimed: { id: string; attempts: number }[]): Promise<DeliveryResult> {
    const { pool, clock, logger } = this.deps;
    const items = await loadItems(pool, claimed.map((m) => m.id), clock.now());
    const fresh = new Map<string, OutboxItem[]>();
    for (const item of items) {
      if (item.staleReason) continue;
      const list = fresh.get(item.messageId) ?? [];
      list.push(item);
      fresh.set(item.messageId, list);
    }
    const stale = items.filter((i) => i.staleReason);
    const empty = claimed.filter((m) => !fresh.has(m.id)).map((m) => m.id);
    await skipStale(pool, stale, empty, clock.now());

    const writer = new SentWriter((records) => markSent(pool, kind, records, clock.now()), logger);
    const failed: FailedRecord[] = [];
    let notified = 0;
    await Promise.all(
      claimed
        .filter((m) => fresh.has(m.id))
        .map(async (m) => {
          const list = fresh.get(m.id)!;
          try {
            const sent = await this.deps.mailer.send(this.compose(kind, m.id, list));
            notified += list.length;
            writer.add({ messageId: m.id, response: sent.response, items: list });
            logger.debug(`📧 [Wishlist ${kind === 'sale' ? 'Sale' : 'Stock'}] Notified user ${list[0].email.replace(/^(.).*@/, '$1***@')} about ${list.map((i) => i.name).join(', ')}`);
          } catch (err) {
            const permanent = isPermanentMailError(err);
            const giveUp = permanent || m.attempts >= this.deps.settings.maxAttempts;
            const retryAt = giveUp ? null : new Date(clock.now().getTime() + retryDelayMs(m.attempts));
            failed.push({ messageId: m.id, error: describeError(err), retryAt });
            logger.warn(
              { messageId: m.id, attempt: m.attempts, error: describeError(err), retryAt },
              giveUp ? `❌ Wishlist alert ${m.id} failed for good` : `⚠️ Wishlist alert ${m.id} failed; will retry`,
            );
          }
        }),
    );
    await writer.drain();
    await markFailed(pool, failed, clock.now());
    return { notified, emails: writer.written, errors: failed.length, skipped: stale.length };
  }

  private compose(kind: AlertKind, messageId: string, items: OutboxItem[]) {
    const { settings } = this.deps;
    const rendered = renderAlertEmail({
      kind,
      firstName: items[0].firstName,
      items: items.map((i) => ({
        name: i.name ?? '',
        slug: i.slug,
        productId: i.productId ?? 0,
        regularPrice: i.regularPrice ?? '0',
        salePrice: kind === 'sale' ? i.salePrice : null,
      })),
      shopName: settings.shopName,
      frontendUrl: settings.frontendUrl,
      money: settings.money,
    });
    const domain = new URL(settings.frontendUrl).hostname || 'localhost';
    return {
      from: settings.mailFrom,
      to: items[0].email,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      messageId: `<wishlist-alert-${messageId}@${domain}>`,
    };
  }
}

/**
 * Records accepted messages as soon as possible, coalescing those that complete while a
 * write is under way into the next write: a crash can then resend only the messages in
 * flight, without paying one database round trip per message.
 */
class SentWriter {
  private queue: SentRecord[] = [];
  private running: Promise<void> | null = null;
  private failure: unknown = null;
  written = 0;

  constructor(private readonly write: (records: SentRecord[]) => Promise<void>, private readonly logger: Logger) {}

  add(record: SentRecord): void {
    this.queue.push(record);
    if (!this.running) {
      this.running = this.loop().catch((err) => {
        this.failure = err;
      });
    }
  }

  /** Waits for every record to be written; throws if one could not be. */
  async drain(): Promise<void> {
    while (this.running) await this.running;
    if (this.failure) throw this.failure;
  }

  private async loop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const records = this.queue.splice(0);
        await this.writeWithRetry(records);
        this.written += records.length;
      }
    } finally {
      this.running = null;
    }
  }

  private async writeWithRetry(records: SentRecord[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.write(records);
      } catch (err) {
        if (attempt >= 5) throw err;
        this.logger.warn({ err: errorMessage(err), attempt }, 'Could not record sent wishlist alerts yet; retrying');
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }
}
