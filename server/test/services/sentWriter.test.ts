import { silentLogger } from '../../src/logger';
import type { RecordOptions, SentRecord } from '../../src/db/outbox/record';
import { SentWriter } from '../../src/services/delivery/SentWriter';

/** A record of one email; only its message id matters to these tests. */
function record(id: string): SentRecord {
  return {
    messageIds: [id], emailId: `<${id}@x>`, response: '250', items: [],
    log: { templateType: 't', recipient: 'a@b.example', recipientName: null, subject: 's', metadata: { messageId: `<${id}@x>` } },
  };
}

/** A database error as node-postgres reports it. */
function pgError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('SentWriter: one refused record does not cost the others theirs', () => {
  test('a shared write refused for one record is written again one by one; that one without the shop\'s logs', async () => {
    const writes: Array<{ ids: string[]; shopLogs: boolean }> = [];
    const write = async (records: SentRecord[], opts: RecordOptions = {}) => {
      const ids = records.flatMap((r) => r.messageIds);
      if (ids.includes('bad') && opts.shopLogs !== false) throw pgError('22003', 'numeric field overflow');
      writes.push({ ids, shopLogs: opts.shopLogs !== false });
    };
    const writer = new SentWriter(write, silentLogger(), 3);
    const results = await Promise.allSettled(['one', 'bad', 'two'].map((id) => writer.add(record(id))));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(writes).toEqual([
      { ids: ['one'], shopLogs: true },
      { ids: ['bad'], shopLogs: false },
      { ids: ['two'], shopLogs: true },
    ]);
  });

  test('a record refused even without the shop\'s logs fails alone', async () => {
    const written: string[] = [];
    const writer = new SentWriter(async (records) => {
      const ids = records.flatMap((r) => r.messageIds);
      if (ids.includes('bad')) throw pgError('23502', 'null value violates not-null constraint');
      written.push(...ids);
    }, silentLogger(), 2);
    const [good, bad] = await Promise.allSettled([writer.add(record('good')), writer.add(record('bad'))]);
    expect(good.status).toBe('fulfilled');
    expect(bad).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ code: '23502' }) });
    expect(written).toEqual(['good']);
  });

  test('a database that cannot be reached fails every waiting record, after retrying', async () => {
    let calls = 0;
    const writer = new SentWriter(async () => {
      calls += 1;
      throw pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432');
    }, silentLogger(), 2);
    const results = await Promise.allSettled([writer.add(record('a')), writer.add(record('b'))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(5); // the shared write, retried; never split into one write per record
  }, 10_000);
});
