import { Cron } from 'croner';
import type { Logger } from '../logger';
import { errorMessage } from '../errorMessage';
import { cronPatternProblem } from './fireTimes';
import {
  FinishedRun, JobBusyError, JobConfig, JobHandler, JobRun, JobView, MissedRunPolicy, RunCoordinator, RunStart, UnknownJobError,
} from './types';
import { WaitingTriggers } from './waitingTriggers';
import { runningRecord } from './runRecord';

export * from './types';

interface Job {
  name: string;
  config: JobConfig;
  handler: JobHandler;
  task: Cron;
  current: Promise<unknown> | null;
  lastRun: JobRun | null;
}

/**
 * The process's one scheduler. croner parses and fires (and says when a schedule fired
 * last and will fire next); this class adds the registry, one overlap guard shared by
 * scheduled and manual runs, a record of the last run, and a stop() that waits for runs
 * in progress.
 */
export class CronService {
  private readonly jobs = new Map<string, Job>();
  private readonly finishedListeners: Array<(run: FinishedRun) => void> = [];
  /** Manual triggers waiting for their run: told when shutdown cuts the run off. */
  private readonly waitingTriggers = new WaitingTriggers();
  private started = false;
  private stopped = false;

  constructor(
    private readonly deps: {
      logger: Logger;
      coordinator?: RunCoordinator;
      missedRunPolicy?: MissedRunPolicy;
    },
  ) {}

  /** Calls `listener` after every run (metrics); a listener that throws is logged and ignored. */
  onRunFinished(listener: (run: FinishedRun) => void): void {
    this.finishedListeners.push(listener);
  }

  addJob<T>(name: string, config: JobConfig, handler: JobHandler<T>): void {
    if (this.jobs.has(name)) throw new Error(`Job '${name}' is already registered`);
    const problem = cronPatternProblem(config.schedule);
    if (problem) throw new Error(`Job '${name}': invalid cron expression '${config.schedule}' (${problem})`);
    const log = this.deps.logger;
    // Paused until start(); croner's callback receives the job, whose currentRun() is the
    // scheduled time this tick serves. A job without a name stays out of croner's global
    // registry, so two schedulers in one process (tests, two hosts) never collide.
    const task: Cron = new Cron(config.schedule, { timezone: config.timezone, paused: true }, (self: Cron) => {
      this.runScheduled(name, self.currentRun() ?? new Date());
    });
    this.jobs.set(name, { name, config: { ...config }, handler: handler as JobHandler, task, current: null, lastRun: null });
    if (config.enabled) {
      log.info(`✅ Cron job '${name}' scheduled: ${config.schedule} (${config.description})`);
      if (this.started && !this.stopped) task.resume();
    } else {
      log.info(`⏸️  Cron job '${name}' disabled: ${config.schedule} (${config.description})`);
    }
  }

  /**
   * Starts firing every enabled job. With missed-run policy 'once', a job whose last
   * scheduled time passed while no instance was up runs once now ('catch-up'); the
   * returned promise settles when those runs have.
   */
  start(): Promise<void> {
    this.started = true;
    const catchUps: Promise<unknown>[] = [];
    for (const job of this.jobs.values()) {
      if (!job.config.enabled) continue;
      job.task.resume();
      if (this.deps.coordinator && this.deps.missedRunPolicy !== 'skip') catchUps.push(this.catchUp(job));
    }
    return Promise.all(catchUps).then(() => undefined);
  }

  private async catchUp(job: Job): Promise<void> {
    const slot = job.task.previousRuns(1, new Date())[0] ?? null;
    let missed: boolean;
    try {
      missed = slot !== null && (await this.deps.coordinator!.wasMissed(job.name, slot));
    } catch (err) {
      this.deps.logger.error({ job: job.name }, `❌ Could not check '${job.name}' for a missed run: ${errorMessage(err)}`);
      return;
    }
    if (!missed || job.current || this.stopped) return;
    this.deps.logger.info(`⏪ '${job.name}' missed its run at ${slot!.toISOString()} while no instance was up; running it once now`);
    await this.run(job, { trigger: 'catch-up', scheduledAt: slot, by: null }).catch(() => undefined); // recorded and logged by run()
  }

