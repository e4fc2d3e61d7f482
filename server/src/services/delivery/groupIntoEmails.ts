import type { ClaimedMessage } from '../../db/outbox/claim';
import type { OutboxItem } from '../../db/outbox/loadItems';
import { validRecipient } from '../../mail/address';
import type { Ready } from './compose';

/**
 * One email per shopper and store from a claimed batch: their messages of both kinds,
 * merged (a digest when the daily cap held one back), with the items still worth
 * announcing. A message whose attempts are spent is never merged with others (it is
 * failed, not sent). Also the stale items (to skip, with their reason) and the messages left
 * with nothing to send.
 */
export function groupIntoEmails(claimed: ClaimedMessage[], items: OutboxItem[]): { ready: Ready[]; stale: OutboxItem[]; empty: string[] } {
  const fresh = new Map<string, OutboxItem[]>();
  for (const item of items) {
    if (item.staleReason) continue;
    const list = fresh.get(item.messageId) ?? [];
    list.push(item);
    fresh.set(item.messageId, list);
  }
  const byShopper = new Map<string, Ready>();
  for (const m of claimed) {
    const list = fresh.get(m.id);
    if (!list) continue;
    const key = `${m.userId}:${m.region}:${m.spent}`;
    const ready = byShopper.get(key) ?? {
      ids: [], userId: m.userId, region: m.region, attempts: 0, held: false, spent: m.spent, to: validRecipient(list[0].email), items: [],
    };
    ready.ids.push(m.id);
    ready.attempts = Math.max(ready.attempts, m.attempts);
    ready.held ||= m.held;
    ready.items.push(...list);
    byShopper.set(key, ready);
  }
  return {
    ready: [...byShopper.values()],
    stale: items.filter((i) => i.staleReason),
    empty: claimed.filter((m) => !fresh.has(m.id)).map((m) => m.id),
  };
}
