import request from 'supertest';
import { listRuns } from '../../src/db/jobRuns';
import { ADMIN_TOKEN, Stack, startStack } from '../support/stack';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

/** The run history is ordered by run number, not by its text: 10 comes after 9. */
describe('run history order with more than ten runs', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack();
    // 14 finished runs of the sale check, the newest last, as the coordinator writes them.
    await s.db.pool.query(
      `INSERT INTO wishlist_alert_runs (job, trigger, instance_id, status, started_at, finished_at, lease_until, result)
       SELECT 'wishlist-sale-check', 'manual', 'i-1', 'succeeded', now() - make_interval(mins => 20 - g), now() - make_interval(mins => 20 - g),
              now(), jsonb_build_object('run', g)
         FROM generate_series(1, 14) g`,
    );
  });
  afterAll(() => s.close());

  test('the runs come newest first: 14, 13, …, 1', async () => {
    const runs = await listRuns(s.db.pool, { limit: 50 });
    expect(runs.map((r) => Number(r.id))).toEqual([14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  test('paging with before= walks every run once, in order', async () => {
    const seen: number[] = [];
    let before: string | null = null;
    do {
      const res: request.Response = await request(s.app).get(`/api/admin/wishlist-jobs/runs?limit=4${before ? `&before=${before}` : ''}`).set(auth).expect(200);
      seen.push(...res.body.data.runs.map((r: { id: string }) => Number(r.id)));
      before = res.body.data.nextBefore;
    } while (before);
    expect(seen).toEqual([14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  test("/status's lastRun is the newest run", async () => {
    const res = await request(s.app).get('/api/admin/wishlist-jobs/status').set(auth).expect(200);
    expect(res.body.data.saleCheck.lastRun).toMatchObject({ id: '14', result: { run: 14 } });
  });
});
