import type { Db } from '../db/pool';
import { lastSuccesses, latestRuns } from '../db/jobRuns';
import { errorMessage } from '../errorMessage';
import type { CronService, JobRun } from './CronService';
import { JobHealth, jobHealth } from './health';

export interface JobOverview {
  name: string;
  description: string;
  enabled: boolean;
  schedule: string;
  timezone: string;
  nextRuns: string[];
  running: boolean;
  runningOn: string | null;
  /** From the shared history (any instance); this process's own memory when the history cannot be read. */
  lastRun: JobRun | null;
  lastSuccessAt: Date | null;
  health: JobHealth;
}

/**
 * Each registered job as the shared run history sees it (any instance), with its health.
 * If the history cannot be read, this process's own view, and a warning saying so.
 */
export async function jobsOverview(deps: { cron: CronService; db: Db; since: Date; now: Date }): Promise<{ jobs: JobOverview[]; warning: string | null }> {
  const views = deps.cron.listJobs();
  const names = views.map((v) => v.name);
  let warning: string | null = null;
  let history: Awaited<ReturnType<typeof latestRuns>> | null = null;
  let successes = new Map<string, Date>();
  try {
    [history, successes] = await Promise.all([latestRuns(deps.db, names), lastSuccesses(deps.db, names)]);
  } catch (err) {
    warning = `Run history unavailable (${errorMessage(err)}); showing this instance's view`;
  }
  const jobs = views.map((v): JobOverview => {
    const h = history?.get(v.name);
    const lastSuccessAt = successes.get(v.name) ?? null;
    return {
      name: v.name,
      description: v.config.description,
      enabled: v.config.enabled,
      schedule: v.config.schedule,
      timezone: v.config.timezone,
      nextRuns: v.nextRuns,
      running: v.running || Boolean(h?.running),
      runningOn: h?.running?.instanceId ?? null,
      lastRun: history ? h?.last ?? null : v.lastRun,
      lastSuccessAt,
      health: jobHealth({ enabled: v.config.enabled, nextRuns: v.nextRuns, lastSuccessAt, since: deps.since, now: deps.now }),
    };
  });
  return { jobs, warning };
}
