import type { JobRun, RunStart } from './types';

/** This process's record of a run that has just started (its history row's shape). */
export function runningRecord(job: string, start: RunStart, run: { id: string | null; instanceId: string | null; started: number }): JobRun {
  return {
    id: run.id,
    job,
    slot: start.scheduledAt?.toISOString() ?? null,
    trigger: start.trigger,
    triggeredBy: start.by,
    instanceId: run.instanceId,
    startedAt: new Date(run.started).toISOString(),
    finishedAt: null,
    durationMs: null,
    status: 'running',
    result: null,
    error: null,
  };
}
