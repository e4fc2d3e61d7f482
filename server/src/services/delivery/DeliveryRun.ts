import type { Pool } from 'pg';
import type { Clock } from '../../clock';
import type { Logger } from '../../logger';
import { errorMessage } from '../../errorMessage';
import type { Region } from '../../domain';
import { ClaimedMessage, releaseMessages, renewMessageLeases } from '../../db/outbox/claim';
import { isSuppressed, loadItems, OutboxItem, skipStale } from '../../db/outbox/loadItems';
import { groupIntoEmails } from './groupIntoEmails';
import { markSent, ShopLogEntry } from '../../db/outbox/record';
import { isDatabaseUnavailableOrSlow } from '../../db/pool';
import { INVALID_RECIPIENT } from '../../mail/address';
import type { MailRoute } from '../../mail/routes';
import { ComposeContext, Composed, composeEmail, Envelope, Ready, Unshown } from './compose';
import { describeMailError, isMailServerUnavailable, isPermanentMailError, throttlingReply } from './retryPolicy';
import type { MailPacer } from './MailPacer';
import { leaveOut, logUnrecorded, recordFailure } from './emailOutcomes';
import { SentWriter } from './SentWriter';
import type { DeliveryResult, DeliverySettings } from './AlertDelivery';
import type { RefusedEmail } from '../SuppressionList';

type Outcome = { outcome: 'sent'; recorded: Promise<void> } | { outcome: 'failed' | 'server-down' | 'left-out' | 'throttled' };

/** Throttling refusals in a row, with nothing accepted between, after which the run leaves the rest for the next. */
const THROTTLED_IN_A_ROW = 20;

/**
 * One call of AlertDelivery.deliver: the claimed batches, the workers that send them,
 * and what they share (the buffer of ready emails, the leases to renew, the first error).
 *
 * What goes wrong with one email stays with that email: an item that cannot be shown is
 * left out with its reason, an email that cannot be composed or sent fails with its reason
 * (retried with backoff up to WISHLIST_MAIL_MAX_ATTEMPTS), and a record the database
 * refuses is written without the shop's logs. Only the database being unreachable (or too
 * slow) stops the run, since no outcome could be recorded then.
 */
export class DeliveryRun {
  private readonly total: DeliveryResult = { notified: 0, emails: 0, errors: 0, skipped: 0, suppressed: 0 };
  /** Claimed and not yet recorded: their leases are renewed. */
  private readonly held = new Set<string>();
  private readonly buffer: Ready[] = [];
  private exhausted = false;
  private refilling: Promise<void> | null = null;
  /** Claimed with their attempts spent: failed, never sent, so never released with one attempt less. */
  private readonly spent = new Set<string>();
  /** The first run-level error (the database) stops every worker; the run reports it. */
  private failure: unknown = null;
  /** Stops taking messages; the untried ones go back as they were. */
  private mailServerDown = false;
  /** Throttling refusals since the last accepted email; too many stop the run as a server down does. */
  private throttledInARow = 0;
  /** The instance began stopping while an email waited for its pace: the rest go back. */
  private shuttingDown = false;
  private readonly writer: SentWriter;

