import type { Pool } from 'pg';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import { errorMessage } from '../errorMessage';
import { changedProducts, productWrites, recordLook, releaseWatch, takeWatch, watchState, WatchState } from '../db/watch';
import type { WishlistNotificationService } from './WishlistNotificationService';

export interface WatchSettings {
  enabled: boolean;
  intervalMs: number;
  instanceId: string;
  saleSettleSeconds: number;
  stockSettleSeconds: number;
}

export interface WatchStatus extends WatchState {
  enabled: boolean;
  intervalMs: number;
  /** How long since the last look, in ms (null before the first). */
  behindMs: number | null;
  /** Degraded when no instance has looked for ten intervals. */
  health: 'healthy' | 'degraded' | 'disabled';
}

/**
 * Alerts within seconds: every interval, the instance that holds the watch's lease looks
 * for products changed since the last look and runs both checks for those only, then
 * delivers. The scheduled checks stay as the safety net. The lease is renewed at each look
 * and lasts two intervals, so another instance takes over within two intervals of a
 * holder's death; only the holder looks, so the watch's load does not grow with the
 * number of instances. A look reads the products' rows only when their write counters
 * moved since the last look that did; otherwise it checks the clock's rules alone.
 */
export class Watch {
  private timer: NodeJS.Timeout | null = null;
  private looking: Promise<unknown> | null = null;
  private stopped = false;
  private failing = false;

  constructor(
    private readonly deps: {
      pool: Pool; notifications: WishlistNotificationService; logger: Logger; clock: Clock; settings: WatchSettings;
      /** When this process started watching: no look yet counts from here. */
      since: Date;
    },
  ) {}

  start(): void {
    if (!this.deps.settings.enabled || this.timer || this.stopped) return;
    this.deps.logger.info(`👀 Watching products for changes every ${this.deps.settings.intervalMs / 1000}s`);
    this.schedule(0);
  }

  /** Stops looking, waits for a look in progress, and hands the lease over. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.looking?.catch(() => undefined);
    if (this.deps.settings.enabled) await releaseWatch(this.deps.pool, this.deps.settings.instanceId).catch(() => undefined);
  }

  /** One look, if this instance holds (or can take) the lease; null when another holds it. */
  async lookOnce(): Promise<{ products: number; queued: number; emails: number } | null> {
    const { pool, notifications, settings } = this.deps;
    if (!(await takeWatch(pool, settings.instanceId, 2 * settings.intervalMs))) return null;
    // Before the look's transaction: its snapshot must be taken after the counters are read.
    const writes = await productWrites(pool);
    const result = await notifications.checkProducts(
      (client, now, timezone) => changedProducts(client, now, { timezone, writes, ...settings }),
      (client, found, queued, now) =>
        recordLook(client, {
          now, snapshot: found.snapshot, writes: found.writes, instanceId: settings.instanceId, products: found.ids.length, queued,
        }),
    );
    if (result.products > 0) {
      this.deps.logger.info(
        { products: result.products, queued: result.queued, emails: result.delivered.emails },
        `👀 [Wishlist Watch] ${result.products} changed product(s): ${result.queued} alert(s) queued, ${result.delivered.emails} email(s) sent`,
      );
    }
    return { products: result.products, queued: result.queued, emails: result.delivered.emails };
  }

  async status(): Promise<WatchStatus> {
    const { enabled, intervalMs } = this.deps.settings;
    const now = this.deps.clock.now();
    const state = await watchState(this.deps.pool, now);
    const behindMs = state.lookedAt ? Math.max(0, now.getTime() - state.lookedAt.getTime()) : null;
    const quietMs = behindMs ?? now.getTime() - this.deps.since.getTime();
    const health = !enabled ? 'disabled' : quietMs <= 10 * intervalMs ? 'healthy' : 'degraded';
    return { ...state, enabled, intervalMs, behindMs, health };
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.looking = this.lookOnce()
        .then(() => {
          if (this.failing) this.deps.logger.info('👀 [Wishlist Watch] looking again');
          this.failing = false;
        })
        .catch((err) => {
          // One line per outage, not one per interval: the scheduled checks stay the safety net.
          if (!this.failing) this.deps.logger.warn(`👀 [Wishlist Watch] look failed: ${errorMessage(err)}; retrying every interval`);
          this.failing = true;
        })
        .finally(() => {
          this.looking = null;
          this.schedule(this.deps.settings.intervalMs);
        });
    }, delayMs);
    this.timer.unref?.();
  }
}
