import type { Pool, QueryConfig } from 'pg';

/**
 * How long /healthz and the admin requests wait for the database to answer before they say
 * it does not: a probe, or a person at the console, gives up after a few seconds.
 */
export const DATABASE_DEADLINE_MS = 3000;

/** The database gave no answer within the deadline: the one error handler answers 503. */
export class DatabaseNotAnsweringError extends Error {
  constructor(readonly deadlineMs: number) {
    super(`Database not answering: no answer within ${deadlineMs / 1000} s`);
    this.name = 'DatabaseNotAnsweringError';
  }
}

/**
 * Asks the database whether it answers: `SELECT 1` through the pool. Waiting for a
 * connection counts (a frozen database holds every one it has). Callers at the same moment
 * share one probe in flight. A request waits `quietMs` before its first probe (most are
 * answered by then, and cost none), so a probe has the rest of the deadline.
 */
export class DatabaseProbe {
  private inFlight: Promise<void> | null = null;
  readonly quietMs: number;
  readonly probeMs: number;

  constructor(private readonly pool: Pick<Pool, 'query'>, readonly deadlineMs = DATABASE_DEADLINE_MS) {
    this.quietMs = Math.min(500, deadlineMs / 4);
    this.probeMs = deadlineMs - this.quietMs;
  }

  /**
   * Resolves when the database answered within probeMs; else rejects with
   * DatabaseNotAnsweringError, or the driver's own error when it failed sooner.
   */
  answers(): Promise<void> {
    this.inFlight ??= this.probe().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async probe(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DatabaseNotAnsweringError(this.deadlineMs)), this.probeMs);
    });
    // query_timeout frees the connection at the deadline too (node-postgres reads it per query).
    const query = this.pool.query({ text: 'SELECT 1', query_timeout: this.probeMs } as QueryConfig);
    query.catch(() => undefined); // settles after the deadline when the database is frozen
    try {
      await Promise.race([query, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * The work of one request, bounded by the database's answers: settles as `work` does, or
 * rejects with DatabaseNotAnsweringError as soon as a probe goes unanswered while it is
 * still pending. Work that is slow on a database that answers (a check at a million
 * wishlists) goes on; a frozen database is told within the probe's deadline. What `work`
 * does after that is its own business (a run keeps its lease until it fails or expires).
 */
export function whileDatabaseAnswers<T>(probe: DatabaseProbe, work: Promise<T>): Promise<T> {
  let pending = true;
  let timer: NodeJS.Timeout | undefined;
  const settled = work.finally(() => {
    pending = false;
    clearTimeout(timer);
  });
  const watchdog = new Promise<never>((_, reject) => {
    const next = (delay: number) => {
      timer = setTimeout(() => {
        const started = Date.now();
        probe.answers().then(
          () => pending && next(Math.max(0, probe.probeMs - (Date.now() - started))),
          (err) => pending && reject(err),
        );
      }, delay);
    };
    next(probe.quietMs);
  });
  return Promise.race([settled, watchdog]);
}
