import type { Request, Response } from 'express';
import type { Logger } from '../logger';
import { HttpError } from './errors';

const WINDOW_MS = 60_000;

/**
 * Failed admin sign-ins and bearer checks, per client address: past `limit` in a minute,
 * that address's failures are answered 429 with Retry-After until the oldest leaves the
 * minute (a right token or session is never refused: behind a proxy many callers share
 * one address). One WARN line a minute sums the failures up (how many, from where);
 * never what was tried.
 */
export class AuthFailures {
  private readonly recent = new Map<string, number[]>();
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: { logger: Logger; limit?: number; now?: () => number }) {}

  /** Answers 429 for an address that failed too often in the last minute. */
  refuseIfLimited(req: Request, res: Response): void {
    const address = req.ip ?? 'unknown';
    const now = this.now();
    const times = (this.recent.get(address) ?? []).filter((t) => t > now - WINDOW_MS);
    if (times.length === 0) this.recent.delete(address);
    else this.recent.set(address, times);
    if (times.length <= (this.deps.limit ?? 20)) return;
    const retryAfter = Math.max(1, Math.ceil((times[0] + WINDOW_MS - now) / 1000));
    res.set('Retry-After', String(retryAfter));
    throw new HttpError(429, `Too many failed sign-ins from this address; try again in ${retryAfter} s`);
  }

  record(req: Request): void {
    const address = req.ip ?? 'unknown';
    this.recent.set(address, [...(this.recent.get(address) ?? []), this.now()]);
    this.pending.set(address, (this.pending.get(address) ?? 0) + 1);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), WINDOW_MS);
      this.timer.unref();
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.flush();
  }

  private flush(): void {
    this.timer = null;
    if (this.pending.size === 0) return;
    const counts = Object.fromEntries(this.pending);
    const total = [...this.pending.values()].reduce((a, b) => a + b, 0);
    this.pending = new Map();
    this.deps.logger.warn({ failures: total, addresses: counts }, `🔒 ${total} failed admin sign-in(s) in the last minute from ${Object.keys(counts).join(', ')}`);
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}
