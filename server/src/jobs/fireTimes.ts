import { Cron } from 'croner';

/**
 * Why croner cannot schedule `pattern`, or null when it can. Parsing is croner's: the
 * scheduler and the configuration's check agree on what a valid schedule is.
 */
export function cronPatternProblem(pattern: string): string | null {
  try {
    new Cron(pattern, { paused: true }).stop();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message.replace(/^CronPattern: /, '') : String(err);
  }
}
