/**
 * A one-line progress bar on stderr, for the bench's long steps. Not on a terminal (CI, a
 * log file) it writes a plain line every few seconds instead, which also shows the pace.
 */
export class Progress {
  private done = 0;
  private readonly started = Date.now();
  private last = 0;
  private shown = -1; // the count last drawn
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(private readonly label: string, private readonly total: number) {
    this.draw();
  }

  tick(n = 1): void {
    this.done += n;
    if (Date.now() - this.last > this.every() || this.done >= this.total) this.draw();
  }

  private every(): number {
    return this.tty ? 100 : 5000;
  }

  /** Sets the count done so far (for work counted elsewhere). */
  set(done: number): void {
    this.done = done;
    if (Date.now() - this.last > this.every()) this.draw();
  }

  finish(): number {
    const shown = this.shown === this.total;
    this.done = this.total;
    if (this.tty || !shown) this.draw();
    if (this.tty) process.stderr.write('\n');
    return Date.now() - this.started;
  }

  private draw(): void {
    this.last = Date.now();
    this.shown = this.done;
    const width = 30;
    const frac = this.total ? Math.min(1, this.done / this.total) : 1;
    const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '░');
    const secs = ((Date.now() - this.started) / 1000).toFixed(1);
    if (!this.tty) {
      process.stderr.write(`${this.label}: ${this.done.toLocaleString('en-US')} of ${this.total.toLocaleString('en-US')}  ${secs}s\n`);
      return;
    }
    process.stderr.write(`\r${this.label.padEnd(34)} ${bar} ${String(Math.round(frac * 100)).padStart(3)}%  ${secs}s `);
  }
}
