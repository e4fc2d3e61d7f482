import type { Pool } from 'pg';
import type { Clock } from '../../clock';
import type { Logger } from '../../logger';
import { errorMessage } from '../../errorMessage';
import { skipStale } from '../../db/outbox/loadItems';
import { FailedRecord, markFailed, ShopLogEntry } from '../../db/outbox/record';
import { isDatabaseUnavailableOrSlow } from '../../db/pool';
import { ComposeContext, Envelope, messageIdFor, Ready, shopLogFor, Unshown } from './compose';
import { retryDelayMs } from './retryPolicy';

/** What recording one email's outcome needs. */
export interface OutcomeDeps {
  pool: Pool;
  clock: Clock;
  logger: Logger;
  settings: { maxAttempts: number; retryBaseMs: number; instanceId: string };
  context: ComposeContext;
}

/**
 * Records a failed email: retried with backoff, or (a permanent error, or its last
 * attempt) failed for good. `log` is null when the email could not be composed: the
 * shop's log then has an empty subject. A record the database refuses is written again
 * without the shop's logs; false when even that is refused (the message's lease then
 * runs out, and it is taken again within its attempts). Throws only when the database
 * cannot be reached (or is too slow), which stops the run.
 */
export async function recordFailure(
  deps: OutcomeDeps, m: Ready, envelope: Envelope, log: ShopLogEntry | null, error: string, permanent: boolean,
): Promise<boolean> {
  const { pool, clock, logger, settings, context } = deps;
  const giveUp = permanent || m.attempts >= settings.maxAttempts;
  const retryAt = giveUp ? null : new Date(clock.now().getTime() + retryDelayMs(m.attempts, settings.retryBaseMs));
  const label = m.ids.join(', ');
  logger.warn(
    { messageIds: m.ids, userId: m.userId, attempt: m.attempts, error, retryAt },
    giveUp ? `❌ Wishlist alert ${label} failed for good: ${error}` : `⚠️ Wishlist alert ${label} failed; will retry: ${error}`,
  );
  const record: FailedRecord = {
    messageIds: m.ids, error, retryAt, items: m.items,
    log: log ?? shopLogFor(m, envelope, context, { subject: '', messageId: messageIdFor(m, context) }),
  };
  try {
    await markFailed(pool, [record], clock.now(), settings.instanceId);
    return true;
  } catch (err) {
    if (isDatabaseUnavailableOrSlow(err)) throw err;
    logger.error({ messageIds: m.ids }, `The failure of wishlist alert ${label} was refused (${errorMessage(err)}); recording it without the shop's logs`);
  }
  try {
    await markFailed(pool, [record], clock.now(), settings.instanceId, { shopLogs: false });
    return true;
  } catch (err) {
    if (isDatabaseUnavailableOrSlow(err)) throw err;
    logUnrecorded(logger, m, err);
    return false;
  }
}

/** An outcome the database refused even without the shop's logs. */
export function logUnrecorded(logger: Logger, m: Ready, err: unknown): void {
  logger.error(
    { messageIds: m.ids },
    `❌ The outcome of wishlist alert ${m.ids.join(', ')} could not be recorded (${errorMessage(err)}); it is taken again when its lease runs out`,
  );
}

/**
 * Leaves out of `m` (in place) the items that cannot be shown, skipped with the reason,
 * and the messages left with none. Returns the messages skipped whole.
 */
export async function leaveOut(deps: Pick<OutcomeDeps, 'pool' | 'clock' | 'logger'>, m: Ready, unshown: Unshown[]): Promise<string[]> {
  const out = new Set(unshown.map((u) => u.item));
  m.items = m.items.filter((i) => !out.has(i));
  const kept = new Set(m.items.map((i) => i.messageId));
  const empty = m.ids.filter((id) => !kept.has(id));
  m.ids = m.ids.filter((id) => kept.has(id));
  deps.logger.warn(
    { messageIds: [...kept, ...empty], userId: m.userId, reasons: unshown.map((u) => u.reason) },
    `⚠️ ${unshown.length} wishlist alert item(s) left out of their email: ${unshown.map((u) => u.reason).join('; ')}`,
  );
  await skipStale(deps.pool, unshown.map((u) => ({ ...u.item, staleReason: u.reason })), empty, deps.clock.now());
  return empty;
}
