import { html, SafeHtml } from '../../html';
import type { Money, ProofStats, ReachAndSales, WindowStats } from '../../services/AlertProof';

function money(m: Money): string {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: m.currency }).format(Number(m.amount));
  } catch {
    return `${m.amount} ${m.currency}`; // a currency code Intl does not know
  }
}

/** Each currency on its own: amounts in different currencies are never added. */
function revenue(list: Money[]): string {
  return list.length === 0 ? '—' : list.map(money).join(' + ');
}

function rate(r: number | null): string {
  return r === null ? '—' : `${(r * 100).toFixed(1)}%`;
}

/** 'price_drop' reads "price drop": no per-kind table to keep up to date here. */
const kindLabel = (kind: string) => kind.replace(/_/g, ' ');

function cells(f: ReachAndSales): SafeHtml {
  return html`<td class="num" data-field="emails">${f.emailsAccepted}</td><td class="num" data-field="shoppers">${f.shoppersReached}</td>
    <td class="num" data-field="orders">${f.orders}</td><td class="num" data-field="buyers">${f.buyers}</td>
    <td class="num" data-field="revenue">${revenue(f.revenue)}</td><td class="num" data-field="conversion">${rate(f.conversionRate)}</td>`;
}

function windowTable(w: WindowStats): SafeHtml {
  return html`<table class="proof" data-days="${String(w.days)}">
  <caption>Alerts accepted in the last ${w.days} days, and the orders that followed</caption>
  <thead><tr><th scope="col">Kind</th><th scope="col">Store</th><th scope="col">Emails accepted</th><th scope="col">Shoppers reached</th>
    <th scope="col">Orders</th><th scope="col">Buyers</th><th scope="col">Revenue</th><th scope="col">Conversion</th></tr></thead>
  <tbody>${w.byKind.map((k) => html`<tr data-kind="${k.kind}" data-region="${k.region}"><td>${kindLabel(k.kind)}</td><td>${k.region.toUpperCase()}</td>${cells(k)}</tr>`)}
  <tr class="total" data-kind="all" data-region="all"><th scope="row" colspan="2">All</th>${cells(w.total)}</tr></tbody></table>
  ${w.topProducts.length === 0
    ? html`<p class="top-products-none">No order after an alert in these ${w.days} days yet.</p>`
    : html`<table class="top-products" data-days="${String(w.days)}"><caption>Sold most after an alert (last ${w.days} days)</caption>
    <thead><tr><th scope="col">Product</th><th scope="col">Store</th><th scope="col">Units</th><th scope="col">Orders</th><th scope="col">Revenue</th></tr></thead>
    <tbody>${w.topProducts.map((p) => html`<tr data-product-id="${String(p.productId)}"><td>${p.name ?? `product ${p.productId}`}</td>
      <td>${(p.region ?? '').toUpperCase()}</td><td class="num">${p.units}</td><td class="num">${p.orders}</td><td class="num">${money(p.revenue)}</td></tr>`)}</tbody></table>`}`;
}

/**
 * The console's proof panel: per kind and store, for each window, what the alerts reached
 * and the orders attributed to them (the rule: db/attribution.ts), and the products that
 * sold most after an alert.
 */
export function proofPanel(stats: ProofStats): SafeHtml {
  if (stats.unavailable) return html`<p class="proof-unavailable">${stats.unavailable}</p>`;
  return html`<p class="proof-rule">An order counts for an alert when the alerted shopper (or a guest checkout with their email) pays for
    the alerted product within ${stats.attributionDays} day${stats.attributionDays === 1 ? '' : 's'} after the email was accepted
    (WISHLIST_ATTRIBUTION_DAYS); each order line once, for the latest alert before it. Revenue is the lines' total, per currency.
    Conversion: buyers per shopper reached.</p>
  ${stats.windows.map(windowTable)}`;
}
