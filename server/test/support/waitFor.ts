/** Polls `condition` until it holds; fails naming `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits until a job run is recorded as running (a test holding it open with a lock). */
export function runStarted(db: { pool: { query(sql: string): Promise<{ rowCount: number | null }> } }): Promise<void> {
  return waitFor(async () => (await db.pool.query(`SELECT 1 FROM wishlist_alert_runs WHERE status = 'running'`)).rowCount === 1, 'the run to start');
}
