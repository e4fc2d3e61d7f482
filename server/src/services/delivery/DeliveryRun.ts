import type { Pool } from 'pg';
import type { Clock } from '../../clock';
import type { Logger } from '../../logger';
import { errorMessage } from '../../errorMessage';
import type { Region } from '../../domain';
import { ClaimedMessage, releaseMessages, renewMessageLeases } from '../../db/outbox/claim';
import { loadItems, OutboxItem, skipStale } from '../../db/outbox/loadItems';
import { groupIntoEmails } from './groupIntoEmails';
import { markFailed, markSent } from '../../db/outbox/record';
import { INVALID_RECIPIENT } from '../../mail/address';
import type { MailRoute } from '../../mail/routes';
import { ComposeContext, composeEmail, Ready } from './compose';
import { describeMailError, isMailServerUnavailable, isPermanentMailError, retryDelayMs } from './retryPolicy';
import { SentWriter } from './SentWriter';
import type { DeliveryResult, DeliverySettings } from './AlertDelivery';

type Outcome = { outcome: 'sent'; recorded: Promise<void> } | { outcome: 'failed' | 'server-down' };

/**
 * One call of AlertDelivery.deliver: the claimed batches, the workers that send them,
 * and what they share (the buffer of ready emails, the leases to renew, the first error).
 */
export class DeliveryRun {
  private readonly total: DeliveryResult = { notified: 0, emails: 0, errors: 0, skipped: 0 };
  /** Claimed and not yet recorded: their leases are renewed. */
  private readonly held = new Set<string>();
  private readonly buffer: Ready[] = [];
  private exhausted = false;
  private refilling: Promise<void> | null = null;
  /** The first error stops every worker; the run reports it. */
  private failure: unknown = null;
  /** Stops taking messages; the untried ones go back as they were. */
  private mailServerDown = false;
  private readonly writer: SentWriter;

  constructor(
    private readonly deps: {
      pool: Pool;
      logger: Logger;
      clock: Clock;
      settings: DeliverySettings;
      routes: Map<Region, MailRoute>;
      context: ComposeContext;
      timezone: string;
      claim: () => Promise<ClaimedMessage[]>;
      /** Told of every email the mail server accepted and whose record is written. */
      onAccepted?: (items: OutboxItem[], at: Date) => void;
    },
  ) {
    this.writer = new SentWriter((records) => markSent(deps.pool, records, deps.clock.now(), deps.settings.instanceId), deps.logger, deps.settings.concurrency);
  }

  async execute(): Promise<DeliveryResult> {
    const { pool, clock, logger, settings } = this.deps;
    const heartbeat = setInterval(() => {
      renewMessageLeases(pool, [...this.held], settings.instanceId, clock.now(), settings.leaseMs).catch((err) =>
        logger.warn(`Could not renew the leases of claimed wishlist alerts: ${errorMessage(err)}`),
      );
    }, Math.max(50, settings.leaseMs / 3));
    try {
      await Promise.all(Array.from({ length: settings.concurrency }, () => this.worker()));
      await this.writer.drain();
      while (this.refilling) await this.refilling;
      if (this.mailServerDown && this.held.size > 0) {
        // One failed connection says enough: the rest wait for the next run without
        // spending an attempt each.
        logger.warn(`📭 Mail server unavailable; ${this.held.size} wishlist alert(s) left for the next run`);
        await releaseMessages(pool, [...this.held], settings.instanceId);
        this.held.clear();
      }
    } finally {
      clearInterval(heartbeat);
    }
    if (this.failure) throw this.failure;
    return this.total;
  }

  private async worker(): Promise<void> {
    // The write of this worker's last sent record. The next message goes on the wire at
    // once, but the mail server only accepts it once that write is done: a crash leaves
    // at most one accepted, unrecorded message per worker, and the write costs no time.
    let recorded: Promise<void> = Promise.resolve();
    try {
      for (let m = await this.next(); m; m = await this.next()) {
        const sent = await this.sendOne(m, recorded);
        if (sent.outcome === 'sent') {
          const ready = m;
          recorded = sent.recorded.then(() => {
            ready.ids.forEach((id) => this.held.delete(id));
            this.total.emails += 1;
            this.total.notified += ready.items.length;
            this.deps.onAccepted?.(ready.items, this.deps.clock.now());
          });
          recorded.catch(() => undefined); // awaited by the next send or below; not unhandled meanwhile
        } else {
          m.ids.forEach((id) => this.held.delete(id));
          this.total.errors += 1;
          if (sent.outcome === 'server-down') this.mailServerDown = true;
        }
      }
      await recorded;
    } catch (err) {
      this.failure ??= err;
    }
  }