  /**
   * Stops firing, then waits for runs in progress (up to timeoutMs); true if they all
   * finished. `limit` names the time limit for a manual trigger cut off by it.
   */
  async stop(timeoutMs = Infinity, limit = `${timeoutMs} ms`): Promise<boolean> {
    this.stopped = true;
    for (const job of this.jobs.values()) job.task.stop();
    const running = [...this.jobs.values()].map((j) => j.current).filter((p): p is Promise<unknown> => p !== null);
    if (running.length === 0) return true;
    this.deps.logger.info(`⏳ Waiting for ${running.length} job run(s) in progress`);
    const all = Promise.allSettled(running).then(() => true);
    if (timeoutMs === Infinity) return all;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      const finished = await Promise.race([all, timeout]);
      if (!finished) this.waitingTriggers.abandonAll(`the instance shut down before it finished (${limit})`);
      return finished;
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
  async trigger(name: string, opts: { by?: string } = {}): Promise<unknown> {
    const job = this.jobs.get(name);
    if (!job) throw new UnknownJobError(name);
    if (job.current) throw new JobBusyError(name);
    return this.waitingTriggers.wait(job.name, this.run(job, { trigger: 'manual', scheduledAt: null, by: opts.by ?? null }));
  }

  private runScheduled(name: string, scheduledAt: Date): void {
    const job = this.jobs.get(name)!;
    if (this.stopped) return;
    if (job.current) {
      this.deps.logger.warn({ job: name }, `⏭️  Skipped '${name}' at ${scheduledAt.toISOString()}: the previous run is still in progress`);
      return;
    }
    this.run(job, { trigger: 'scheduled', scheduledAt, by: null }).catch(() => undefined); // recorded and logged in run()
  }

  private run(job: Job, start: RunStart): Promise<unknown> {
    const current = this.claimAndRun(job, start).finally(() => {
      job.current = null;
    });
    job.current = current;
    return current;
  }

  /** Claims the run with the coordinator (if any), then runs the handler with a lease heartbeat. */
  private async claimAndRun(job: Job, start: RunStart): Promise<unknown> {
    const { trigger, scheduledAt } = start;
    const { coordinator, logger } = this.deps;
    let runId: string | null = null;
    if (coordinator) {
      try {
        runId = await coordinator.claim(job.name, start);
      } catch (err) {
        logger.error({ job: job.name, trigger }, `❌ ${job.name}: could not claim the ${trigger} run: ${errorMessage(err)}`);
        throw err;
      }
      if (runId === null) {
        if (trigger === 'manual') throw new JobBusyError(job.name);
        logger.debug({ job: job.name, slot: scheduledAt }, `'${job.name}' at ${scheduledAt?.toISOString()} is run by another instance`);
        return undefined;
      }
    }
    const heartbeat =
      runId && coordinator
        ? setInterval(() => {
            coordinator.renew(runId!).catch((err) => logger.warn({ job: job.name }, `Could not renew the lease of run ${runId}: ${errorMessage(err)}`));
          }, Math.max(50, coordinator.leaseMs / 3))
        : null;
    try {
      return await this.execute(job, start, runId);
    } finally {
      if (heartbeat) clearInterval(heartbeat);
    }
  }

  private async execute(job: Job, start: RunStart, runId: string | null): Promise<unknown> {
    const { trigger } = start;
    const started = Date.now();
    const record = runningRecord(job.name, start, { id: runId, instanceId: this.deps.coordinator?.instanceId ?? null, started });
    job.lastRun = record;
    const finish = async (status: 'succeeded' | 'failed') => {
      record.finishedAt = new Date().toISOString();
      record.durationMs = Date.now() - started;
      record.status = status;
      const finished: FinishedRun = { job: job.name, trigger, status, durationMs: record.durationMs, result: record.result };
      for (const listener of this.finishedListeners) {
        try {
          listener(finished);
        } catch (err) {
          this.deps.logger.warn({ job: job.name }, `Run observer failed: ${errorMessage(err)}`);
        }
      }
      if (runId && this.deps.coordinator) {
        // If the database is gone, the run's lease expires and it is marked abandoned.
        await this.deps.coordinator
          .finish(runId, status, record.result, record.error)
          .catch((err) => this.deps.logger.warn({ job: job.name }, `Could not record the end of run ${runId}: ${errorMessage(err)}`));
      }
    };
    try {
      const log = this.deps.logger.child({ job: job.name, runId, trigger, instanceId: record.instanceId });
      const result = await job.handler({ ...start, log });
      record.result = result ?? null;
      await finish('succeeded');
      return result;
    } catch (err) {
      record.error = errorMessage(err);
      this.deps.logger.error({ job: job.name, trigger }, `❌ Error in ${job.name} job: ${record.error}`);
      await finish('failed');
      throw err;
    }
  }

  private view(job: Job): JobView {
    const nextRuns = job.config.enabled && !this.stopped ? job.task.nextRuns(3).map((d) => d.toISOString()) : [];
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

