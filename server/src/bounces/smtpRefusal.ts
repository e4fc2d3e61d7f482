// What a bare reply (no enhanced status code) says when it refuses the mailbox itself, and
// what it says when it refuses us (a relay we may not use, a block, a policy): the second
// must never put a shopper's address on the list, or a misconfigured relay would suppress
// every shopper it refuses.
const ABOUT_THE_MAILBOX = /no such|unknown|does ?n[o']?t exist|not exist|invalid (?:mailbox|recipient|address|user)|(?:user|mailbox|recipient|address) (?:not found|unavailable|disabled|inactive)|not found/i;
const ABOUT_US = /relay|policy|spam|block|blacklist|listed|reputation|authenticat|denied|rate|too many|try again|temporar/i;

/**
 * When the mail server refused the recipient for good, the reason (its reply), else null.
 * Only a 5xx answer to RCPT TO counts, and only one that is about the mailbox or its domain:
 * with an enhanced status code, 5.1.x (bad mailbox, bad domain, bad syntax, moved; not the
 * sender's 5.1.7 and 5.1.8) or 5.2.1 (mailbox disabled); without one, a 550, 551 or 553 whose
 * words say the mailbox does not exist. A 5xx about the message itself (at DATA, 5.7.x policy
 * or spam, 5.2.2 mailbox full, 5.3.x system) fails that message and suppresses nothing.
 */
export function permanentRecipientRefusal(err: unknown): string | null {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; command?: unknown; responseCode?: unknown; response?: unknown };
  if (e.code !== 'EENVELOPE' || e.command !== 'RCPT TO') return null;
  if (typeof e.responseCode !== 'number' || e.responseCode < 500 || e.responseCode > 599) return null;
  const response = typeof e.response === 'string' ? e.response.slice(0, 1000) : String(e.responseCode);
  const enhanced = /^\d{3}[ -]([245])\.(\d{1,3})\.(\d{1,3})(?!\S)/.exec(response);
  if (enhanced) {
    const [, cls, subject, detail] = enhanced;
    if (cls !== '5') return null;
    if (subject === '1' && detail !== '7' && detail !== '8') return response;
    if (subject === '2' && detail === '1') return response;
    return null;
  }
  if (![550, 551, 553].includes(e.responseCode)) return null;
  return ABOUT_THE_MAILBOX.test(response) && !ABOUT_US.test(response) ? response : null;
}
