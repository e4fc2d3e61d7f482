import { errorMessage } from '../../errorMessage';

const BACKOFF_MAX_MS = 6 * 3600_000;

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

/** The mail server's reply when there is one, else the error's code and message. */
export function describeMailError(err: unknown): string {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { response?: string; code?: string };
  return (e.response ?? `${e.code ? `${e.code}: ` : ''}${errorMessage(err)}`).slice(0, 1000);
}

// What a provider says when we send too fast (SES "454 Throttling failure: Maximum sending
// rate exceeded", "421 4.7.0 Try again later", "450 4.7.1 Too many messages, slow down").
const TOO_FAST = /throttl|\brate\b|too many|slow ?down|exceeded|try (?:again )?later|4\.7\.0/i;
// What a recipient's own server says of that recipient (a full mailbox's quota exceeded, a
// greylisting's try again later): about the message, so it counts as an attempt.
const ABOUT_THE_RECIPIENT = /mailbox|user quota|over ?quota|grey ?list|gray ?list|recipient|4\.2\.\d|4\.1\.\d/i;
const THROTTLING_CODES = new Set([421, 450, 451, 454]);

/**
 * The provider's reply when it refused us for sending too fast, else null: a 421, 450, 451
 * or 454 that says so, or any of them refusing the connection itself (its greeting). Such a
 * refusal is about the pace, not the message: the store slows down and the message goes back
 * without an attempt counted.
 */
export function throttlingReply(err: unknown): string | null {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { responseCode?: unknown; response?: unknown; command?: unknown };
  if (typeof e.responseCode !== 'number' || !THROTTLING_CODES.has(e.responseCode)) return null;
  const reply = typeof e.response === 'string' ? e.response : String(e.responseCode);
  if (e.command === 'CONN') return reply.slice(0, 300);
  return TOO_FAST.test(reply) && !ABOUT_THE_RECIPIENT.test(reply) ? reply.slice(0, 300) : null;
}
