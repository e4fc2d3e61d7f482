import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { Db } from '../db/pool';
import { errorMessage } from '../errorMessage';
import { maskAddressesIn } from '../mail/address';
import {
  liftSuppression, listSuppressions, suppress, SuppressionCounts, suppressionCounts, SuppressionSource, SuppressionView, SuppressResult,
} from '../db/suppressions';
import type { Feedback } from '../bounces/feedback';
import { permanentRecipientRefusal } from '../bounces/smtpRefusal';

/** What a refused email tells the list: the shopper, the address checked for sending, the stored one, and where it really went. */
export interface RefusedEmail {
  userId: number;
  /** The shopper's address as checked for sending (null: not a valid one). */
  to: string | null;
  /** The shopper's address as the shop stores it. */
  stored: string | null;
  /** Where the email went: the shopper's address, or the test address in test mode. */
  sentTo: string;
}

export interface FeedbackOutcome {
  /** Addresses put on the list (or reported again) by bounces and complaints. */
  bounces: number;
  complaints: number;
  /** Shoppers a complaint opted out of every alert. */
  optedOut: number;
  ignored: number;
}

/**
 * The addresses no alert is sent to (docs/operations.md, "Bounces and complaints"): fed by
 * the mail server's permanent refusals of a recipient and by the provider's notifications;
 * delivery skips an alert whose shopper's address is on it. Addresses never reach the log:
 * the shopper's id and a masked address do.
 */
export class SuppressionList {
  constructor(
    private readonly deps: { db: Db; clock: Clock; logger: Logger; onAdded?: (source: SuppressionSource) => void },
  ) {}

  /**
   * Delivery's hook for an email the mail server refused: a permanent refusal of the
   * shopper's own address (not the test address of test mode) puts it on the list. Never
   * throws: the email's failure is recorded by delivery either way.
   */
  async refused(email: RefusedEmail, err: unknown): Promise<void> {
    const reply = permanentRecipientRefusal(err);
    if (!reply || email.to === null || email.stored === null || email.sentTo !== email.to) return;
    const reason = maskAddressesIn(reply);
    try {
      this.observe(await suppress(this.deps.db, [{ address: email.stored, source: 'smtp', reason }], this.deps.clock.now()));
      this.deps.logger.warn(
        { userId: email.userId, source: 'smtp' },
        `🚫 Shopper ${email.userId}'s address (${maskAddressesIn(email.to)}) suppressed: the mail server refused it for good (${reason})`,
      );
    } catch (e) {
      this.deps.logger.warn({ userId: email.userId }, `Could not suppress shopper ${email.userId}'s refused address: ${errorMessage(e)}`);
    }
  }

  /** Acts on a provider's notification: bounces and complaints go on the list, complaints opt their shoppers out. */
  async report(feedback: Feedback, origin: string): Promise<FeedbackOutcome> {
    const reports = feedback.events.map((e) => ({
      address: e.address, source: (e.kind === 'complaint' ? 'complaint' : 'notification') as SuppressionSource, reason: maskAddressesIn(e.reason),
    }));
    const result = await suppress(this.deps.db, reports, this.deps.clock.now());
    this.observe(result);
    const outcome: FeedbackOutcome = {
      bounces: reports.filter((r) => r.source === 'notification').length,
      complaints: reports.filter((r) => r.source === 'complaint').length,
      optedOut: result.optedOut,
      ignored: feedback.ignored,
    };
    if (reports.length > 0) {
      this.deps.logger.warn(
        { origin, ...outcome, added: result.added.length },
        `🚫 ${origin}: ${outcome.bounces} bounce(s), ${outcome.complaints} complaint(s) (${outcome.optedOut} shopper(s) opted out); ${result.added.length} address(es) newly suppressed`,
      );
    } else {
      this.deps.logger.info({ origin, ignored: feedback.ignored }, `${origin}: nothing to act on (${feedback.ignored} report(s) ignored)`);
    }
    return outcome;
  }

  list(f: Parameters<typeof listSuppressions>[1]): Promise<SuppressionView[]> {
    return listSuppressions(this.deps.db, f);
  }

  /** Takes an entry off the list (an admin's decision: `by` says who, for the log); null: no such entry. */
  async lift(id: string, by: string): Promise<{ id: string; source: SuppressionSource } | null> {
    const lifted = await liftSuppression(this.deps.db, id);
    if (lifted) this.deps.logger.info({ suppressionId: id, source: lifted.source }, `Suppression ${id} (${lifted.source}) lifted by ${by}`);
    return lifted;
  }

  counts(): Promise<SuppressionCounts> {
    return suppressionCounts(this.deps.db);
  }

  private observe(result: SuppressResult): void {
    for (const a of result.added) this.deps.onAdded?.(a.source);
  }
}
