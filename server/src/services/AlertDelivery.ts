import { createHash } from 'crypto';
import type { Pool } from 'pg';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import { errorMessage } from '../errorMessage';
import { ClaimedMessage, claimMessages, loadItems, markFailed, markSent, OutboxItem, releaseMessages, renewMessageLeases, SentRecord, skipStale } from '../db/outbox';
import type { Mailer } from '../mail/mailer';
import type { AlertKind } from '../mail/kinds';
import type { AlertEmailInput, RenderedEmail } from '../mail/render';

export interface DeliverySettings {
  mailFrom: string;
  /** Names the Message-ID domain. */
  frontendUrl: string;
  batchSize: number;
  /** Alert emails per shopper per 24 hours (0: no cap). */
  maxEmailsPerDay: number;
  /** Items whose discount fell below this by send time are skipped. */
  saleMinDropPercent: number;
  maxAttempts: number;
  /** First retry delay; doubles per attempt. */
  retryBaseMs: number;
  /** How long a claimed message stays ours before another deliverer may take it. */
  leaseMs: number;
  /** Names this deliverer on the messages it claims. */
  instanceId: string;
  /** Messages in flight and not yet recorded, at most: the SMTP pool size. */
  concurrency: number;
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

const BACKOFF_MAX_MS = 6 * 3600_000;
/** How long a sent record waits for other workers' records to share its write. */
const GROUP_COMMIT_WAIT_MS = 2;

// nodemailer's codes for failures of the server or the connection, not of one message.
const SERVER_LEVEL_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EAUTH', 'ETLS']);

/** The mail server cannot take any message now (down, unreachable, refusing our login). */
export function isMailServerUnavailable(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return typeof code === 'string' && SERVER_LEVEL_CODES.has(code);
}

/**
 * SMTP 5xx replies about a message are permanent (bad address, policy); everything else
 * may pass later. A 5xx to our login or greeting is the server's problem, not the message's.
 */
export function isPermanentMailError(err: unknown): boolean {
  const code = (err as { responseCode?: number })?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600 && !isMailServerUnavailable(err);
}

/** Exponential backoff with jitter, so many failed messages do not retry in one burst. */
export function retryDelayMs(attempt: number, baseMs: number, random = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling * (0.5 + random() * 0.5));
}

function describeError(err: unknown): string {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { response?: string; code?: string };
  return (e.response ?? `${e.code ? `${e.code}: ` : ''}${errorMessage(err)}`).slice(0, 1000);
}

/** One email to write: a shopper's claimed messages with the items still worth announcing. */
interface Ready {
  ids: string[];
  userId: number;
  attempts: number;
  held: boolean;
  items: OutboxItem[];
}

/**
 * Delivers the outbox. Up to `concurrency` workers (the SMTP pool size) each take a
 * message and send it; the mail server accepts a worker's next message only once the
 * previous one is recorded, so a crash can resend at most `concurrency` messages: those
 * accepted and not yet recorded. Records are group-committed (one UPDATE for all that
 * finished meanwhile), and the next batch is claimed while the workers drain the current one.
 */
export class AlertDelivery {
  constructor(
    private readonly deps: {
      pool: Pool;
      mailer: Mailer;
      render: (input: AlertEmailInput) => RenderedEmail;
      logger: Logger;
      clock: Clock;
      settings: DeliverySettings;
    },
  ) {}

  private get instanceId(): string {
    return this.deps.settings.instanceId;
  }

  private get leaseMs(): number {
    return this.deps.settings.leaseMs;
  }

