import { chmodSync, mkdtempSync, rmSync } from 'fs';
import os from 'os';
import path from 'path';
import { startEmbeddedPostgres } from '../../src/db/embedded';
import { silentLogger } from '../../src/logger';

export interface PostgresServer {
  /** A URL on the server to connect to for CREATE/DROP DATABASE. */
  adminUrl: string;
  stop(): Promise<void>;
}

/** DATABASE_URL's server when set; otherwise a throwaway embedded PostgreSQL in a temp dir. */
export async function openServer(): Promise<PostgresServer> {
  if (process.env.DATABASE_URL) return { adminUrl: process.env.DATABASE_URL, stop: async () => undefined };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wishlist-alerts-pg-'));
  chmodSync(dir, 0o755); // as root, PostgreSQL runs as the 'postgres' user and must reach it
  const server = await startEmbeddedPostgres(path.join(dir, 'postgres'), silentLogger());
  return {
    adminUrl: server.adminUrl,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
