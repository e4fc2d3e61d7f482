import type { Pool } from 'pg';
import type { Logger } from '../../logger';
import type { MailRates } from '../../config/mailPace';
import type { Region } from '../../domain';
import { recordThrottle, reserveSlots } from '../../db/mailPace';

/** How long a store found without a limit sends freely before it looks again (another instance may have been throttled). */
const UNLIMITED_RECHECK_MS = 1000;

interface StorePace {
  /** Local times of the slots this process reserved and has not used. */
  slots: number[];
  /** Until then the store has no limit: no slot to wait for. */
  unlimitedUntil: number;
  /** The local time of the last slot reserved (0: none yet). */
  lastSlot: number;
  reserving: Promise<void> | null;
  /** This process's sends in the last second: the pace a store without a limit was throttled at. */
  recent: number[];
}

/** A slot older than this is dropped, not used: one left from an earlier run (the database has handed out the times after it). Later ones, a busy moment within a run, are used at once. */
const STALE_SLOT_MS = 1000;

/**
 * Each store's mail pace in this process: sends wait for their slot, reserved a few at a
 * time in the database (db/mailPace.ts), so the limit holds for all instances together.
 * Waiting is a timer, never a loop.
 */
export class MailPacer {
  private readonly stores = new Map<Region, StorePace>();
  /** Set at shutdown: waits end at once and their sends are left for the next run. */
  private stopping = false;
  private readonly wakers = new Set<() => void>();

  constructor(private readonly deps: { pool: Pool; rates: MailRates; logger: Logger }) {}

  /**
   * Null: send now. Else a promise that resolves at this send's slot: true, send; false, the
   * instance is stopping and the email is to be left for the next run.
   */
  take(region: Region): Promise<boolean> | null {
    const s = this.store(region);
    if (s.slots.length === 0 && s.unlimitedUntil > Date.now()) return null;
    return this.waitForSlot(region, s);
  }

  /** An email the server accepted. */
  sent(region: Region): void {
    const s = this.store(region);
    const now = Date.now();
    s.recent.push(now);
    while (s.recent.length > 0 && s.recent[0] <= now - 1000) s.recent.shift();
  }

  /** The provider refused us for sending too fast: the store's pace halves, for every instance. */
  async throttled(region: Region, reply: string): Promise<void> {
    const s = this.store(region);
    s.slots = [];
    s.unlimitedUntil = 0;
    const now = Date.now();
    const observed = s.recent.filter((t) => t > now - 1000).length;
    const after = await recordThrottle(this.deps.pool, region, this.deps.rates[region], observed, reply);
    if (!after.halved) return;
    this.deps.logger.warn(
      { region, reply, ratePerSecond: after.rate },
      `🐢 The mail provider is throttling the ${region.toUpperCase()} store (${reply}); its pace is now ${after.rate?.toFixed(1)} emails/s`,
    );
  }

  /** Shutdown: every wait for a slot ends now, answering false, and none starts; sends that need not wait still go. */
  stop(): void {
    this.stopping = true;
    for (const wake of [...this.wakers]) wake();
  }

  private async waitForSlot(region: Region, s: StorePace): Promise<boolean> {
    for (;;) {
      const at = s.slots.shift();
      if (at !== undefined) {
        const wait = at - Date.now();
        // A slot left from an earlier run: the database has handed out the times after it.
        if (wait < -STALE_SLOT_MS) continue;
        if (wait <= 0) return true;
        if (this.stopping) return false;
        await this.sleep(wait);
        return !this.stopping;
      }
      if (s.unlimitedUntil > Date.now()) return true;
      s.reserving ??= this.reserve(region, s).finally(() => (s.reserving = null));
      await s.reserving;
    }
  }

  private async reserve(region: Region, s: StorePace): Promise<void> {
    const r = await reserveSlots(this.deps.pool, region, this.deps.rates[region]);
    const base = Date.now();
    if (r === null) {
      s.unlimitedUntil = base + UNLIMITED_RECHECK_MS;
      return;
    }
    // The database's times are mapped to this clock when the answer arrives; a reservation
    // answered faster than the one before would land its slots closer to that one's than the
    // pace allows, so they never start before the last one handed out plus an interval.
    const first = Math.max(base + r.firstInMs, s.lastSlot + r.intervalMs);
    s.slots = Array.from({ length: r.count }, (_, i) => first + i * r.intervalMs);
    s.lastSlot = s.slots[s.slots.length - 1];
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  private store(region: Region): StorePace {
    let s = this.stores.get(region);
    if (!s) this.stores.set(region, (s = { slots: [], unlimitedUntil: 0, lastSlot: 0, reserving: null, recent: [] }));
    return s;
  }
}
