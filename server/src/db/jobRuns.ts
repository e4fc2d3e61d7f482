import type { Db } from './pool';
import type { JobRun, RunStart } from '../jobs/CronService';

export type RunStatus = JobRun['status'];

/** A row of wishlist_alert_runs, in the shape CronService keeps its own runs. */
export type RunRow = JobRun & { id: string; instanceId: string };

// The id goes out as text (a bigint), under its own name: ORDER BY id would then sort that
// text (9 after 10), so every query orders by r.id, the number.
const COLUMNS = `r.id::text AS id, r.job, r.slot, r.trigger, r.triggered_by AS "triggeredBy", r.instance_id AS "instanceId", r.status,
  r.started_at AS "startedAt", r.finished_at AS "finishedAt", r.duration_ms AS "durationMs", r.result, r.error`;

/** Marks running rows whose instance stopped renewing the lease as abandoned. */
export async function abandonExpired(db: Db, job?: string): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE wishlist_alert_runs
        SET status = 'abandoned', finished_at = lease_until,
            duration_ms = (extract(epoch FROM lease_until - started_at) * 1000)::int,
            error = coalesce(error, 'abandoned: its instance stopped renewing the lease (crashed or cut off)')
      WHERE status = 'running' AND lease_until < now() AND ($1::text IS NULL OR job = $1)`,
    [job ?? null],
  );
  return rowCount ?? 0;
}

/**
 * Claims a run in one atomic INSERT: refused (null) when that slot was already claimed,
 * or when the job is running anywhere (the partial unique index on running rows).
 */
export async function claimRun(db: Db, job: string, start: RunStart, instanceId: string, leaseMs: number): Promise<string | null> {
  await abandonExpired(db, job);
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO wishlist_alert_runs (job, slot, trigger, triggered_by, instance_id, lease_until)
     VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6::float8 / 1000))
     ON CONFLICT DO NOTHING
     RETURNING id::text`,
    [job, start.scheduledAt, start.trigger, start.by, instanceId, leaseMs],
  );
  return rows[0]?.id ?? null;
}

export async function renewLease(db: Db, runId: string, leaseMs: number): Promise<void> {
  await db.query(
    `UPDATE wishlist_alert_runs SET lease_until = now() + make_interval(secs => $2::float8 / 1000)
      WHERE id = $1 AND status = 'running'`,
    [runId, leaseMs],
  );
}

export async function finishRun(db: Db, runId: string, status: 'succeeded' | 'failed', result: unknown, error: string | null): Promise<void> {
  await db.query(
    `UPDATE wishlist_alert_runs
        SET status = $2, result = $3, error = $4, finished_at = now(),
            duration_ms = (extract(epoch FROM now() - started_at) * 1000)::int
      WHERE id = $1 AND status = 'running'`,
    [runId, status, result === undefined ? null : JSON.stringify(result), error],
  );
}

/** At shutdown: this instance's runs that did not finish in time. */
export async function abandonInstanceRuns(db: Db, instanceId: string, reason: string): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE wishlist_alert_runs
        SET status = 'abandoned', finished_at = now(), error = $2,
            duration_ms = (extract(epoch FROM now() - started_at) * 1000)::int
      WHERE instance_id = $1 AND status = 'running'`,
    [instanceId, reason],
  );
  return rowCount ?? 0;
}

export interface RunFilter {
  job?: string;
  status?: RunStatus;
  limit: number;
  /** Only runs with an id below this one (the next page). */
  before?: string;
}

export async function listRuns(db: Db, f: RunFilter): Promise<RunRow[]> {
  const { rows } = await db.query<RunRow>(
    `SELECT ${COLUMNS} FROM wishlist_alert_runs r
      WHERE ($1::text IS NULL OR r.job = $1) AND ($2::text IS NULL OR r.status = $2)
        AND ($3::bigint IS NULL OR r.id < $3)
      ORDER BY r.id DESC LIMIT $4`,
    [f.job ?? null, f.status ?? null, f.before ?? null, f.limit],
  );
  return rows;
}

/** The latest run of each job, and the one running now if any, in one query. */
export async function latestRuns(db: Db, jobs: readonly string[]): Promise<Map<string, { last: RunRow | null; running: RunRow | null }>> {
  const { rows } = await db.query<RunRow & { kind: 'last' | 'running' }>(
    `SELECT 'last' AS kind, l.* FROM unnest($1::text[]) AS j(name)
       CROSS JOIN LATERAL (SELECT ${COLUMNS} FROM wishlist_alert_runs r WHERE r.job = j.name ORDER BY r.id DESC LIMIT 1) l
     UNION ALL
     SELECT 'running' AS kind, ${COLUMNS} FROM wishlist_alert_runs r
      WHERE r.job = ANY($1::text[]) AND r.status = 'running' AND r.lease_until >= now()`,
    [jobs],
  );
  const out = new Map(jobs.map((j) => [j, { last: null as RunRow | null, running: null as RunRow | null }]));
  for (const { kind, ...row } of rows) out.get(row.job)![kind === 'last' ? 'last' : 'running'] = row as RunRow;
  return out;
}

/** True when the job has run before `slot` but nothing has served that slot: a tick missed while down. */
export async function wasMissed(db: Db, job: string, slot: Date): Promise<boolean> {
  const { rows } = await db.query<{ missed: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM wishlist_alert_runs WHERE job = $1 AND started_at < $2)
            AND NOT EXISTS (SELECT 1 FROM wishlist_alert_runs WHERE job = $1 AND (slot >= $2 OR started_at >= $2)) AS missed`,
    [job, slot],
  );
  return rows[0].missed;
}

/** When each job last finished a run successfully, on any instance. */
export async function lastSuccesses(db: Db, jobs: readonly string[]): Promise<Map<string, Date>> {
  const { rows } = await db.query<{ job: string; at: Date }>(
    `SELECT job, max(finished_at) AS at FROM wishlist_alert_runs
      WHERE job = ANY($1::text[]) AND status = 'succeeded' GROUP BY job`,
    [jobs],
  );
  return new Map(rows.map((r) => [r.job, r.at]));
}
