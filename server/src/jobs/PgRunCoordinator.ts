import type { Pool } from 'pg';
import { abandonInstanceRuns, claimRun, finishRun, renewLease, wasMissed } from '../db/jobRuns';
import { retryOnLostConnection } from '../db/pool';
import type { RunCoordinator, RunStart } from './CronService';

/**
 * Runs coordinated through PostgreSQL, the one thing every instance already shares:
 * claims, leases and the run history live in wishlist_alert_runs.
 */
export class PgRunCoordinator implements RunCoordinator {
  constructor(private readonly pool: Pool, readonly instanceId: string, readonly leaseMs: number) {}

  claim(job: string, start: RunStart): Promise<string | null> {
    return claimRun(this.pool, job, start, this.instanceId, this.leaseMs);
  }

  renew(runId: string): Promise<void> {
    return renewLease(this.pool, runId, this.leaseMs);
  }

  /** Retried on a lost connection: a run that failed because its backend was terminated still records it. */
  finish(runId: string, status: 'succeeded' | 'failed', result: unknown, error: string | null): Promise<void> {
    return retryOnLostConnection(() => finishRun(this.pool, runId, status, result, error));
  }

  wasMissed(job: string, slot: Date): Promise<boolean> {
    return wasMissed(this.pool, job, slot);
  }

  /** At shutdown, for runs that did not finish in time: marked abandoned now rather than at lease expiry. */
  abandonOwnRuns(reason: string): Promise<number> {
    return abandonInstanceRuns(this.pool, this.instanceId, reason);
  }
}
