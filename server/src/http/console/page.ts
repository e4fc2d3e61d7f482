import cronstrue from 'cronstrue';
import { html, SafeHtml } from '../../html';
import type { RunRow } from '../../db/jobRuns';
import type { NotificationView } from '../../db/outbox/views';
import type { JobHealth } from '../../jobs/health';
import type { JobOverview } from '../../jobs/overview';
import { runsChart } from './chart';
import type { WatchStatus } from '../../services/Watch';
import { suppressionsPanel, SuppressionsView } from './suppressionsPanel';
import { proofPanel } from './proofPanel';
import type { ProofStats } from '../../services/AlertProof';
import type { StorePace } from '../../services/delivery/paceStatus';

export const CONSOLE_PATH = '/admin/wishlist-jobs';


export interface ConsoleView {
  jobs: JobOverview[];
  runs: RunRow[];
  notifications: NotificationView[];
  csrf: string;
  /** Links to view each sent message (the preview outbox is in use). */
  previewLinks: boolean;
  /** Shown when the history could not be read. */
  warning: string | null;
  /** Who is looking, whether they may run checks, and whether this page signs them out (the token sign-in). */
  viewer: { who: string; canAct: boolean; canSignOut: boolean };
  watch: WatchStatus;
  /** Where each store's mail goes, or why it waits (switched off, no server, test mode without an address). */
  mail: Record<'us' | 'eu', string>;
  suppressions: SuppressionsView;
  /** Reach and the orders attributed to the alerts. */
  proof: ProofStats;
  /** Each store's mail pace, and whether the provider throttles it. */
  paces: StorePace[];
}

const HEALTH: Record<JobHealth, { label: string; icon: string }> = {
  healthy: { label: 'Healthy', icon: '✓' },
  failing: { label: 'Failing: no successful run for twice its interval', icon: '✗' },
  disabled: { label: 'Disabled', icon: '–' },
};
const STATUS_ICON: Record<string, string> = { succeeded: '✓', failed: '✗', abandoned: '⚠', running: '⟳', sent: '✓', queued: '…', skipped: '–' };

function inWords(schedule: string): string {
  try {
    return cronstrue.toString(schedule, { use24HourTimeFormat: false, verbose: false });
  } catch {
    return schedule;
  }
}

/** A store's pace, its throttling, and the time left for what is queued. */
function paceLine(p: StorePace | undefined, at: (iso: string) => SafeHtml): SafeHtml {
  if (!p) return html``;
  const perSecond = (n: number) => `${n.toLocaleString('en-US', { maximumFractionDigits: 1 })} emails/s`;
  const pace = p.pacePerSecond === null ? 'as fast as the mail server takes it' : perSecond(p.pacePerSecond);
  const limit = p.limitPerSecond === null ? 'no limit set' : `limit ${perSecond(p.limitPerSecond)}`;
  const left = p.secondsLeft === null || p.queued === 0 ? '' : `, about ${duration(p.secondsLeft)} left`;
  return html`<dd class="pace" data-pace="${p.region}"${p.throttled ? html` data-throttled="true"` : ''}>Pace: ${pace} (${limit})${
    p.throttled && p.lastThrottledAt ? html`, <strong>throttled by the provider</strong> since ${at(p.lastThrottledAt)}` : ''
  }. ${p.queued.toLocaleString('en-US')} queued${left}.</dd>`;
}

function duration(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function when(iso: string | Date | null, timezone: string): SafeHtml {
  if (!iso) return html`—`;
  const d = new Date(iso);
  const shop = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone, weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short',
  }).format(d);
  // The script adds the viewer's local time next to it.
  return html`<time datetime="${d.toISOString()}">${shop}</time>`;
}

function counts(result: unknown): string {
  const r = (result ?? {}) as Record<string, number>;
  const shown = r.suppressed ? ['checked', 'notified', 'emails', 'errors', 'suppressed'] : ['checked', 'notified', 'emails', 'errors'];
  return shown.map((k) => `${r[k] ?? 0} ${k}`).join(', ');
}

function status(s: string): SafeHtml {
  return html`<span class="status status-${s}">${STATUS_ICON[s] ?? ''} ${s}</span>`;
}