  async deliver(kind: AlertKind): Promise<DeliveryResult> {
    const { pool, clock, logger, settings } = this.deps;
    const total: DeliveryResult = { notified: 0, emails: 0, errors: 0, skipped: 0 };
    const held = new Set<string>(); // claimed and not yet recorded: their leases are renewed
    const buffer: Ready[] = [];
    let exhausted = false;
    let refilling: Promise<void> | null = null;
    let failure: unknown = null; // the first error stops every worker; the run reports it
    let mailServerDown = false; // stops taking messages; the untried ones go back as they were

    const refill = async () => {
      const claimed = await claimMessages(
        pool, kind, clock.now(), settings.batchSize, this.instanceId, this.leaseMs, settings.maxEmailsPerDay,
      );
      if (claimed.length === 0) {
        exhausted = true;
        return;
      }
      claimed.forEach((m) => held.add(m.id));
      const { ready, stale, empty } = await this.prepare(claimed);
      await skipStale(pool, stale, empty, clock.now());
      empty.forEach((id) => held.delete(id));
      total.skipped += stale.length;
      buffer.push(...ready);
    };
    // Single-flight: one claim at a time, started when the buffer runs low.
    const next = async (): Promise<Ready | undefined> => {
      for (;;) {
        if (failure || mailServerDown) return undefined;
        if (buffer.length <= Math.max(settings.concurrency, settings.batchSize / 2) && !exhausted && !refilling) {
          refilling = refill()
            .catch((err) => {
              failure ??= err;
            })
            .finally(() => (refilling = null));
        }
        if (buffer.length > 0) return buffer.shift();
        if (refilling) await refilling;
        else if (exhausted) return undefined;
      }
    };

    const writer = new SentWriter((records) => markSent(pool, records, clock.now()), logger, settings.concurrency);
    const heartbeat = setInterval(() => {
      renewMessageLeases(pool, [...held], this.instanceId, clock.now(), this.leaseMs).catch((err) =>
        logger.warn(`Could not renew the leases of claimed wishlist alerts: ${errorMessage(err)}`),
      );
    }, Math.max(50, this.leaseMs / 3));

    const worker = async () => {
      // The write of this worker's last sent record. The next message goes on the wire at
      // once, but the mail server only accepts it once that write is done: a crash leaves
      // at most one accepted, unrecorded message per worker, and the write costs no time.
      let recorded: Promise<void> = Promise.resolve();
      try {
        for (let m = await next(); m; m = await next()) {
          const sent = await this.sendOne(kind, m, writer, recorded);
          if (sent.outcome === 'sent') {
            const items = m.items.length;
            recorded = sent.recorded.then(() => {
              m.ids.forEach((id) => held.delete(id));
              total.emails += 1;
              total.notified += items;
            });
            recorded.catch(() => undefined); // awaited by the next send or below; not unhandled meanwhile
          } else {
            m.ids.forEach((id) => held.delete(id));
            total.errors += 1;
            if (sent.outcome === 'server-down') mailServerDown = true;
          }
        }
        await recorded;
      } catch (err) {
        failure ??= err;
      }
    };
    try {
      await Promise.all(Array.from({ length: settings.concurrency }, worker));
      await writer.drain();
      while (refilling) await refilling;
      if (mailServerDown && held.size > 0) {
        // One failed connection says enough: the rest wait for the next run without
        // spending an attempt each.
        logger.warn(`📭 Mail server unavailable; ${held.size} wishlist alert(s) left for the next run`);
        await releaseMessages(pool, [...held], this.instanceId);
        held.clear();
      }
    } finally {
      clearInterval(heartbeat);
    }
    if (failure) throw failure;
    return total;
  }

  private async prepare(claimed: ClaimedMessage[]) {
    const { pool, clock, settings } = this.deps;
    const items = await loadItems(pool, claimed.map((m) => m.id), clock.now(), settings.saleMinDropPercent);
    const fresh = new Map<string, OutboxItem[]>();
    for (const item of items) {
      if (item.staleReason) continue;
      const list = fresh.get(item.messageId) ?? [];
      list.push(item);
      fresh.set(item.messageId, list);
    }
    // One email per shopper: their messages of both kinds, merged (a digest when held back).
    const byUser = new Map<number, Ready>();
    for (const m of claimed) {
      const list = fresh.get(m.id);
      if (!list) continue;
      const ready = byUser.get(m.userId) ?? { ids: [], userId: m.userId, attempts: 0, held: false, items: [] };
      ready.ids.push(m.id);
      ready.attempts = Math.max(ready.attempts, m.attempts);
      ready.held ||= m.held;
      ready.items.push(...list);
      byUser.set(m.userId, ready);
    }
    return {
      ready: [...byUser.values()],
      stale: items.filter((i) => i.staleReason),
      empty: claimed.filter((m) => !fresh.has(m.id)).map((m) => m.id),
    };
  }

