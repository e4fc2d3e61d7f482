import { readFileSync } from 'fs';

/** Linux's USER_HZ: /proc counts CPU time in hundredths of a second. */
export const TICK_MS = 10;

/** CPU (user + system) of a process from /proc, in clock ticks, or null when it cannot be read. */
export function cpuTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of the line)
  } catch {
    return null;
  }
}

/**
 * The CPU these processes (database backends, found through pg_stat_activity) have used,
 * in ms, or null when one cannot be read (the database does not run on this machine).
 */
export function backendCpuMs(pids: number[]): number | null {
  let ticks = 0;
  for (const pid of pids) {
    const t = cpuTicks(pid);
    if (t === null) return null;
    ticks += t;
  }
  return pids.length ? ticks * TICK_MS : null;
}