function job(j: JobOverview, csrf: string, canAct: boolean): SafeHtml {
  const h = HEALTH[j.health];
  const last = j.lastRun;
  return html`<article class="job" data-job="${j.name}" aria-labelledby="job-${j.name}">
  <h3 id="job-${j.name}">${j.name} <span class="badge badge-${j.health}" data-health="${j.health}">${h.icon} ${h.label}</span></h3>
  <p class="description">${j.description}</p>
  <dl>
    <dt>Enabled</dt><dd class="enabled">${j.enabled ? 'Yes: runs on its schedule' : 'No: runs only when started by hand'}</dd>
    <dt>Schedule</dt><dd><span class="schedule-words">${inWords(j.schedule)}</span> (<code>${j.schedule}</code>)</dd>
    <dt>Timezone</dt><dd>${j.timezone}</dd>
    <dt>Next runs</dt><dd>${j.nextRuns.length
      ? html`<ol class="next-runs">${j.nextRuns.map((t) => html`<li>${when(t, j.timezone)}</li>`)}</ol>`
      : 'none (disabled)'}</dd>
    <dt>Now</dt><dd class="running-state" data-running="${String(j.running)}">${j.running ? `⟳ Running${j.runningOn ? ` on ${j.runningOn}` : ''}` : 'Idle'}</dd>
    <dt>Last run</dt><dd class="last-run">${last
      ? html`${status(last.status)} ${when(last.startedAt, j.timezone)} (${last.trigger}, ${last.durationMs ?? '…'} ms): ${last.status === 'succeeded' ? counts(last.result) : last.error ?? ''}`
      : 'never'}</dd>
    <dt>Last success</dt><dd>${when(j.lastSuccessAt, j.timezone)}</dd>
  </dl>
  ${canAct
    ? html`<form method="post" action="${CONSOLE_PATH}/run/${j.name}" class="run-now" data-job="${j.name}">
    <input type="hidden" name="_csrf" value="${csrf}">
    <button type="submit" ${j.running ? html`disabled aria-disabled="true"` : ''}>Run ${j.name} now</button>
  </form>`
    : html`<p class="hint">Running a check by hand needs the right to manage emails.</p>`}
</article>`;
}

function watchPanel(w: WatchStatus, timezone: string): SafeHtml {
  if (!w.enabled) return html`<p class="watch-state" data-health="disabled">Off (WISHLIST_WATCH_ENABLED=false): the scheduled checks only.</p>`;
  const behind = w.behindMs === null ? 'not yet' : `${(w.behindMs / 1000).toFixed(1)} s ago`;
  return html`<dl class="watch-state" data-health="${w.health}">
    <dt>Health</dt><dd>${w.health === 'healthy' ? '✓ Looking' : '✗ Not looking: no look for ten intervals'}</dd>
    <dt>Interval</dt><dd>every ${w.intervalMs / 1000} s</dd>
    <dt>Held by</dt><dd>${w.holder ?? 'nobody'}</dd>
    <dt>Last look</dt><dd>${when(w.lookedAt, timezone)} (${behind})</dd>
    <dt>Last hour</dt><dd>${w.lastHour.looks} look(s) with changes: ${w.lastHour.products} product(s), ${w.lastHour.queued} alert(s) queued</dd>
  </dl>`;
}

function runsTable(runs: RunRow[], timezone: string): SafeHtml {
  return html`<table class="runs">
  <caption>Last ${runs.length} runs, newest first</caption>
  <thead><tr><th scope="col">#</th><th scope="col">Job</th><th scope="col">Started</th><th scope="col">Trigger</th><th scope="col">By</th><th scope="col">Instance</th>
    <th scope="col">Duration</th><th scope="col">Checked</th><th scope="col">Notified</th><th scope="col">Emails</th><th scope="col">Errors</th><th scope="col">Status</th></tr></thead>
  <tbody>${runs.map((r) => {
    const res = (r.result ?? {}) as Record<string, number>;
    return html`<tr data-run-id="${r.id}" data-status="${r.status}">
      <td>${r.id}</td><td>${r.job}</td><td>${when(r.startedAt, timezone)}</td><td>${r.trigger}</td><td class="by">${r.triggeredBy ?? '—'}</td><td>${r.instanceId}</td>
      <td>${r.durationMs === null ? '…' : `${r.durationMs} ms`}</td>
      <td class="num">${res.checked ?? '—'}</td><td class="num">${res.notified ?? '—'}</td><td class="num">${res.emails ?? '—'}</td><td class="num">${res.errors ?? '—'}</td>
      <td>${status(r.status)}${r.error ? html`<br><small class="error">${r.error}</small>` : ''}</td></tr>`;
  })}</tbody></table>`;
}

function notificationsTable(rows: NotificationView[], previewLinks: boolean, timezone: string): SafeHtml {
  return html`<table class="notifications">
  <caption>Recent notifications, newest first</caption>
  <thead><tr><th scope="col">#</th><th scope="col">Kind</th><th scope="col">Item</th><th scope="col">Recipient</th><th scope="col">Status</th>
    <th scope="col">Attempts</th><th scope="col">Last error</th><th scope="col">When</th>${previewLinks ? html`<th scope="col">Message</th>` : ''}</tr></thead>
  <tbody>${rows.map((n) => html`<tr>
    <td>${n.id}</td><td>${n.kind}</td><td>${n.productName ?? `product ${n.productId ?? '?'}`}</td><td>${n.recipient}</td><td>${status(n.status)}</td>
    <td class="num">${n.attempts}</td><td>${n.error ?? ''}</td><td>${when(n.sentAt ?? n.createdAt, timezone)}</td>
    ${previewLinks ? html`<td>${n.emailId ? html`<a href="${CONSOLE_PATH}/mail/${n.id}">View message ${n.id}</a>` : '—'}</td>` : ''}</tr>`)}</tbody></table>`;
}

