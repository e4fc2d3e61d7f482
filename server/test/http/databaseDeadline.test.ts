import type { Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import { silentLogger } from '../../src/logger';
import { DatabaseNotAnsweringError, DatabaseProbe, whileDatabaseAnswers } from '../../src/http/databaseDeadline';
import { startTcpProxy, TcpProxy } from '../support/tcpProxy';
import { createTestDatabase, TestDatabase } from '../support/testDatabase';

describe('work bounded by the database answering', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let pool: Pool;
  beforeEach(async () => {
    db = await createTestDatabase();
    proxy = await startTcpProxy(db.url);
    pool = createPool(proxy.url, silentLogger());
  });
  afterEach(async () => {
    await proxy.close();
    await pool.end();
    await db.drop();
  });

  test('work that outlasts several probes goes on while the database answers them', async () => {
    const probe = new DatabaseProbe(pool, 400);
    const { rows } = await whileDatabaseAnswers(probe, pool.query(`SELECT pg_sleep(1.5), 'done' AS outcome`));
    expect(rows[0].outcome).toBe('done');
  });

  test('work waiting on a frozen database rejects with DatabaseNotAnsweringError, long before its own query timeout', async () => {
    await pool.query('SELECT 1'); // a connection open before the freeze, as a running server has
    proxy.freeze();
    const probe = new DatabaseProbe(pool, 400);
    const work = pool.query('SELECT 1');
    work.catch(() => undefined); // ends when the proxy closes
    const err = await whileDatabaseAnswers(probe, work).catch((e) => e);
    expect(err).toBeInstanceOf(DatabaseNotAnsweringError);
    expect(err.message).toBe('Database not answering: no answer within 0.4 s');
  });

  test('work that settles first is not touched by a probe, and its error is its own', async () => {
    const probe = new DatabaseProbe(pool, 400);
    const err = await whileDatabaseAnswers(probe, pool.query('SELECT no_such_column FROM products')).catch((e) => e);
    expect(err.message).toMatch(/no_such_column/);
  });
});
