import { mkdtempSync } from 'fs';
import os from 'os';
import path from 'path';
import { Spawned, spawnTs } from './spawnTs';

export const SERVER_TOKEN = 'process-test-token-0123456789';

/** The boot banner's first line: the address the server listens on (0.0.0.0 by default, [::] or an address with HOST). */
export const LISTENING = /listening on http:\/\/(?:\[[^\]\s]+\]|[^\s:/]+):(\d+)/;

export interface ServerProcess extends Spawned {
  port: number;
  url(p: string): string;
  /** POST with the admin token; resolves with status and body. */
  post(p: string): Promise<{ status: number; body: any }>;
  get(p: string): Promise<{ status: number; body: any }>;
  stop(): Promise<number | null>;
}

/**
 * Starts server/src/index.ts as a real process and waits until it listens (`bootMs`: how
 * long it may take; several booting at once on a loaded machine take longer).
 */
export async function startServer(env: Record<string, string>, opts: { bootMs?: number } = {}): Promise<ServerProcess> {
  const proc = spawnTs('server/src/index.ts', {
    ADMIN_API_TOKEN: SERVER_TOKEN,
    PORT: '0',
    LOG_LEVEL: 'info',
    // Sales are announced at once here; the settle time has tests of its own.
    WISHLIST_SALE_SETTLE_SECONDS: '0',
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'wl-data-')),
    ...env,
  });
  let port: number;
  try {
    port = Number((await proc.waitFor(LISTENING, opts.bootMs ?? 30_000))[1]);
  } catch (err) {
    proc.child.kill('SIGKILL');
    throw err;
  }
  const url = (p: string) => `http://127.0.0.1:${port}${p}`;
  const call = async (method: string, p: string) => {
    const res = await fetch(url(p), { method, headers: { Authorization: `Bearer ${SERVER_TOKEN}` } });
    return { status: res.status, body: await res.json().catch(() => null) };
  };
  return {
    ...proc,
    port,
    url,
    post: (p) => call('POST', p),
    get: (p) => call('GET', p),
    async stop() {
      if (proc.child.exitCode !== null) return proc.child.exitCode;
      proc.child.kill('SIGTERM');
      return proc.exited;
    },
  };
}
