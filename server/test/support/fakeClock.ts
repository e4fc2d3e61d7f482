import type { Clock } from '../../src/clock';

/** A clock that starts at the real time and moves only when told. */
export class FakeClock implements Clock {
  private t = Date.now();
  now(): Date {
    return new Date(this.t);
  }
  advanceHours(hours: number): void {
    this.t += hours * 3600_000;
  }
  advanceMs(ms: number): void {
    this.t += ms;
  }
}
