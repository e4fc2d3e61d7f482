import type { Logger } from '../../logger';
import { errorMessage } from '../../errorMessage';
import type { SentRecord } from '../../db/outbox/record';

/** How long a sent record waits for other workers' records to share its write. */
const GROUP_COMMIT_WAIT_MS = 2;

/**
 * Group commit for accepted messages: records that arrive while a write is under way go
 * into the next write together. add() resolves once its record is written. Each worker
 * has at most one record waiting (its next message is on the wire meanwhile), so a write
 * waits briefly for the others' records: one write for several emails costs the database
 * far less than one write each.
 */
export class SentWriter {
  private queue: Array<{ record: SentRecord; done: () => void; fail: (err: unknown) => void }> = [];
  private running: Promise<void> | null = null;
  private full: (() => void) | null = null;

  constructor(
    private readonly write: (records: SentRecord[]) => Promise<void>,
    private readonly logger: Logger,
    /** Records that can be waiting at once: the number of workers. */
    private readonly batchSize: number,
  ) {}

  add(record: SentRecord): Promise<void> {
    return new Promise((done, fail) => {
      this.queue.push({ record, done, fail });
      if (this.queue.length >= this.batchSize) this.full?.();
      if (!this.running) this.running = this.loop().finally(() => (this.running = null));
    });
  }

  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    while (this.queue.length > 0) {
      if (this.queue.length < this.batchSize) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, GROUP_COMMIT_WAIT_MS);
          this.full = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.full = null;
      }
      const entries = this.queue.splice(0);
      try {
        await this.writeWithRetry(entries.map((e) => e.record));
        entries.forEach((e) => e.done());
      } catch (err) {
        entries.forEach((e) => e.fail(err));
      }
    }
  }

  private async writeWithRetry(records: SentRecord[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.write(records);
      } catch (err) {
        if (attempt >= 5) throw err;
        this.logger.warn({ attempt }, `Could not record sent wishlist alerts yet; retrying: ${errorMessage(err)}`);
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }
}
