import type { Request, Response } from 'express';
import type { Logger } from '../logger';
import { HttpError } from './errors';

const WINDOW_MS = 60_000;
/** Addresses followed at once: past this, the longest idle is forgotten first. */
const MAX_ADDRESSES = 10_000;
/** Addresses named in the minute's summary, the most failing first. */
const TOP = 5;

/**
 * Failed admin sign-ins and bearer checks, per client address: past `limit` in a minute,
 * that address's failures are answered 429 with Retry-After until the oldest leaves the
 * minute (a right token or session is never refused: behind a proxy many callers share
 * one address). One WARN line a minute sums the failures up (how many, from how many
 * addresses, the few that failed most); never what was tried.
 *
 * Memory is bounded whatever the callers do: an address idle for a minute is forgotten,
 * each keeps at most `limit` + 1 times, and at most MAX_ADDRESSES are followed at once
 * (then the longest idle goes first, as it would in a minute anyway).
 */
export class AuthFailures {
  /** Each address's failures in the window, oldest first; the Map's order is by last failure. */
  private readonly recent = new Map<string, number[]>();
  private pending = new Map<string, number>();
  private pendingTotal = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: { logger: Logger; limit?: number; now?: () => number }) {}

  /** Addresses followed now (for tests and the curious). */
  get tracked(): number {
    return this.recent.size;
  }

  /** Answers 429 for an address that failed too often in the last minute. */
  refuseIfLimited(req: Request, res: Response): void {
    const address = req.ip ?? 'unknown';
    const now = this.now();
    const times = (this.recent.get(address) ?? []).filter((t) => t > now - WINDOW_MS);
    if (times.length === 0) this.recent.delete(address);
    else this.recent.set(address, times);
    if (times.length <= this.limit()) return;
    const retryAfter = Math.max(1, Math.ceil((times[0] + WINDOW_MS - now) / 1000));
    res.set('Retry-After', String(retryAfter));
    throw new HttpError(429, `Too many failed sign-ins from this address; try again in ${retryAfter} s`);
  }

  record(req: Request): void {
    const address = req.ip ?? 'unknown';
    const now = this.now();
    const times = [...(this.recent.get(address) ?? []).filter((t) => t > now - WINDOW_MS), now].slice(-(this.limit() + 1));
    this.recent.delete(address); // re-added last: the Map stays ordered by last failure
    // Full: the longest idle goes (the first in the Map), at no cost per failure.
    if (this.recent.size >= MAX_ADDRESSES) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(address, times);
    this.pendingTotal += 1;
    if (this.pending.has(address) || this.pending.size < MAX_ADDRESSES) this.pending.set(address, (this.pending.get(address) ?? 0) + 1);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), WINDOW_MS);
      this.timer.unref();
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.flush();
  }

  /** Forgets addresses idle for the window: the Map is ordered by last failure, so they come first. */
  private forgetIdle(now: number): void {
    for (const [address, times] of this.recent) {
      if (times[times.length - 1] > now - WINDOW_MS) break;
      this.recent.delete(address);
    }
  }

  private flush(): void {
    this.timer = null;
    this.forgetIdle(this.now());
    if (this.pendingTotal === 0) return;
    const total = this.pendingTotal;
    const counted = [...this.pending].sort((a, b) => b[1] - a[1]);
    const addresses = Math.max(counted.length, 1);
    const top = counted.slice(0, TOP).map(([address, failures]) => ({ address, failures }));
    this.pending = new Map();
    this.pendingTotal = 0;
    const more = counted.length >= MAX_ADDRESSES ? ' or more' : '';
    this.deps.logger.warn(
      { failures: total, addresses, top },
      `🔒 ${total} failed admin sign-in(s) in the last minute from ${addresses}${more} address(es); most from ${top.map((t) => `${t.address} (${t.failures})`).join(', ')}`,
    );
  }

  private limit(): number {
    return this.deps.limit ?? 20;
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}
