import { validRecipient } from '../mail/address';

/** One address a provider reported: bounced for good, or complained (marked an alert as spam). */
export interface FeedbackEvent {
  kind: 'bounce' | 'complaint';
  address: string;
  reason: string;
}

/** What one notification says: the events to act on, and how many reports it held that need nothing (transient bounces, deliveries, "not spam"). */
export interface Feedback {
  events: FeedbackEvent[];
  ignored: number;
}

/** A notification the module refuses (unsigned, badly signed, not ours, too old, malformed): answered 403 or 400 with this reason. */
export class FeedbackRefused extends Error {
  constructor(readonly status: 400 | 403, message: string) {
    super(message);
    this.name = 'FeedbackRefused';
  }
}

/** The plain address in a provider's field ("jane@example.com" or "Jane <jane@example.com>"), or null. */
export function reportedAddress(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 320) return null;
  const angled = /<([^<>]+)>\s*$/.exec(value);
  return validRecipient(angled ? angled[1] : value);
}
