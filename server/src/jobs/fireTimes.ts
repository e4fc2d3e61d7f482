import type { ScheduledTask } from 'node-cron';

/**
 * The latest fire time at or before `now` (node-cron has no such call): walks back whole
 * minutes, or seconds for a six-field expression, within a bounded window.
 */
export function previousFireTime(task: ScheduledTask, now: Date): Date | null {
  const seconds = task.getPattern().trim().split(/\s+/).length === 6;
  const step = seconds ? 1000 : 60_000;
  const steps = seconds ? 3600 : 31 * 24 * 60;
  let t = Math.floor(now.getTime() / step) * step;
  for (let i = 0; i <= steps; i++, t -= step) {
    const d = new Date(t);
    if (task.match(d)) return d;
  }
  return null;
}
