import { mkdtempSync, readdirSync, readFileSync } from 'fs';
import os from 'os';
import path from 'path';
import { LISTENING, SERVER_TOKEN } from '../support/serverProcess';
import { ROOT, spawnCommand } from '../support/spawnTs';
import { createTestDatabase, TestDatabase } from '../support/testDatabase';

jest.setTimeout(120_000);

/** The processes started under `pid` (children, their children, …), with their command lines. */
function descendants(pid: number): Array<{ pid: number; cmdline: string }> {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const found: Array<{ pid: number; cmdline: string }> = [];
  const visit = (p: number) => {
    for (const child of parents.get(p) ?? []) {
      try {
        found.push({ pid: child, cmdline: readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').join(' ').trim() });
      } catch {
        continue;
      }
      visit(child);
    }
  };
  visit(pid);
  return found;
}

describe('npm start', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  test('runs the compiled server (node dist/server/src/index.js, no TypeScript compiler): it answers /healthz and stops on SIGTERM', async () => {
    const npm = spawnCommand('npm', ['start', '--silent'], {
      DATABASE_URL: db.url,
      ADMIN_API_TOKEN: SERVER_TOKEN,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'wl-data-')),
    });
    try {
      const port = Number((await npm.waitFor(LISTENING))[1]);
      const nodes = descendants(npm.child.pid!).filter((p) => /(^|\/)node /.test(p.cmdline));
      const server = nodes.find((p) => p.cmdline.includes('dist/server/src/index.js'));
      expect(server).toBeDefined();
      expect(nodes.map((p) => p.cmdline).join('\n')).not.toMatch(/ts-node/);
      expect(readFileSync(`/proc/${server!.pid}/cwd/package.json`, 'utf8')).toBe(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ database: 'up' });

      process.kill(server!.pid, 'SIGTERM');
      expect(await npm.exited).toBe(0);
    } finally {
      if (npm.child.exitCode === null) {
        // npm's own children first: killed alone, npm would leave them running.
        for (const p of descendants(npm.child.pid!)) {
          try {
            process.kill(p.pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        npm.child.kill('SIGKILL');
      }
    }
  });
});
