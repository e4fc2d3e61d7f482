import pino, { Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/**
 * One pino logger for the process. In development the lines read like the design's
 * ("✅ Cron job … scheduled"); in production they are JSON for the log pipeline.
 */
export function createLogger(opts: { level: string; format: 'pretty' | 'json' }): Logger {
  if (opts.format === 'json') return pino({ level: opts.level });
  return pino(
    { level: opts.level },
    pretty({ sync: true, colorize: process.stdout.isTTY, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' }),
  );
}

/** A logger that drops everything: for tests and for libraries used without one. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