  /** Sends one email; once SMTP accepted it, `recorded` settles when its sent record is written. */
  private async sendOne(
    kind: AlertKind, m: Ready, writer: SentWriter, previous: Promise<void>,
  ): Promise<{ outcome: 'sent'; recorded: Promise<void> } | { outcome: 'failed' | 'server-down' }> {
    const { clock, logger, settings, pool } = this.deps;
    const mail = this.compose(m);
    let response: string;
    try {
      response = (await this.deps.mailer.send(mail, { finishAfter: previous })).response;
    } catch (err) {
      // If the previous record could not be written, this message was abandoned unaccepted
      // and the run fails with that reason (its lease runs out; a later run takes it).
      await previous;
      const permanent = isPermanentMailError(err);
      const giveUp = permanent || m.attempts >= settings.maxAttempts;
      const retryAt = giveUp ? null : new Date(clock.now().getTime() + retryDelayMs(m.attempts, settings.retryBaseMs));
      const error = describeError(err);
      const label = m.ids.join(', ');
      logger.warn(
        { messageIds: m.ids, attempt: m.attempts, error, retryAt },
        giveUp ? `❌ Wishlist alert ${label} failed for good: ${error}` : `⚠️ Wishlist alert ${label} failed; will retry: ${error}`,
      );
      await markFailed(pool, m.ids.map((messageId) => ({ messageId, error, retryAt })), clock.now());
      return { outcome: isMailServerUnavailable(err) ? 'server-down' : 'failed' };
    }
    if (logger.isLevelEnabled('debug')) logger.debug(`📧 [Wishlist ${kind === 'sale' ? 'Sale' : 'Stock'}] Notified user ${m.items[0].email.replace(/^(.).*@/, '$1***@')} about ${m.items.map((i) => i.name).join(', ')}`);
    return { outcome: 'sent', recorded: writer.add({ messageIds: m.ids, emailId: mail.messageId, response, items: m.items }) };
  }

  private compose(m: Ready) {
    const { settings } = this.deps;
    const rendered = this.deps.render({
      userId: m.userId,
      firstName: m.items[0].firstName,
      digest: m.held,
      items: m.items.map((i) => ({
        kind: i.kind,
        wishlistId: i.wishlistId ?? 0,
        productId: i.productId ?? 0,
        name: i.name ?? '',
        slug: i.slug,
        regularPrice: i.regularPrice ?? '0',
        salePrice: i.salePrice,
        saleEndsAt: i.saleEndsAt,
      })),
    });
    // Derived from the notification rows: a resend of the same items after a crash carries
    // the same Message-ID, so a mail server or client can tell it is the same email.
    const key = createHash('sha256').update(m.items.map((i) => i.notificationId).join(',')).digest('base64url').slice(0, 22);
    const domain = new URL(settings.frontendUrl).hostname || 'localhost';
    return {
      from: settings.mailFrom,
      to: m.items[0].email,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      headers: rendered.headers,
      messageId: `<wishlist-alert.${key}@${domain}>`,
    };
  }
}

/**
 * Group commit for accepted messages: records that arrive while a write is under way go
 * into the next write together. add() resolves once its record is written. Each worker
 * has at most one record waiting (its next message is on the wire meanwhile), so a write
 * waits briefly for the others' records: one write for several emails costs the database
 * far less than one write each.
 */
class SentWriter {
  private queue: Array<{ record: SentRecord; done: () => void; fail: (err: unknown) => void }> = [];
  private running: Promise<void> | null = null;
  private full: (() => void) | null = null;

  constructor(
    private readonly write: (records: SentRecord[]) => Promise<void>,
    private readonly logger: Logger,
    /** Records that can be waiting at once: the number of workers. */
    private readonly batchSize: number,
  ) {}

  add(record: SentRecord): Promise<void> {
    return new Promise((done, fail) => {
      this.queue.push({ record, done, fail });
      if (this.queue.length >= this.batchSize) this.full?.();
      if (!this.running) this.running = this.loop().finally(() => (this.running = null));
    });
  }

  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    while (this.queue.length > 0) {
      if (this.queue.length < this.batchSize) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, GROUP_COMMIT_WAIT_MS);
          this.full = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.full = null;
      }
      const entries = this.queue.splice(0);
      try {
        await this.writeWithRetry(entries.map((e) => e.record));
        entries.forEach((e) => e.done());
      } catch (err) {
        entries.forEach((e) => e.fail(err));
      }
    }
  }

  private async writeWithRetry(records: SentRecord[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.write(records);
      } catch (err) {
        if (attempt >= 5) throw err;
        this.logger.warn({ attempt }, `Could not record sent wishlist alerts yet; retrying: ${errorMessage(err)}`);
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }
}
