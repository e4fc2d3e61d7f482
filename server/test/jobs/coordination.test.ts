import request from 'supertest';
import { CronService, JobBusyError } from '../../src/jobs/CronService';
import { PgRunCoordinator } from '../../src/jobs/PgRunCoordinator';
import { silentLogger } from '../../src/logger';
import { ADMIN_TOKEN, Stack, startStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const config = { schedule: '0 * * * *', enabled: true, description: 'd', timezone: 'UTC' };

describe('runs coordinated through PostgreSQL', () => {
  let s: Stack;
  const crons: CronService[] = [];
  beforeEach(async () => {
    s = await startStack();
  });
  afterEach(async () => {
    await Promise.all(crons.splice(0).map((c) => c.stop()));
    await s.close();
  });

  function instance(id: string, leaseMs = 60_000, policy: 'once' | 'skip' = 'once') {
    const coordinator = new PgRunCoordinator(s.db.pool, id, leaseMs);
    const cron = new CronService({ logger: silentLogger(), coordinator, missedRunPolicy: policy });
    crons.push(cron);
    return { cron, coordinator };
  }

  async function runs() {
    const { rows } = await s.db.pool.query('SELECT job, slot, trigger, instance_id, status, error FROM wishlist_alert_runs ORDER BY id');
    return rows;
  }

  test('when two instances claim the same scheduled slot, exactly one runs it', async () => {
    const a = instance('a').coordinator;
    const b = instance('b').coordinator;
    const slot = new Date('2026-01-01T10:00:00Z');
    const claims = await Promise.all([a.claim('job', { trigger: 'scheduled', scheduledAt: slot, by: null }), b.claim('job', { trigger: 'scheduled', scheduledAt: slot, by: null })]);
    expect(claims.filter((c) => c !== null)).toHaveLength(1);
    await a.finish(claims[0] ?? claims[1]!, 'succeeded', { ok: 1 }, null);
    expect(await b.claim('job', { trigger: 'scheduled', scheduledAt: slot, by: null })).toBeNull(); // the slot stays served
    expect(await b.claim('job', { trigger: 'scheduled', scheduledAt: new Date('2026-01-01T11:00:00Z'), by: null })).not.toBeNull();
  });

  test('a manual trigger on one instance is refused while the job runs on another', async () => {
    const gate = deferred();
    const a = instance('a').cron;
    const b = instance('b').cron;
    a.addJob('job', config, async () => gate.promise.then(() => 'a'));
    b.addJob('job', config, async () => 'b');
    const running = a.trigger('job');
    await waitFor(async () => (await runs()).some((r) => r.status === 'running'), 'the run to start');
    await expect(b.trigger('job')).rejects.toBeInstanceOf(JobBusyError);
    gate.resolve();
    await expect(running).resolves.toBe('a');
    await expect(b.trigger('job')).resolves.toBe('b');
    expect((await runs()).map((r) => [r.instance_id, r.trigger, r.status])).toEqual([
      ['a', 'manual', 'succeeded'],
      ['b', 'manual', 'succeeded'],
    ]);
  });

  test('a run whose instance died is marked abandoned once its lease expires, and blocks nothing after', async () => {
    const dead = instance('dead', 200).coordinator;
    expect(await dead.claim('job', { trigger: 'manual', scheduledAt: null, by: null })).not.toBeNull(); // never renewed nor finished
    const alive = instance('alive').cron;
    alive.addJob('job', config, async () => 'ran');
    await expect(alive.trigger('job')).rejects.toBeInstanceOf(JobBusyError);
    // Once the dead run's lease has run out, the next claim marks it abandoned and runs.
    await waitFor(async () => (await alive.trigger('job').catch((err) => err)) === 'ran', "the dead run's lease to run out");
    const [first, second] = await runs();
    expect(first).toMatchObject({ instance_id: 'dead', status: 'abandoned', error: expect.stringContaining('lease') });
    expect(second).toMatchObject({ instance_id: 'alive', status: 'succeeded' });
  });

  test('a long run keeps its lease alive with a heartbeat', async () => {
    const gate = deferred();
    const a = instance('a', 300).cron;
    const b = instance('b', 300).cron;
    a.addJob('job', config, async () => gate.promise);
    b.addJob('job', config, async () => 'b');
    const running = a.trigger('job');
    // Three leases long: a heartbeat renewed the lease (lease_until = renewal + 300 ms) after 900 ms.
    await waitFor(
      async () => (await s.db.pool.query(`SELECT 1 FROM wishlist_alert_runs WHERE status = 'running' AND lease_until > started_at + interval '1200 milliseconds'`)).rowCount === 1,
      'the lease to be renewed past three lease lengths',
    );
    await expect(b.trigger('job')).rejects.toBeInstanceOf(JobBusyError);
    gate.resolve();
    await running;
    expect((await runs())[0]).toMatchObject({ instance_id: 'a', status: 'succeeded' });
  });

  test('a failed run is recorded with its error', async () => {
    const a = instance('a').cron;
    a.addJob('job', config, async () => {
      throw new Error('mail server on fire');
    });
    await expect(a.trigger('job')).rejects.toThrow('mail server on fire');
    expect(await runs()).toEqual([expect.objectContaining({ status: 'failed', error: 'mail server on fire' })]);
  });

  test.each([
    ['once', 1],
    ['skip', 0],
  ] as const)('with policy %s, a tick missed while no instance was up runs %i time(s) after boot', async (policy, expected) => {
    // The job last ran three hours ago; the hourly slots since were missed.
    await s.db.pool.query(
      `INSERT INTO wishlist_alert_runs (job, slot, trigger, instance_id, status, started_at, finished_at, lease_until)
       VALUES ('job', date_trunc('hour', now()) - interval '3 hours', 'scheduled', 'old', 'succeeded',
               date_trunc('hour', now()) - interval '3 hours', date_trunc('hour', now()) - interval '3 hours', now())`,
    );
    const ran: string[] = [];
    const cron = instance('new', 60_000, policy).cron;
    cron.addJob('job', config, async ({ trigger }) => ran.push(trigger));
    await cron.start();
    expect(ran).toEqual(expected ? ['catch-up'] : []);
    const catchUps = (await runs()).filter((r) => r.trigger === 'catch-up');
    expect(catchUps).toHaveLength(expected);
    if (expected) expect(new Date(catchUps[0].slot).getUTCMinutes()).toBe(0);
    // A second instance booting right after does not run it again.
    const again: string[] = [];
    const second = instance('second', 60_000, policy).cron;
    second.addJob('job', config, async ({ trigger }) => again.push(trigger));
    await second.start();
    expect(again).toEqual([]);
  });

  test('on a fresh install (no history) nothing counts as missed', async () => {
    const ran: string[] = [];
    const cron = instance('new').cron;
    cron.addJob('job', config, async ({ trigger }) => ran.push(trigger));
    await cron.start();
    expect(ran).toEqual([]);
  });

  test('GET /runs lists the history newest first, filtered and paged, and /status says who ran last', async () => {
    const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
    for (let i = 0; i < 3; i++) await request(s.app).post('/api/admin/wishlist-jobs/trigger-sale-check').set(auth).expect(200);
    await request(s.app).post('/api/admin/wishlist-jobs/trigger-stock-check').set(auth).expect(200);

    const all = await request(s.app).get('/api/admin/wishlist-jobs/runs').set(auth).expect(200);
    expect(all.body.data.runs.map((r: { job: string }) => r.job)).toEqual([
      'wishlist-stock-check', 'wishlist-sale-check', 'wishlist-sale-check', 'wishlist-sale-check',
    ]);
    expect(all.body.data.runs[0]).toMatchObject({
      trigger: 'manual', status: 'succeeded', instanceId: expect.any(String), durationMs: expect.any(Number),
      result: { checked: 0, notified: 0, emails: 0, errors: 0 },
    });

    const page1 = await request(s.app).get('/api/admin/wishlist-jobs/runs?job=wishlist-sale-check&limit=2').set(auth).expect(200);
    expect(page1.body.data.runs).toHaveLength(2);
    const page2 = await request(s.app)
      .get(`/api/admin/wishlist-jobs/runs?job=wishlist-sale-check&limit=2&before=${page1.body.data.nextBefore}`)
      .set(auth)
      .expect(200);
    expect(page2.body.data).toEqual({ runs: [expect.objectContaining({ job: 'wishlist-sale-check' })], nextBefore: null });
    const failed = await request(s.app).get('/api/admin/wishlist-jobs/runs?status=failed').set(auth).expect(200);
    expect(failed.body.data.runs).toEqual([]);

    expect((await request(s.app).get('/api/admin/wishlist-jobs/runs?limit=0').set(auth)).status).toBe(400);
    expect((await request(s.app).get('/api/admin/wishlist-jobs/runs?status=odd').set(auth)).status).toBe(400);
    expect((await request(s.app).get('/api/admin/wishlist-jobs/runs')).status).toBe(401);

    const status = await request(s.app).get('/api/admin/wishlist-jobs/status').set(auth).expect(200);
    expect(status.body.data.saleCheck.lastRun).toMatchObject({ trigger: 'manual', instanceId: expect.any(String) });
  });
});