  constructor(
    private readonly deps: {
      pool: Pool;
      logger: Logger;
      clock: Clock;
      settings: DeliverySettings;
      routes: Map<Region, MailRoute>;
      /** Each store's pace: a send waits for its slot. */
      pacer: MailPacer;
      context: ComposeContext;
      timezone: string;
      claim: () => Promise<ClaimedMessage[]>;
      /** Told of every email the mail server accepted and whose record is written. */
      onAccepted?: (items: OutboxItem[], at: Date) => void;
      /** Bounces: told of every email the mail server refused, before its failure is recorded; never throws. */
      onRefused?: (email: RefusedEmail, err: unknown) => Promise<void>;
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
      if (this.stopped && this.held.size > 0) {
        // One failed connection (or a provider that keeps refusing our pace) says enough:
        // the rest wait for the next run without spending an attempt each.
        const why = this.mailServerDown ? 'Mail server unavailable' : this.shuttingDown ? 'Shutting down' : 'Mail server throttling';
        logger.warn(`📭 ${why}; ${this.held.size} wishlist alert(s) left for the next run`);
        await releaseMessages(pool, [...this.held].filter((id) => !this.spent.has(id)), settings.instanceId);
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
          recorded = sent.recorded.then(
            () => {
              ready.ids.forEach((id) => this.held.delete(id));
              this.total.emails += 1;
              this.total.notified += ready.items.length;
              this.accepted(ready);
            },
            (err) => {
              if (isDatabaseUnavailableOrSlow(err)) throw err;
              ready.ids.forEach((id) => this.held.delete(id));
              logUnrecorded(this.deps.logger, ready, err);
              this.total.errors += 1;
            },
          );
          recorded.catch(() => undefined); // awaited by the next send or below; not unhandled meanwhile
        } else if (sent.outcome !== 'left-out' && sent.outcome !== 'throttled') {
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
      if (this.failure || this.stopped) return undefined;
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

  private get stopped(): boolean {
    return this.mailServerDown || this.shuttingDown || this.throttledInARow >= THROTTLED_IN_A_ROW;
  }

  private async refill(): Promise<void> {
    const { pool, clock } = this.deps;
    const claimed = await this.deps.claim();
    if (claimed.length === 0) {
      this.exhausted = true;
      return;
    }
    claimed.forEach((m) => this.held.add(m.id));
    claimed.filter((m) => m.spent).forEach((m) => this.spent.add(m.id));
    const items = await loadItems(pool, claimed.map((m) => m.id), {
      now: clock.now(), minDropPercent: this.deps.settings.saleMinDropPercent, timezone: this.deps.timezone,
    });
    const { ready, stale, empty } = groupIntoEmails(claimed, items);
    await skipStale(pool, stale, empty, clock.now());
    empty.forEach((id) => this.held.delete(id));
    this.total.skipped += stale.length;
    this.total.suppressed += stale.filter(isSuppressed).length;
    this.buffer.push(...ready);
  }

  /** Sends one email; once SMTP accepted it, `recorded` settles when its sent record is written. */
  private async sendOne(m: Ready, previous: Promise<void>): Promise<Outcome> {
    const { logger } = this.deps;
    const route = this.deps.routes.get(m.region)!;
    const envelope: Envelope = { from: route.from, testRecipient: route.testRecipient };
    if (m.spent) {
      const error = `gave up after ${m.attempts} attempts: the last one ended without an outcome (its deliverer stopped or lost its lease)`;
      return this.fail(m, envelope, previous, null, error, true);
    }
    let composed: Composed | null = null;
    let composeError: unknown = null;
    try {
      composed = composeEmail(m, envelope, this.deps.context);
    } catch (err) {
      composeError = err;
    }
    if (composed && composed.unshown.length > 0 && !(await this.leaveOut(m, composed.unshown))) return { outcome: 'left-out' };
    // Never retried: the address will not get better by waiting.
    if (m.to === null) return this.fail(m, envelope, previous, composed?.log ?? null, INVALID_RECIPIENT, true);
    if (!composed?.mail) return this.fail(m, envelope, previous, null, `the email could not be composed: ${errorMessage(composeError)}`, false);
    const { mail, log } = composed;
    // The store's pace (a database error here stops the run, as any other would).
    const slot = this.deps.pacer.take(m.region);
    if (slot && !(await slot)) return this.leaveForShutdown(m, previous);
    let response: string;
    try {
      response = (await route.mailer.send(mail, { finishAfter: previous })).response;
      this.deps.pacer.sent(m.region);
      this.throttledInARow = 0;
    } catch (err) {
      const throttled = throttlingReply(err);
      if (throttled) return this.putBack(m, previous, throttled);
      // Bounces: the suppression list hears of the refusal before its failure is recorded.
      await this.deps.onRefused?.({ userId: m.userId, to: m.to, stored: m.items[0].email, sentTo: mail.to }, err);
      return this.fail(m, envelope, previous, log, describeMailError(err), isPermanentMailError(err), isMailServerUnavailable(err));
    }
    if (logger.isLevelEnabled('debug')) {
      logger.debug(`📧 [Wishlist ${m.items[0].kind === 'sale' ? 'Sale' : 'Stock'}] Notified user ${m.userId} about ${m.items.map((i) => i.name).join(', ')}`);
    }
    return { outcome: 'sent', recorded: this.writer.add({ messageIds: m.ids, emailId: mail.messageId, response, items: m.items, log }) };
  }

  private async leaveOut(m: Ready, unshown: Unshown[]): Promise<boolean> {
    const empty = await leaveOut(this.deps, m, unshown);
    empty.forEach((id) => this.held.delete(id));
    this.total.skipped += unshown.length;
    return m.items.length > 0;
  }

  private async fail(
    m: Ready, envelope: Envelope, previous: Promise<void>, log: ShopLogEntry | null, error: string, permanent: boolean, serverDown = false,
  ): Promise<Outcome> {
    // If the previous record could not be written for want of a database, this message was
    // abandoned unaccepted and the run fails with that reason (its lease runs out; a later run takes it).
    await previous;
    await recordFailure(this.deps, m, envelope, log, error, permanent);
    return { outcome: serverDown ? 'server-down' : 'failed' };
  }

  /**
   * The provider refused our pace, not the message: the store slows down and the message
   * goes back without an attempt counted (nothing is lost however long it throttles).
   */
  private async putBack(m: Ready, previous: Promise<void>, reply: string): Promise<Outcome> {
    await previous;
    this.throttledInARow += 1;
    await releaseMessages(this.deps.pool, m.ids, this.deps.settings.instanceId);
    m.ids.forEach((id) => this.held.delete(id));
    await this.deps.pacer.throttled(m.region, reply);
    return { outcome: 'throttled' };
  }

  /** The instance is stopping while this email waited for its slot: it goes back as it was. */
  private async leaveForShutdown(m: Ready, previous: Promise<void>): Promise<Outcome> {
    this.shuttingDown = true;
    await previous;
    await releaseMessages(this.deps.pool, m.ids, this.deps.settings.instanceId);
    m.ids.forEach((id) => this.held.delete(id));
    return { outcome: 'throttled' };
  }

  /** Tells the metrics; a failure there is no failure of delivery. */
  private accepted(m: Ready): void {
    try {
      this.deps.onAccepted?.(m.items, this.deps.clock.now());
    } catch (err) {
      this.deps.logger.warn(`Could not count an accepted wishlist alert in the metrics: ${errorMessage(err)}`);
    }
  }
}
