import { Feedback, FeedbackEvent, FeedbackRefused, reportedAddress } from './feedback';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

/**
 * The events in an Amazon SES notification (the Message of an SNS notification): the
 * identity notifications ("notificationType") and the configuration set's event publishing
 * ("eventType") alike. Only a Permanent bounce suppresses its recipients; Transient and
 * Undetermined bounces (mailbox full, message too large, an auto-reply) are retried by
 * SES itself and ignored here. A complaint counts unless its feedback type is "not-spam".
 * Anything else SES publishes (Delivery, Send, Open, …) is ignored. A message that is not
 * JSON is ignored too (the SNS console's "Publish message" test, say), so SNS does not
 * retry it.
 */
export function sesFeedback(message: string): Feedback {
  let body: unknown;
  try {
    body = JSON.parse(message);
  } catch {
    return { events: [], ignored: 1 };
  }
  if (!isObject(body)) return { events: [], ignored: 1 };
  const type = text(body.notificationType) ?? text(body.eventType);
  if (type === 'Bounce') return bounce(body.bounce);
  if (type === 'Complaint') return complaint(body.complaint);
  return { events: [], ignored: 1 };
}

function recipients(list: unknown, what: string): Json[] {
  if (!Array.isArray(list) || !list.every(isObject)) throw new FeedbackRefused(400, `The SES ${what} lists no recipients`);
  return list;
}

function bounce(b: unknown): Feedback {
  if (!isObject(b)) throw new FeedbackRefused(400, 'The SES bounce notification has no "bounce" object');
  const listed = recipients(b.bouncedRecipients, 'bounce');
  if (text(b.bounceType) !== 'Permanent') return { events: [], ignored: listed.length };
  const kind = `SES permanent bounce (${text(b.bounceSubType) ?? 'General'})`;
  const events: FeedbackEvent[] = [];
  let ignored = 0;
  for (const r of listed) {
    const address = reportedAddress(r.emailAddress);
    if (!address) {
      ignored++;
      continue;
    }
    const detail = [text(r.status), text(r.diagnosticCode)].filter(Boolean).join(' ');
    events.push({ kind: 'bounce', address, reason: detail ? `${kind}: ${detail}` : kind });
  }
  return { events, ignored };
}

function complaint(c: unknown): Feedback {
  if (!isObject(c)) throw new FeedbackRefused(400, 'The SES complaint notification has no "complaint" object');
  const listed = recipients(c.complainedRecipients, 'complaint');
  const feedbackType = text(c.complaintFeedbackType);
  if (feedbackType === 'not-spam') return { events: [], ignored: listed.length };
  const reason = `SES complaint${feedbackType ? ` (${feedbackType})` : ''}`;
  const events: FeedbackEvent[] = [];
  let ignored = 0;
  for (const r of listed) {
    const address = reportedAddress(r.emailAddress);
    if (address) events.push({ kind: 'complaint', address, reason });
    else ignored++;
  }
  return { events, ignored };
}
