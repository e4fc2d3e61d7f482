import type { ServerProcess } from './serverProcess';
import { SmtpSink } from './smtpSink';
import { createTestDatabase, TestDatabase } from './testDatabase';

export interface ProcessFixture {
  db: TestDatabase;
  sink: SmtpSink;
  /** Servers started by the test: killed (SIGKILL) afterwards if still running. */
  servers: ServerProcess[];
}

/** A database and an SMTP sink per test (or per file), and cleanup of the server processes. */
export function processFixture(scope: 'each' | 'all' = 'each'): ProcessFixture {
  const f = { servers: [] } as unknown as ProcessFixture;
  const [before, after] = scope === 'each' ? [beforeEach, afterEach] : [beforeAll, afterAll];
  before(async () => {
    f.db = await createTestDatabase();
    f.sink = await SmtpSink.start();
  });
  after(async () => {
    for (const s of f.servers.splice(0)) s.child.kill('SIGKILL');
    await f.sink.stop();
    await f.db.drop();
  });
  return f;
}
