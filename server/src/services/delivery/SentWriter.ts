import type { Logger } from '../../logger';
import { errorMessage } from '../../errorMessage';
import type { RecordOptions, SentRecord } from '../../db/outbox/record';
import { isDatabaseUnavailableOrSlow } from '../../db/pool';

/** How long a sent record waits for other workers' records to share its write. */
const GROUP_COMMIT_WAIT_MS = 2;

/**
 * Group commit for accepted messages: records that arrive while a write is under way go
 * into the next write together. add() resolves once its record is written. Each worker
 * has at most one record waiting (its next message is on the wire meanwhile), so a write
 * waits briefly for the others' records: one write for several emails costs the database
 * far less than one write each.
 *
 * One record the database refuses (bad data) must not cost the others theirs: a shared
 * write that fails for any reason but the database itself is written again one record at a
 * time, and a record refused alone is written without the shop's logs. Only a database
 * that is down or too slow fails every record waiting.
 */
export class SentWriter {
  private queue: Array<{ record: SentRecord; done: () => void; fail: (err: unknown) => void }> = [];
  private running: Promise<void> | null = null;
  private full: (() => void) | null = null;

  constructor(
    private readonly write: (records: SentRecord[], opts?: RecordOptions) => Promise<void>,
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
        if (isDatabaseUnavailableOrSlow(err)) entries.forEach((e) => e.fail(err));
        else for (const e of entries) await this.writeAlone(e.record).then(e.done, e.fail);
      }
    }
  }

  private async writeAlone(record: SentRecord): Promise<void> {
    try {
      await this.write([record]);
    } catch (err) {
      if (isDatabaseUnavailableOrSlow(err)) throw err;
      this.logger.error(
        { messageIds: record.messageIds },
        `The record of sent wishlist alert ${record.messageIds.join(', ')} was refused (${errorMessage(err)}); recording it without the shop's logs`,
      );
      await this.write([record], { shopLogs: false });
    }
  }

  private async writeWithRetry(records: SentRecord[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.write(records);
      } catch (err) {
        if (attempt >= 5 || refused(err)) throw err;
        this.logger.warn({ attempt }, `Could not record sent wishlist alerts yet; retrying: ${errorMessage(err)}`);
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }
}

/** The database refused the statement itself (its data, a constraint): writing it again fails the same way. */
function refused(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^(22|23|42)/.test(code);
}
