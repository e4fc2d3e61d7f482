import { RunAbandonedError } from './types';

/**
 * Manual triggers waiting for their run. When shutdown gives up on the runs in progress,
 * each waiting caller is answered that its run was abandoned, instead of being cut off.
 */
export class WaitingTriggers {
  private readonly waiting = new Map<(err: Error) => void, string>();

  /** Resolves with the run, or rejects with RunAbandonedError when abandonAll() comes first. */
  async wait<T>(job: string, run: Promise<T>): Promise<T> {
    let abandon!: (err: Error) => void;
    const abandoned = new Promise<never>((_, reject) => (abandon = reject));
    this.waiting.set(abandon, job);
    try {
      return await Promise.race([run, abandoned]);
    } finally {
      this.waiting.delete(abandon);
    }
  }

  abandonAll(reason: string): void {
    for (const [abandon, job] of this.waiting) abandon(new RunAbandonedError(job, reason));
  }
}
