import { createHash, createHmac, timingSafeEqual } from 'crypto';
import { Feedback, FeedbackEvent, FeedbackRefused, reportedAddress } from './feedback';

export const TIMESTAMP_HEADER = 'x-wishlist-timestamp';
export const SIGNATURE_HEADER = 'x-wishlist-signature';
/** A notification signed further from our clock than this is refused: a replay, or a clock to fix. */
export const SIGNED_TOLERANCE_MS = 5 * 60_000;
const MAX_EVENTS = 100;

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest();

/** The signature header's value for a body signed at `timestamp` (Unix seconds): what a sender computes. */
export function signFeedback(secret: string, timestamp: number, body: Buffer | string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/**
 * The events of the plain signed JSON form, for providers other than SES: the raw body
 * signed with HMAC-SHA256 under WISHLIST_FEEDBACK_SECRET, over "<timestamp>.<body>", the
 * timestamp (Unix seconds) in its own header and within five minutes of our clock.
 *
 *   {"events": [{"type": "bounce", "email": "jane@example.com", "reason": "550 5.1.1 user unknown"},
 *               {"type": "complaint", "email": "bob@example.com"}]}
 *
 * "bounce" means a permanent one: send transient bounces nowhere.
 */
export function signedFeedback(
  opts: { secret: string; now: Date }, body: Buffer, headers: { timestamp?: string; signature?: string },
): Feedback {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature) throw new FeedbackRefused(403, `Unsigned notification: send ${TIMESTAMP_HEADER} and ${SIGNATURE_HEADER}`);
  if (!/^\d{1,12}$/.test(timestamp)) throw new FeedbackRefused(403, `${TIMESTAMP_HEADER} must be Unix time in seconds`);
  const skew = Math.abs(opts.now.getTime() - Number(timestamp) * 1000);
  if (skew > SIGNED_TOLERANCE_MS) {
    throw new FeedbackRefused(403, `${TIMESTAMP_HEADER} is more than ${SIGNED_TOLERANCE_MS / 60_000} minutes from our clock (a replay, or a clock to fix)`);
  }
  // Compared as digests, in constant time: the lengths are equal too.
  if (!timingSafeEqual(sha(signature.trim()), sha(signFeedback(opts.secret, Number(timestamp), body)))) {
    throw new FeedbackRefused(403, `${SIGNATURE_HEADER} does not match: expected v1=<hex HMAC-SHA256 of "<timestamp>.<body>" under WISHLIST_FEEDBACK_SECRET>`);
  }
  return parseEvents(body);
}

function parseEvents(body: Buffer): Feedback {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new FeedbackRefused(400, 'The body is not JSON');
  }
  const list = (parsed as { events?: unknown } | null)?.events;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_EVENTS) {
    throw new FeedbackRefused(400, `The body must be {"events": [...]} with 1 to ${MAX_EVENTS} events`);
  }
  const events: FeedbackEvent[] = list.map((e: unknown, i) => {
    const { type, email, reason } = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
    if (type !== 'bounce' && type !== 'complaint') throw new FeedbackRefused(400, `events[${i}].type must be "bounce" or "complaint"`);
    const address = reportedAddress(email);
    if (!address) throw new FeedbackRefused(400, `events[${i}].email is not one email address`);
    if (reason !== undefined && (typeof reason !== 'string' || reason.length > 1000)) {
      throw new FeedbackRefused(400, `events[${i}].reason must be a string of at most 1000 characters`);
    }
    const said = typeof reason === 'string' && reason.trim() !== '' ? `: ${reason.trim()}` : '';
    return { kind: type, address, reason: `${type === 'bounce' ? 'permanent bounce' : 'complaint'} reported by the provider${said}` };
  });
  return { events, ignored: 0 };
}
