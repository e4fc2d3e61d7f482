import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../db/pool';
import { lastSuccesses } from '../db/jobRuns';
import { outboxCounts } from '../db/outbox/views';
import type { FinishedRun } from '../jobs/CronService';
import type { AlertKind } from '../domain';
import { SUPPRESSION_SOURCES, suppressionCounts, SuppressionSource } from '../db/suppressions';
import type { ProofStats } from '../services/AlertProof';
import { registerProofGauges } from './proofGauges';

export interface WishlistMetrics {
  registry: Registry;
  /** Counts a finished run (subscribed to the CronService by createWishlistAlerts). */
  observeRun(run: FinishedRun): void;
  /** Times an accepted email's items from their product's change to the mail server's acceptance. */
  observeAccepted(items: Array<{ kind: AlertKind; changedAt: Date | null }>, at: Date): void;
  /** Counts the items a delivery skipped for a suppressed address (every delivery: checks, the watch, the host's calls). */
  observeDelivery(result: { suppressed: number }): void;
  /** Counts an address newly put on the suppression list. */
  observeSuppressed(source: SuppressionSource): void;
}

function count(result: unknown, key: 'checked' | 'notified' | 'emails' | 'errors'): number {
  const v = (result as Record<string, unknown> | null)?.[key];
  return typeof v === 'number' && v >= 0 ? v : 0;
}

/**
 * The module's Prometheus metrics, in a registry of its own (the host may merge it).
 * Counters are this process's (Prometheus sums the instances); the outbox and the last
 * successful run are read from the database at scrape time, so every instance shows the
 * same shared state.
 */
export function createMetrics(deps: { db: Db; jobs: readonly string[]; proof?: { stats(): Promise<ProofStats> } }): WishlistMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const runs = new Counter({
    name: 'wishlist_job_runs_total', help: 'Job runs finished on this instance, by job and status',
    labelNames: ['job', 'status'], registers: [registry],
  });
  const duration = new Histogram({
    name: 'wishlist_job_run_duration_seconds', help: 'Duration of job runs',
    labelNames: ['job'], buckets: [0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900], registers: [registry],
  });
  const checked = new Counter({ name: 'wishlist_items_checked_total', help: 'Wishlist items looked at by checks', labelNames: ['job'], registers: [registry] });
  const notified = new Counter({ name: 'wishlist_items_notified_total', help: 'Wishlist items announced in accepted emails', labelNames: ['job'], registers: [registry] });
  const emails = new Counter({ name: 'wishlist_emails_total', help: 'Alert emails by outcome (sent: accepted by SMTP)', labelNames: ['job', 'status'], registers: [registry] });
  for (const job of deps.jobs) {
    for (const status of ['succeeded', 'failed']) runs.inc({ job, status }, 0);
    for (const status of ['sent', 'failed']) emails.inc({ job, status }, 0);
    checked.inc({ job }, 0);
    notified.inc({ job }, 0);
  }

  new Gauge({
    name: 'wishlist_outbox_messages', help: 'Outbox messages by state (pending: waiting or being sent; failed: given up)',
    labelNames: ['status'], registers: [registry],
    async collect() {
      // With the database down the scrape still answers (process metrics, counters); these keep their last values.
      const c = await outboxCounts(deps.db).catch(() => null);
      if (!c) return;
      this.set({ status: 'pending' }, c.pending);
      this.set({ status: 'failed' }, c.failed);
    },
  });
  new Gauge({
    name: 'wishlist_job_last_success_timestamp_seconds', help: 'When each job last succeeded, on any instance (Unix time)',
    labelNames: ['job'], registers: [registry],
    async collect() {
      const last = await lastSuccesses(deps.db, deps.jobs).catch(() => new Map<string, Date>());
      for (const [job, at] of last) this.set({ job }, at.getTime() / 1000);
    },
  });

  new Gauge({
    name: 'wishlist_suppressed_addresses', help: 'Addresses on the suppression list, by source (smtp, notification, complaint)',
    labelNames: ['source'], registers: [registry],
    async collect() {
      const c = await suppressionCounts(deps.db).catch(() => null);
      if (!c) return;
      for (const source of SUPPRESSION_SOURCES) this.set({ source }, c.bySource[source]);
    },
  });
  const suppressedItems = new Counter({
    name: 'wishlist_items_suppressed_total', help: "Wishlist items not sent because their shopper's address is on the suppression list",
    registers: [registry],
  });
  const suppressions = new Counter({
    name: 'wishlist_suppressions_total', help: 'Addresses put on the suppression list on this instance, by source',
    labelNames: ['source'], registers: [registry],
  });
  for (const source of SUPPRESSION_SOURCES) suppressions.inc({ source }, 0);

  if (deps.proof) registerProofGauges(registry, deps.proof);

  const latency = new Histogram({
    name: 'wishlist_alert_latency_seconds',
    help: "Time from a product's change (as observed) to the mail server's acceptance of the alert, per kind",
    labelNames: ['kind'], buckets: [1, 2, 5, 10, 15, 30, 60, 120, 135, 180, 300, 900, 1800, 3600, 7200], registers: [registry],
  });

  return {
    registry,
    observeAccepted(items, at) {
      for (const i of items) if (i.changedAt) latency.observe({ kind: i.kind }, Math.max(0, (at.getTime() - i.changedAt.getTime()) / 1000));
    },
    observeDelivery(result) {
      suppressedItems.inc(result.suppressed);
    },
    observeSuppressed(source) {
      suppressions.inc({ source });
    },
    observeRun(run) {
      runs.inc({ job: run.job, status: run.status });
      duration.observe({ job: run.job }, run.durationMs / 1000);
      if (run.status !== 'succeeded') return;
      checked.inc({ job: run.job }, count(run.result, 'checked'));
      notified.inc({ job: run.job }, count(run.result, 'notified'));
      emails.inc({ job: run.job, status: 'sent' }, count(run.result, 'emails'));
      emails.inc({ job: run.job, status: 'failed' }, count(run.result, 'errors'));
    },
  };
}