function layout(title: string, body: SafeHtml, head: SafeHtml | string = ''): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${title}</title><link rel="stylesheet" href="${CONSOLE_PATH}/assets/console.css">${head}</head>
<body>${body}</body></html>
`.value;
}

export function consolePage(v: ConsoleView): string {
  const timezone = v.jobs[0]?.timezone ?? 'UTC';
  return layout(
    'Wishlist jobs',
    html`<header><h1>Wishlist jobs</h1>
  <p class="viewer">Signed in as ${v.viewer.who}</p>
  ${v.viewer.canSignOut
    ? html`<form method="post" action="${CONSOLE_PATH}/sign-out"><input type="hidden" name="_csrf" value="${v.csrf}"><button type="submit" class="secondary">Sign out</button></form>`
    : ''}</header>
<main>
  <div id="result" role="status" aria-live="polite"></div>
  <div id="trouble" role="alert"></div>
  ${v.warning ? html`<p class="warning" role="alert">${v.warning}</p>` : ''}
  <section id="watch" aria-labelledby="watch-h"><h2 id="watch-h">Watch</h2>${watchPanel(v.watch, timezone)}</section>
  <section id="proof" aria-labelledby="proof-h"><h2 id="proof-h">Do the alerts sell?</h2>${proofPanel(v.proof)}</section>
  <section id="mail" aria-labelledby="mail-h"><h2 id="mail-h">Mail</h2>
    <dl class="mail-state">${(['us', 'eu'] as const).map((r) => html`<dt>${r.toUpperCase()} store</dt><dd data-region="${r}">${v.mail[r]}</dd>
      ${paceLine(v.paces.find((p) => p.region === r), (d) => when(d, timezone))}`)}</dl></section>
  <section id="suppressions" aria-labelledby="suppressions-h"><h2 id="suppressions-h">Suppressed addresses</h2>
    ${suppressionsPanel(v.suppressions, { csrf: v.csrf, canAct: v.viewer.canAct, basePath: CONSOLE_PATH, when: (d) => when(d, timezone) })}</section>
  <section id="jobs" aria-labelledby="jobs-h"><h2 id="jobs-h">Jobs</h2>${v.jobs.map((j) => job(j, v.csrf, v.viewer.canAct))}</section>
  <section id="history" aria-labelledby="history-h"><h2 id="history-h">Run history</h2>${runsChart(v.runs)}${runsTable(v.runs, timezone)}</section>
  <section id="notifications" aria-labelledby="notifications-h"><h2 id="notifications-h">Recent notifications</h2>
    ${notificationsTable(v.notifications, v.previewLinks, timezone)}</section>
</main>
<script src="${CONSOLE_PATH}/assets/console.js" defer></script>`,
    html`<meta name="csrf-token" content="${v.csrf}">`,
  );
}

/**
 * The console's sign-in: the admin token's form (when ADMIN_API_TOKEN is set), and inside
 * the shop its own sign-in page. The shop's page ignores any "next", so it says plainly
 * that the admin comes back here by hand.
 */
export function signInPage(opts: { error: string | null; tokenSignIn: boolean; shopSignIn: string | null }): string {
  const { error, tokenSignIn, shopSignIn } = opts;
  return layout(
    'Sign in · Wishlist jobs',
    html`<main class="sign-in"><h1>Wishlist jobs</h1>
  ${shopSignIn ? html`<p id="shop-sign-in">Sign in to the shop at <a href="${shopSignIn}">${shopSignIn}</a> with an account that may see emails
    (<code>emails:view</code>), then come back to this page: the shop does not bring you back by itself.</p>` : ''}
  ${tokenSignIn ? html`<form method="post" action="${CONSOLE_PATH}/sign-in">
    ${error ? html`<p class="error" role="alert" id="sign-in-error">${error}</p>` : ''}
    <label for="token">Admin token</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required ${shopSignIn ? '' : html`autofocus`}
      ${error ? html`aria-invalid="true" aria-describedby="sign-in-error"` : ''}>
    <p class="hint">The value of ADMIN_API_TOKEN, or the contents of .data/admin-token.</p>
    <button type="submit">Sign in${shopSignIn ? ' with the token' : ''}</button>
  </form>` : ''}</main>`,
  );
}