  /** The next email to send; one claim at a time, started when the buffer runs low. */
  private async next(): Promise<Ready | undefined> {
    const { settings } = this.deps;
    for (;;) {
      if (this.failure || this.mailServerDown) return undefined;
      if (this.buffer.length <= Math.max(settings.concurrency, settings.batchSize / 2) && !this.exhausted && !this.refilling) {
        this.refilling = this.refill()
          .catch((err) => {
            this.failure ??= err;
          })
          .finally(() => (this.refilling = null));
      }
      if (this.buffer.length > 0) return this.buffer.shift();
      if (this.refilling) await this.refilling;
      else if (this.exhausted) return undefined;
    }
  }

  private async refill(): Promise<void> {
    const { pool, clock } = this.deps;
    const claimed = await this.deps.claim();
    if (claimed.length === 0) {
      this.exhausted = true;
      return;
    }
    claimed.forEach((m) => this.held.add(m.id));
    const items = await loadItems(pool, claimed.map((m) => m.id), {
      now: clock.now(), minDropPercent: this.deps.settings.saleMinDropPercent, timezone: this.deps.timezone,
    });
    const { ready, stale, empty } = groupIntoEmails(claimed, items);
    await skipStale(pool, stale, empty, clock.now());
    empty.forEach((id) => this.held.delete(id));
    this.total.skipped += stale.length;
    this.buffer.push(...ready);
  }

  /** Sends one email; once SMTP accepted it, `recorded` settles when its sent record is written. */
  private async sendOne(m: Ready, previous: Promise<void>): Promise<Outcome> {
    const { clock, logger, settings, pool } = this.deps;
    const route = this.deps.routes.get(m.region)!;
    const { mail, log } = composeEmail(m, { from: route.from, testRecipient: route.testRecipient }, this.deps.context);
    if (m.to === null) {
      // Never retried: the address will not get better by waiting.
      await previous;
      logger.warn({ messageIds: m.ids, userId: m.userId }, `❌ Wishlist alert ${m.ids.join(', ')} failed for good: ${INVALID_RECIPIENT}`);
      await markFailed(pool, [{ messageIds: m.ids, error: INVALID_RECIPIENT, retryAt: null, items: m.items, log }], clock.now(), settings.instanceId);
      return { outcome: 'failed' };
    }
    let response: string;
    try {
      response = (await route.mailer.send(mail, { finishAfter: previous })).response;
    } catch (err) {
      // If the previous record could not be written, this message was abandoned unaccepted
      // and the run fails with that reason (its lease runs out; a later run takes it).
      await previous;
      const giveUp = isPermanentMailError(err) || m.attempts >= settings.maxAttempts;
      const retryAt = giveUp ? null : new Date(clock.now().getTime() + retryDelayMs(m.attempts, settings.retryBaseMs));
      const error = describeMailError(err);
      const label = m.ids.join(', ');
      logger.warn(
        { messageIds: m.ids, attempt: m.attempts, error, retryAt },
        giveUp ? `❌ Wishlist alert ${label} failed for good: ${error}` : `⚠️ Wishlist alert ${label} failed; will retry: ${error}`,
      );
      await markFailed(pool, [{ messageIds: m.ids, error, retryAt, items: m.items, log }], clock.now(), settings.instanceId);
      return { outcome: isMailServerUnavailable(err) ? 'server-down' : 'failed' };
    }
    if (logger.isLevelEnabled('debug')) {
      logger.debug(`📧 [Wishlist ${m.items[0].kind === 'sale' ? 'Sale' : 'Stock'}] Notified user ${m.userId} about ${m.items.map((i) => i.name).join(', ')}`);
    }
    return { outcome: 'sent', recorded: this.writer.add({ messageIds: m.ids, emailId: mail.messageId, response, items: m.items, log }) };
  }
}
