/** A job's health as the console's badge and /healthz show it. */
export type JobHealth = 'healthy' | 'failing' | 'disabled';

/**
 * Red ('failing') when an enabled job has had no successful run for twice its interval
 * (the gap between its next two fire times); a job that never succeeded counts from
 * `since` (when this server started watching).
 */
export function jobHealth(j: { enabled: boolean; nextRuns: string[]; lastSuccessAt: Date | null; since: Date; now: Date }): JobHealth {
  if (!j.enabled) return 'disabled';
  if (j.nextRuns.length < 2) return 'healthy';
  const interval = Date.parse(j.nextRuns[1]) - Date.parse(j.nextRuns[0]);
  const reference = j.lastSuccessAt ?? j.since;
  return j.now.getTime() - reference.getTime() > 2 * interval ? 'failing' : 'healthy';
}
