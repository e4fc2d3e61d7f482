export interface Money {
  format(amount: number | string): string;
}

export function moneyFormatter(locale: string, currency: string): Money {
  const f = new Intl.NumberFormat(locale, { style: 'currency', currency });
  return { format: (amount) => f.format(Number(amount)) };
}

/** A date as the shop's shoppers read it: their language, the shop's timezone. */
export function dateFormatter(locale: string, timeZone: string): { format(date: Date): string } {
  const f = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone });
  return { format: (date) => f.format(date) };
}

/** Whole percent off, rounded down so we never promise more than the shop gives. */
export function percentOff(regular: number | string, sale: number | string): number {
  const r = Number(regular);
  const s = Number(sale);
  if (!(r > 0) || !(s < r)) return 0;
  return Math.floor(((r - s) / r) * 100 + 1e-9);
}
