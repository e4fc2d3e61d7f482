import { html, SafeHtml } from '../../html';
import type { SuppressionCounts, SuppressionView } from '../../db/suppressions';
import type { FeedbackEndpoints } from '../feedbackRouter';

export interface SuppressionsView {
  rows: SuppressionView[];
  counts: SuppressionCounts;
  /** The next page's cursor (?suppressionsBefore=), null on the last page. */
  nextBefore: string | null;
  feedback: FeedbackEndpoints;
}

const SOURCE: Record<string, string> = {
  smtp: 'refused by the mail server',
  notification: "bounce reported by the provider",
  complaint: 'complaint (marked as spam)',
};

function endpoints(f: FeedbackEndpoints): string {
  const sns = f.snsTopics > 0 ? `Amazon SNS (${f.snsTopics} topic${f.snsTopics === 1 ? '' : 's'})` : null;
  const signed = f.signedForm ? 'the signed JSON form' : null;
  const on = [sns, signed].filter(Boolean);
  return on.length > 0
    ? `Provider notifications accepted from ${on.join(' and ')}.`
    : 'No provider notifications are accepted (WISHLIST_SNS_TOPIC_ARNS and WISHLIST_FEEDBACK_SECRET are unset): only the mail server\'s own refusals feed the list.';
}

/**
 * The console's suppression list: how many addresses no alert goes to, by source, the
 * newest entries (masked) with the shopper each holds back now, and for those who may act,
 * a "Lift" button per entry (a POST with the CSRF token).
 */
export function suppressionsPanel(v: SuppressionsView, opts: { csrf: string; canAct: boolean; basePath: string; when: (d: Date) => SafeHtml }): SafeHtml {
  const { total, bySource } = v.counts;
  return html`<p class="suppression-count" data-total="${String(total)}">${total} suppressed address${total === 1 ? '' : 'es'}:
    ${bySource.smtp} refused by the mail server, ${bySource.notification} reported bounced, ${bySource.complaint} complaint${bySource.complaint === 1 ? '' : 's'}.
    Alerts to them are skipped with the reason. ${endpoints(v.feedback)}</p>
  ${v.rows.length === 0 ? '' : html`<table class="suppressions">
  <caption>Suppressed addresses, newest first</caption>
  <thead><tr><th scope="col">#</th><th scope="col">Address</th><th scope="col">Shopper now</th><th scope="col">Source</th>
    <th scope="col">Reason</th><th scope="col">Since</th><th scope="col">Reports</th>${opts.canAct ? html`<th scope="col">Action</th>` : ''}</tr></thead>
  <tbody>${v.rows.map((r) => html`<tr data-suppression-id="${r.id}">
    <td>${r.id}</td><td>${r.address}</td><td>${r.userId === null ? 'none (the address changed)' : `#${r.userId}`}</td>
    <td>${SOURCE[r.source] ?? r.source}</td><td>${r.reason}</td><td>${opts.when(r.createdAt)}</td><td class="num">${r.reports}</td>
    ${opts.canAct ? html`<td><form method="post" action="${opts.basePath}/suppressions/${r.id}/lift" class="lift">
      <input type="hidden" name="_csrf" value="${opts.csrf}"><button type="submit" class="secondary">Lift ${r.id}</button></form></td>` : ''}</tr>`)}</tbody></table>`}
  ${v.nextBefore ? html`<p><a href="${opts.basePath}?suppressionsBefore=${v.nextBefore}#suppressions">Older entries</a></p>` : ''}`;
}
