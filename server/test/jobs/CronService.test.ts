import { RunAbandonedError } from '../../src/jobs/types';
import { CronService, JobBusyError, UnknownJobError } from '../../src/jobs/CronService';
import { silentLogger } from '../../src/logger';

const UTC = 'UTC';

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('CronService', () => {
  let cron: CronService;
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-03-01T10:59:30.000Z') });
    cron = new CronService({ logger: silentLogger() });
  });
  afterEach(async () => {
    await cron.stop();
    jest.useRealTimers();
  });

  test('a started job fires at its schedule and records the run as scheduled', async () => {
    const handler = jest.fn(async () => ({ checked: 3 }));
    cron.addJob('hourly', { schedule: '0 * * * *', enabled: true, description: 'd', timezone: UTC }, handler);
    cron.start();
    await jest.advanceTimersByTimeAsync(29_000);
    expect(handler).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(2_000);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0]).toEqual([
      { trigger: 'scheduled', scheduledAt: new Date('2026-03-01T11:00:00.000Z'), by: null, log: expect.objectContaining({ info: expect.any(Function) }) },
    ]);
    // The run's logger names the job and the run on every line.
    expect((handler.mock.calls[0] as unknown as [{ log: { bindings(): object } }])[0].log.bindings()).toMatchObject({ job: 'hourly', trigger: 'scheduled' });
    const job = cron.getJob('hourly')!;
    expect(job.lastRun).toMatchObject({ trigger: 'scheduled', status: 'succeeded', result: { checked: 3 }, error: null });
    expect(job.nextRun).toBe('2026-03-01T12:00:00.000Z');
  });

  test('nextRun and nextRuns are the true next fire times in the job timezone', () => {
    cron.addJob('ny', { schedule: '0 9 * * *', enabled: true, description: 'd', timezone: 'America/New_York' }, async () => 1);
    const job = cron.getJob('ny')!;
    // 09:00 in New York is 14:00 UTC in March before DST (EST, UTC-5).
    expect(job.nextRuns).toEqual(['2026-03-01T14:00:00.000Z', '2026-03-02T14:00:00.000Z', '2026-03-03T14:00:00.000Z']);
    expect(job.nextRun).toBe(job.nextRuns[0]);
  });

  test('a disabled job is listed as disabled, has no next run, and never fires', async () => {
    const handler = jest.fn(async () => 1);
    cron.addJob('off', { schedule: '* * * * *', enabled: false, description: 'd', timezone: UTC }, handler);
    cron.start();
    await jest.advanceTimersByTimeAsync(5 * 60_000);
    expect(handler).not.toHaveBeenCalled();
    expect(cron.listJobs()).toEqual([expect.objectContaining({ name: 'off', running: false, nextRun: null, nextRuns: [] })]);
    expect(cron.getJob('off')!.config.enabled).toBe(false);
  });

  test('a manual trigger answers with the result and is refused while a scheduled run is in progress', async () => {
    const gate = deferred();
    let calls = 0;
    cron.addJob('slow', { schedule: '* * * * *', enabled: true, description: 'd', timezone: UTC }, async ({ trigger }) => {
      calls++;
      if (trigger === 'scheduled') await gate.promise;
      return trigger;
    });
    cron.start();
    await jest.advanceTimersByTimeAsync(31_000); // the 11:00 tick starts a run that waits on the gate
    expect(cron.getJob('slow')!.running).toBe(true);
    await expect(cron.trigger('slow')).rejects.toBeInstanceOf(JobBusyError);
    gate.resolve();
    await jest.advanceTimersByTimeAsync(0);
    expect(cron.getJob('slow')!.running).toBe(false);
    await expect(cron.trigger('slow')).resolves.toBe('manual');
    expect(calls).toBe(2);
    expect(cron.getJob('slow')!.lastRun).toMatchObject({ trigger: 'manual', status: 'succeeded' });
  });

  test('a scheduled tick while a manual run is in progress is skipped, not overlapped', async () => {
    const gate = deferred();
    const handler = jest.fn(async () => gate.promise);
    cron.addJob('guarded', { schedule: '* * * * *', enabled: true, description: 'd', timezone: UTC }, handler);
    cron.start();
    const manual = cron.trigger('guarded');
    await jest.advanceTimersByTimeAsync(3 * 60_000);
    expect(handler).toHaveBeenCalledTimes(1);
    gate.resolve();
    await manual;
  });

  test("a failing handler's error is recorded, thrown to a manual caller, and never an unhandled rejection", async () => {
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    cron.addJob('broken', { schedule: '* * * * *', enabled: true, description: 'd', timezone: UTC }, async () => {
      throw new Error('database on fire');
    });
    cron.start();
    await jest.advanceTimersByTimeAsync(31_000);
    expect(cron.getJob('broken')!.lastRun).toMatchObject({ trigger: 'scheduled', status: 'failed', error: 'database on fire' });
    await expect(cron.trigger('broken')).rejects.toThrow('database on fire');
    jest.useRealTimers();
    await new Promise((r) => setImmediate(r));
    process.off('unhandledRejection', unhandled);
    expect(unhandled).not.toHaveBeenCalled();
  });

  test('stop() stops the ticks and waits for the run in progress', async () => {
    const gate = deferred();
    const handler = jest.fn(async () => gate.promise);
    cron.addJob('long', { schedule: '* * * * *', enabled: true, description: 'd', timezone: UTC }, handler);
    cron.start();
    await jest.advanceTimersByTimeAsync(31_000);
    let stopped = false;
    const stopping = cron.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(stopped).toBe(true);
    await jest.advanceTimersByTimeAsync(5 * 60_000);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  test('stop(timeout) gives up waiting after the timeout and says so', async () => {
    const gate = deferred();
    cron.addJob('stuck', { schedule: '* * * * *', enabled: true, description: 'd', timezone: UTC }, () => gate.promise);
    const run = cron.trigger('stuck').catch((err) => err);
    const result = cron.stop(1000);
    await jest.advanceTimersByTimeAsync(1000);
    await expect(result).resolves.toBe(false);
    expect(cron.getJob('stuck')!.running).toBe(true);
    // The caller that triggered it is told, rather than left waiting.
    expect(await run).toBeInstanceOf(RunAbandonedError);
    gate.resolve();
  });

  test('unknown jobs, duplicate names and invalid schedules are refused', async () => {
    await expect(cron.trigger('nope')).rejects.toBeInstanceOf(UnknownJobError);
    const config = { schedule: '* * * * *', enabled: true, description: 'd', timezone: UTC };
    cron.addJob('one', config, async () => 1);
    expect(() => cron.addJob('one', config, async () => 1)).toThrow(/already registered/);
    expect(() => cron.addJob('bad', { ...config, schedule: '61 * * * *' }, async () => 1)).toThrow(/invalid cron expression/);
  });
});
