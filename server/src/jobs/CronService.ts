import cron, { ScheduledTask } from 'node-cron';
import type { Logger } from '../logger';
import { errorMessage } from '../errorMessage';

export interface JobConfig {
  schedule: string;
  enabled: boolean;
  description: string;
  timezone: string;
}

export type RunTrigger = 'scheduled' | 'manual';

export interface JobRun {
  trigger: RunTrigger;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  status: 'running' | 'succeeded' | 'failed';
  result: unknown;
  error: string | null;
}

export interface JobView {
  name: string;
  config: JobConfig;
  running: boolean;
  lastRun: JobRun | null;
  /** The true next fire time (ISO 8601), null when disabled or stopped for good. */
  nextRun: string | null;
  nextRuns: string[];
}

export type JobHandler<T = unknown> = (ctx: { trigger: RunTrigger; scheduledAt: Date | null }) => Promise<T>;

export class UnknownJobError extends Error {
  constructor(readonly job: string) {
    super(`No job named '${job}'`);
    this.name = 'UnknownJobError';
  }
}

export class JobBusyError extends Error {
  constructor(readonly job: string) {
    super(`Job '${job}' is already running`);
    this.name = 'JobBusyError';
  }
}

interface Job {
  name: string;
  config: JobConfig;
  handler: JobHandler;
  task: ScheduledTask;
  current: Promise<unknown> | null;
  lastRun: JobRun | null;
}

/**
 * The process's one scheduler. node-cron parses and fires; this class adds the registry,
 * one overlap guard shared by scheduled and manual runs (node-cron's own guard does not
 * cover execute()), a record of the last run, and a stop() that waits for runs in progress.
 */
export class CronService {
  private readonly jobs = new Map<string, Job>();
  private started = false;
  private stopped = false;

  constructor(private readonly deps: { logger: Logger }) {}

  addJob<T>(name: string, config: JobConfig, handler: JobHandler<T>): void {
    if (this.jobs.has(name)) throw new Error(`Job '${name}' is already registered`);
    if (!cron.validate(config.schedule)) throw new Error(`Job '${name}': invalid cron expression '${config.schedule}'`);
    const log = this.deps.logger;
    const task = cron.createTask(
      config.schedule,
      (ctx) => {
        this.runScheduled(name, ctx.date);
      },
      {
        name,
        timezone: config.timezone,
        logger: {
          info: (m) => log.debug({ job: name }, m),
          warn: (m) => log.warn({ job: name }, m),
          error: (m, err) => log.error({ job: name, err }, String(m)),
          debug: (m) => log.debug({ job: name }, String(m)),
        },
      },
    );
    this.jobs.set(name, { name, config: { ...config }, handler: handler as JobHandler, task, current: null, lastRun: null });
    if (config.enabled) {
      log.info(`✅ Cron job '${name}' scheduled: ${config.schedule} (${config.description})`);
      if (this.started) task.start();
    } else {
      log.info(`⏸️  Cron job '${name}' disabled: ${config.schedule} (${config.description})`);
    }
  }

  /** Starts firing every enabled job. */
  start(): void {
    this.started = true;
    for (const job of this.jobs.values()) if (job.config.enabled) job.task.start();
  }

  /** Stops firing, then waits for runs in progress (up to timeoutMs); true if they all finished. */
  async stop(timeoutMs = Infinity): Promise<boolean> {
    this.stopped = true;
    for (const job of this.jobs.values()) await job.task.stop();
    const running = [...this.jobs.values()].map((j) => j.current).filter((p): p is Promise<unknown> => p !== null);
    if (running.length === 0) return true;
    this.deps.logger.info(`⏳ Waiting for ${running.length} job run(s) in progress`);
    const all = Promise.allSettled(running).then(() => true);
    if (timeoutMs === Infinity) return all;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([all, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  getJob(name: string): JobView | undefined {
    const job = this.jobs.get(name);
    return job && this.view(job);
  }

  listJobs(): JobView[] {
    return [...this.jobs.values()].map((j) => this.view(j));
  }

  /**
   * Runs a job now and resolves with its result. Refuses (JobBusyError) while the job
   * runs, whether that run was scheduled or manual; a failing handler's error is recorded
   * and then thrown to the caller.
   */
  async trigger(name: string): Promise<unknown> {
    const job = this.jobs.get(name);
    if (!job) throw new UnknownJobError(name);
    if (job.current) throw new JobBusyError(name);
    return this.run(job, 'manual', null);
  }

  private runScheduled(name: string, scheduledAt: Date): void {
    const job = this.jobs.get(name)!;
    if (this.stopped) return;
    if (job.current) {
      this.deps.logger.warn({ job: name }, `⏭️  Skipped '${name}' at ${scheduledAt.toISOString()}: the previous run is still in progress`);
      return;
    }
    this.run(job, 'scheduled', scheduledAt).catch(() => undefined); // recorded and logged in run()
  }

  private run(job: Job, trigger: RunTrigger, scheduledAt: Date | null): Promise<unknown> {
    const started = Date.now();
    const record: JobRun = {
      trigger,
      startedAt: new Date(started).toISOString(),
      finishedAt: null,
      durationMs: null,
      status: 'running',
      result: null,
      error: null,
    };
    job.lastRun = record;
    const finish = (status: JobRun['status']) => {
      record.finishedAt = new Date().toISOString();
      record.durationMs = Date.now() - started;
      record.status = status;
      job.current = null;
    };
    const current = (async () => {
      try {
        const result = await job.handler({ trigger, scheduledAt });
        record.result = result ?? null;
        finish('succeeded');
        return result;
      } catch (err) {
        record.error = errorMessage(err);
        finish('failed');
        this.deps.logger.error({ job: job.name, trigger, err }, `❌ Error in ${job.name} job: ${record.error}`);
        throw err;
      }
    })();
    job.current = current;
    return current;
  }

  private view(job: Job): JobView {
    const nextRuns = job.config.enabled && !this.stopped ? job.task.getNextRuns(3).map((d) => d.toISOString()) : [];
    return {
      name: job.name,
      config: { ...job.config },
      running: job.current !== null,
      lastRun: job.lastRun && { ...job.lastRun },
      nextRun: nextRuns[0] ?? null,
      nextRuns,
    };
  }
}
