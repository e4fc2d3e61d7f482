import { Gauge, Registry } from 'prom-client';
import type { ProofStats } from '../services/AlertProof';

// Several gauges read one answer; a scrape (or scrapes from several Prometheus servers close
// together) runs the attribution query once.
const FRESH_MS = 30_000;

/**
 * The proof panel's figures as gauges (windowed counts go up and down), labelled by window
 * (7d, 30d), kind and store; revenue also by currency, never summed across currencies.
 */
export function registerProofGauges(registry: Registry, proof: { stats(): Promise<ProofStats> }): void {
  let last: { at: number; answer: Promise<ProofStats | null> } | null = null;
  const read = () => {
    if (!last || Date.now() - last.at > FRESH_MS) {
      // With the database down the scrape still answers; these keep their last values.
      last = { at: Date.now(), answer: proof.stats().catch(() => null) };
    }
    return last.answer;
  };
  const labelNames = ['window', 'kind', 'region'] as const;
  const gauge = (name: string, help: string, value: (k: ProofStats['windows'][number]['byKind'][number]) => number) =>
    new Gauge({
      name, help, labelNames, registers: [registry],
      async collect() {
        const stats = await read();
        for (const w of stats?.windows ?? []) {
          for (const k of w.byKind) this.set({ window: `${w.days}d`, kind: k.kind, region: k.region }, value(k));
        }
      },
    });
  gauge('wishlist_proof_emails_accepted', 'Alert emails accepted by the mail server in the window, by kind and store', (k) => k.emailsAccepted);
  gauge('wishlist_proof_shoppers_reached', 'Shoppers sent an alert in the window, by kind and store', (k) => k.shoppersReached);
  gauge('wishlist_proof_orders', 'Paid orders attributed to alerts sent in the window, by kind and store', (k) => k.orders);
  gauge('wishlist_proof_buyers', 'Shoppers with an order attributed to an alert sent in the window', (k) => k.buyers);
  new Gauge({
    name: 'wishlist_proof_revenue', help: 'Revenue (order lines of alerted products) attributed to alerts sent in the window, per currency',
    labelNames: [...labelNames, 'currency'], registers: [registry],
    async collect() {
      const stats = await read();
      for (const w of stats?.windows ?? []) {
        for (const k of w.byKind) {
          for (const r of k.revenue) this.set({ window: `${w.days}d`, kind: k.kind, region: k.region, currency: r.currency }, Number(r.amount));
        }
      }
    },
  });
}
