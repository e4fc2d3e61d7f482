import { chmodSync, mkdtempSync, rmSync } from 'fs';
import os from 'os';
import path from 'path';
import { startEmbeddedPostgres } from '../../src/db/embedded';
import { silentLogger } from '../../src/logger';

export interface PostgresServer {
  /** A URL on the server to connect to for CREATE/DROP DATABASE. */
  adminUrl: string;
  stop(): Promise<void>;
  /** With stopOnSignal: work to do first when the script is interrupted (drop its database). */
  onInterrupt(cleanup: () => Promise<void>): void;
}

/**
 * DATABASE_URL's server when set; otherwise a throwaway embedded PostgreSQL in a temp dir.
 * `stopOnSignal`: a script that a user may stop with Ctrl-C (the bench) runs its interrupt
 * cleanups and stops the embedded server on SIGINT/SIGTERM, instead of leaving a database
 * or a postmaster behind.
 */
export async function openServer(opts: { stopOnSignal?: boolean } = {}): Promise<PostgresServer> {
  const cleanups: Array<() => Promise<void>> = [];
  let stopServer = async () => undefined as void;
  let adminUrl = process.env.DATABASE_URL ?? '';
  if (!adminUrl) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wishlist-alerts-pg-'));
    chmodSync(dir, 0o755); // as root, PostgreSQL runs as the 'postgres' user and must reach it
    const server = await startEmbeddedPostgres(path.join(dir, 'postgres'), silentLogger());
    adminUrl = server.adminUrl;
    stopServer = async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  let stopped: Promise<void> | null = null;
  const stop = () =>
    (stopped ??= (async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await stopServer();
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: cleaning up before exit\n`);
    (async () => {
      for (const cleanup of cleanups) await cleanup().catch(() => undefined);
      await stop();
    })().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  if (opts.stopOnSignal) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  return { adminUrl, stop, onInterrupt: (cleanup) => cleanups.push(cleanup) };
}
