import type { Pool } from 'pg';
import type { Clock } from '../clock';
import { attribution, AttributionRow } from '../db/attribution';
import { shopTimezone } from '../db/timezone';
import { ALERT_KINDS, AlertKind, Region, REGIONS } from '../domain';

/** The console's and /stats' windows: alerts accepted in the last 7 and the last 30 days. */
export const PROOF_WINDOWS: readonly number[] = [7, 30];
const TOP_PRODUCTS = 5;

export interface Money {
  currency: string;
  /** Exact decimal text (the shop's numeric(10,2) summed): amounts of different currencies are never added. */
  amount: string;
}

export interface ReachAndSales {
  emailsAccepted: number;
  shoppersReached: number;
  /** Paid orders holding an alerted product, placed by the alerted shopper within the attribution days. */
  orders: number;
  /** Shoppers with at least one such order. */
  buyers: number;
  /** Order lines of alerted products (each counted once, however many alerts preceded it). */
  items: number;
  units: number;
  revenue: Money[];
  /** buyers / shoppersReached; null when nobody was reached. */
  conversionRate: number | null;
}

export interface KindStats extends ReachAndSales {
  kind: AlertKind;
  region: Region;
}

export interface TopProduct {
  productId: number;
  name: string | null;
  region: string | null;
  orders: number;
  units: number;
  revenue: Money;
}

export interface WindowStats {
  days: number;
  /** Alerts accepted after this instant count in the window. */
  since: string;
  total: ReachAndSales;
  /** Every kind in every store, zeros included. */
  byKind: KindStats[];
  /** Bought most (units) after an alert, at most five. */
  topProducts: TopProduct[];
}

export interface ProofStats {
  generatedAt: string;
  attributionDays: number;
  /** The zone the shop's order times are read in. */
  timezone: string;
  windows: WindowStats[];
  /** Why there are no figures (the shop's order tables are not in this database). */
  unavailable?: string;
}

const UNDEFINED_TABLE = '42P01';

function figures(rows: AttributionRow[], days: number, kind: string | null, region: string | null): ReachAndSales {
  const mine = rows.filter((r) => r.days === days && r.kind === kind && r.region === region);
  const reach = mine.find((r) => r.part === 'reach');
  const sold = mine.find((r) => r.part === 'orders');
  const shoppersReached = reach?.shoppers ?? 0;
  const buyers = sold?.buyers ?? 0;
  return {
    emailsAccepted: reach?.emails ?? 0,
    shoppersReached,
    orders: sold?.orders ?? 0,
    buyers,
    items: sold?.items ?? 0,
    units: sold?.units ?? 0,
    revenue: mine.filter((r) => r.part === 'revenue').map((r) => ({ currency: r.currency!, amount: r.amount! }))
      .sort((a, b) => a.currency.localeCompare(b.currency)),
    conversionRate: shoppersReached > 0 ? Math.round((buyers / shoppersReached) * 10000) / 10000 : null,
  };
}

/**
 * Whether the alerts sell, in the shop's own numbers: reach, and the orders that followed
 * (the rule is in db/attribution.ts). Read-only; the console, /stats and /metrics share it.
 */
export class AlertProof {
  constructor(private readonly deps: { pool: Pool; clock: Clock; attributionDays: number; shopTimezone?: string }) {}

  async stats(): Promise<ProofStats> {
    const now = this.deps.clock.now();
    const timezone = await shopTimezone(this.deps.pool, this.deps.shopTimezone);
    const base = { generatedAt: now.toISOString(), attributionDays: this.deps.attributionDays, timezone };
    let rows: AttributionRow[];
    try {
      rows = await attribution(this.deps.pool, {
        now, windows: [...PROOF_WINDOWS], attributionDays: this.deps.attributionDays, timezone, top: TOP_PRODUCTS,
      });
    } catch (err) {
      if ((err as { code?: string }).code !== UNDEFINED_TABLE) throw err;
      return { ...base, windows: [], unavailable: "The shop's orders and order_items tables are not in this database: nothing to attribute." };
    }
    return {
      ...base,
      windows: PROOF_WINDOWS.map((days) => ({
        days,
        since: new Date(now.getTime() - days * 86_400_000).toISOString(),
        total: figures(rows, days, null, null),
        byKind: ALERT_KINDS.flatMap((kind) => REGIONS.map((region) => ({ kind, region, ...figures(rows, days, kind, region) }))),
        topProducts: rows.filter((r) => r.part === 'top' && r.days === days)
          .sort((a, b) => b.units! - a.units! || b.orders! - a.orders! || a.productId! - b.productId!)
          .map((r) => ({
            productId: r.productId!, name: r.name, region: r.region, orders: r.orders!, units: r.units!,
            revenue: { currency: r.currency!, amount: r.amount! },
          })),
      })),
    };
  }
}
