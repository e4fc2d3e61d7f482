import { Pool, PoolClient, QueryResultRow } from 'pg';
import type { Logger } from '../logger';
import { errorMessage } from '../errorMessage';
import { maskSecrets, maskUrl } from '../maskSecrets';

/** The narrow interface repositories need: a Pool, a client in a transaction, or a test double. */
export interface Db {
  query<R extends QueryResultRow = any>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** A pool or a client: what a named statement needs (each connection plans it once and keeps the plan). */
export type Queryable = Pick<Pool, 'query'>;

/** Beyond the server's statement_timeout, how long the client waits before it gives a connection up. */
const CLIENT_GRACE_MS = 5000;

/**
 * Creates the process's one Pool. The error listener matters: an idle client whose
 * server goes away (restart, failover, embedded PostgreSQL stopping) emits 'error',
 * which would otherwise crash the process.
 *
 * Every query has a bounded time. PostgreSQL cancels a statement after statementTimeoutMs
 * and the connection stays usable; the client's own query_timeout, a little later, ends a
 * query on a connection that stopped answering altogether (a frozen network path sends no
 * error, and would hold a request or a job run forever).
 */
export function createPool(connectionString: string, logger: Logger, opts: { max?: number; statementTimeoutMs?: number } = {}): Pool {
  const statementTimeoutMs = opts.statementTimeoutMs ?? 60_000;
  const pool = new Pool({
    connectionString,
    max: opts.max ?? 10,
    connectionTimeoutMillis: 5000,
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + CLIENT_GRACE_MS,
  });
  pool.on('error', (err) => logger.warn({ err: err.message }, 'PostgreSQL connection lost (idle client); the pool will reconnect'));
  return pool;
}

/** Runs `work` in one transaction on one checked-out client; rolls back on any error. */
export async function withTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A checked-out client whose connection dies emits 'error' besides failing its query;
  // unheard, that event would crash the process. The failing query reports the problem.
  const ignore = () => undefined;
  client.on('error', ignore);
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    broken = isDatabaseUnavailable(err);
    if (!broken) await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.removeListener('error', ignore);
    client.release(broken); // a broken connection is discarded, not returned to the pool
  }
}

/**
 * Runs an idempotent statement, again (up to `attempts` times) when it failed because its
 * connection was lost: after the server terminated its backends, a pool can hand out an
 * idle client whose connection is already dead before it hears of it; the failed one is
 * discarded, and the next try gets another.
 */
export async function retryOnLostConnection<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= attempts || !isDatabaseUnavailable(err) || findCode(err) === 'ECONNREFUSED') throw err;
    }
  }
}

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', '3D000']);

/** Says where the database is (passwords masked) when it cannot be reached, else the error's message. */
export function describeDatabaseError(err: unknown, url: string): string {
  if (!isDatabaseUnavailable(err)) return maskSecrets(errorMessage(err));
  return `cannot reach PostgreSQL at ${maskUrl(url)} (${maskSecrets(errorMessage(err))}); is it running, and is DATABASE_URL right?`;
}

/** Unreachable, or a statement PostgreSQL cancelled at DATABASE_STATEMENT_TIMEOUT_MS: callers answer 503. */
export function isDatabaseUnavailableOrSlow(err: unknown): boolean {
  return isDatabaseUnavailable(err) || findCode(err) === STATEMENT_TIMEOUT;
}

/** PostgreSQL's query_canceled: for our statements, one that outran the statement timeout. */
const STATEMENT_TIMEOUT = '57014';

/**
 * A short reason a database error stands for, for answers outside the server (the
 * admin API): never the driver's message, which names hosts and ports.
 */
export function databaseUnavailableReason(err: unknown): string {
  const code = findCode(err);
  if (code === STATEMENT_TIMEOUT) return 'a statement ran longer than DATABASE_STATEMENT_TIMEOUT_MS';
  if (code && /^[A-Z0-9]{5,}$/.test(code)) return code;
  const message = errorMessage(err);
  if (/Query read timeout/i.test(message)) return 'no answer in time';
  if (/timeout/i.test(message)) return 'connection timeout';
  return 'connection lost';
}

function findCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const cause = (err as { cause?: unknown }).cause;
  return cause !== err ? findCode(cause) : undefined;
}

/** True when an error means the database cannot be reached (as opposed to a bad query). */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const cause = (err as { cause?: unknown }).cause;
  if (cause !== undefined && cause !== err && isDatabaseUnavailable(cause)) return true;
  const code = (err as { code?: string }).code;
  if (code && UNAVAILABLE_CODES.has(code)) return true;
  // 'Query read timeout': the client's query_timeout, on a connection that stopped answering.
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout/i.test(errorMessage(err));
}

/**
 * SQL for an address as admins and shopper pages show it: j***@example.com. Only the first
 * character and a clean domain at the very end are shown, whatever else the column holds.
 */
export function maskedEmailSql(column: string): string {
  return `(left(btrim(${column}), 1) || '***' || coalesce('@' || substring(btrim(${column}) from '@([A-Za-z0-9.-]{1,253})$'), ''))`;
}
