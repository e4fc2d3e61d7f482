const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

export interface Money {
  format(amount: number | string): string;
}

export function moneyFormatter(locale: string, currency: string): Money {
  const f = new Intl.NumberFormat(locale, { style: 'currency', currency });
  return { format: (amount) => f.format(Number(amount)) };
}

/** Whole percent off, rounded down so we never promise more than the shop gives. */
export function percentOff(regular: number | string, sale: number | string): number {
  const r = Number(regular);
  const s = Number(sale);
  if (!(r > 0) || !(s < r)) return 0;
  return Math.floor(((r - s) / r) * 100 + 1e-9);
}
