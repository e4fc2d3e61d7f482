import type { Logger } from '../logger';
import type { RunTrigger } from '../domain';

export interface JobConfig {
  schedule: string;
  enabled: boolean;
  description: string;
  timezone: string;
}

export type { RunTrigger };

/**
 * Agreement between instances on who runs what (PostgreSQL in production, see
 * PgRunCoordinator). Without one, the service coordinates within this process only.
 */
export interface RunCoordinator {
  readonly leaseMs: number;
  /** Names this process in the history. */
  readonly instanceId: string;
  /** A run id, or null when it is not ours to run: that slot was taken, or the job runs elsewhere. */
  claim(job: string, start: RunStart): Promise<string | null>;
  renew(runId: string): Promise<void>;
  finish(runId: string, status: 'succeeded' | 'failed', result: unknown, error: string | null): Promise<void>;
  /** True when the job ran before `slot` and nothing has served that slot since. */
  wasMissed(job: string, slot: Date): Promise<boolean>;
}

export type MissedRunPolicy = 'once' | 'skip';

/** One run, the same shape whether read from the shared history or from this process's memory. */
export interface JobRun {
  /** The run's id in the coordinator's history, when there is one. */
  id: string | null;
  job: string;
  /** The scheduled time it served (ISO 8601); null for a manual run. */
  slot: string | null;
  trigger: RunTrigger;
  /** Who started a manual run. */
  triggeredBy: string | null;
  instanceId: string | null;
  status: 'running' | 'succeeded' | 'failed' | 'abandoned';
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  result: unknown;
  error: string | null;
}

export interface JobView {
  name: string;
  config: JobConfig;
  running: boolean;
  lastRun: JobRun | null;
  /** The true next fire time (ISO 8601), null when disabled or stopped for good. */
  nextRun: string | null;
  nextRuns: string[];
}

/** What an observer (metrics) hears when a run ends. */
export interface FinishedRun {
  job: string;
  trigger: RunTrigger;
  status: 'succeeded' | 'failed';
  durationMs: number;
  result: unknown;
}

/** How a run came about: its trigger, the scheduled time it serves, and who started it by hand. */
export interface RunStart {
  trigger: RunTrigger;
  /** The scheduled time this run serves; null for a manual run. */
  scheduledAt: Date | null;
  /** Who triggered a manual run ("token", or the shop's user id and e-mail). */
  by: string | null;
}

/** What a handler is given: how its run came about, and a logger that names the run on every line. */
export type JobHandler<T = unknown> = (ctx: RunStart & { log: Logger }) => Promise<T>;

export class UnknownJobError extends Error {
  constructor(readonly job: string) {
    super(`No job named '${job}'`);
    this.name = 'UnknownJobError';
  }
}

export class JobBusyError extends Error {
  constructor(readonly job: string) {
    super(`Job '${job}' is already running`);
    this.name = 'JobBusyError';
  }
}

/** A manual run's caller hears this when shutdown cut the run off before it finished. */
export class RunAbandonedError extends Error {
  constructor(readonly job: string, reason: string) {
    super(`The ${job} run was abandoned: ${reason}`);
    this.name = 'RunAbandonedError';
  }
}
