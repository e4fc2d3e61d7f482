import { Client, Pool } from 'pg';
import { createPool } from '../src/db/pool';
import { Logger, silentLogger } from '../src/logger';
import { openServer } from '../test/support/postgresServer';
import { databaseUrl } from '../test/support/urls';

/**
 * A bench's work on a database of its own, on DATABASE_URL's server when it is set (else an
 * embedded one): created before, dropped after, whatever the work does. Statements may run
 * for an hour: a bench's largest are what it measures.
 */
export async function onBenchDatabase(
  label: string,
  work: (db: { pool: Pool; logger: Logger }) => Promise<void>,
): Promise<void> {
  const server = await openServer();
  const name = `wl_bench_${label}_${process.pid}`;
  const admin = new Client({ connectionString: server.adminUrl });
  admin.on('error', () => undefined);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const logger = silentLogger();
  const pool = createPool(databaseUrl(server.adminUrl, name), logger, { statementTimeoutMs: 3_600_000 });
  try {
    await work({ pool, logger });
  } finally {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    await server.stop();
  }
}

/** A bench's entry point: its error's stack on stderr and exit code 1. */
export function runBench(main: () => Promise<void>): void {
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
