// A stand-in for the shop's own scheduler (server/src/services/CronService.ts): node-cron
// and a map of jobs by name. The installation keeps it for the shop's other jobs; its
// class name is the one the module must not clash with.
import cron, { ScheduledTask } from 'node-cron';
import type { Pool } from 'pg';

interface ShopJobConfig {
  schedule: string;
  enabled: boolean;
  description: string;
  timezone?: string;
}

export class CronService {
  private readonly jobs = new Map<string, ScheduledTask>();

  constructor(private readonly pool: Pool) {}

  initialize(): void {
    console.log(`⏰ Shop CronService ready (pool of ${this.pool.totalCount} connections)`);
  }

  addJob(name: string, config: ShopJobConfig, run: () => Promise<void>): boolean {
    if (this.jobs.has(name)) return false;
    const task = cron.createTask(config.schedule, run, { timezone: config.timezone });
    if (config.enabled) task.start();
    this.jobs.set(name, task);
    console.log(`✅ Shop cron job '${name}' ${config.enabled ? 'scheduled' : 'disabled'}: ${config.schedule}`);
    return true;
  }

  stopAll(): void {
    for (const task of this.jobs.values()) void task.stop();
  }
}
