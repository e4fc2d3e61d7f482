import { html, SafeHtml } from '../../html';
import type { RunRow } from '../../db/jobRuns';

const W = 600;
const H = 90;

function bars(runs: RunRow[], value: (r: RunRow) => number, label: (r: RunRow, v: number) => string, colour: string): SafeHtml {
  const max = Math.max(1, ...runs.map(value));
  const step = W / Math.max(runs.length, 50); // a slot per run of the last 50, oldest on the left
  return html`${runs.map((r, i) => {
    const v = value(r);
    const h = Math.max(v > 0 ? 2 : 0, (v / max) * (H - 14));
    const failed = r.status !== 'succeeded' && r.status !== 'running';
    return html`<rect x="${(i * step + 1).toFixed(1)}" y="${(H - h).toFixed(1)}" width="${Math.max(1, step - 2).toFixed(1)}" height="${h.toFixed(1)}"
      fill="${failed ? '#b00020' : colour}"><title>${label(r, v)}</title></rect>`;
  })}<text x="2" y="10" font-size="10" fill="#444">max ${max.toLocaleString('en-US')}</text>`;
}

/**
 * Two small bar charts, oldest run on the left: duration and items notified. Drawn on
 * the server as inline SVG, so the page needs no script or CDN; failed runs are red and
 * say so in each bar's tooltip, not by colour alone.
 */
export function runsChart(newestFirst: RunRow[]): SafeHtml {
  const runs = [...newestFirst].reverse();
  if (runs.length === 0) return html`<p>No runs yet.</p>`;
  const notified = (r: RunRow) => Number((r.result as { notified?: number } | null)?.notified ?? 0);
  const describe = (r: RunRow) => `#${r.id} ${r.job} ${r.status} ${new Date(r.startedAt).toISOString()}`;
  return html`<figure class="chart">
  <figcaption>Duration per run (ms)</figcaption>
  <svg viewBox="0 0 ${W} ${H}" width="100%" height="${H}" role="img" aria-label="Duration of the last ${runs.length} runs">
    ${bars(runs, (r) => r.durationMs ?? 0, (r, v) => `${describe(r)}: ${v} ms`, '#1a4fa0')}</svg>
  <figcaption>Items notified per run</figcaption>
  <svg viewBox="0 0 ${W} ${H}" width="100%" height="${H}" role="img" aria-label="Items notified in the last ${runs.length} runs">
    ${bars(runs, notified, (r, v) => `${describe(r)}: ${v} notified`, '#1b5e20')}</svg>
</figure>`;
}
