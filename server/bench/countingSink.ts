import { AddressInfo } from 'net';
import { SMTPServer } from 'smtp-server';

/** One message the sink accepted: when (Date.now() as the reply went out), to whom, and its raw data if kept. */
export interface AcceptedMessage {
  at: number;
  to: string[];
  data: Buffer | null;
}

/**
 * An SMTP server that accepts everything and only counts: per recipient, so the bench
 * can check every due shopper got exactly one email of each kind, without parsing costs.
 * The latency bench also hears of each message as it is accepted (`onAccepted`), with its
 * raw data when `keepData` is on (off, the data is read and dropped, as for the counts).
 */
export class CountingSink {
  readonly perRecipient = new Map<string, number>();
  messages = 0;
  /** The bytes of every message's data, summed. */
  bytes = 0;
  keepData = false;
  /** As a provider with a sending limit: a message over this many in the last second gets 454 (null: none). */
  throttleAbove: number | null = null;
  /** Messages refused with 454 for going too fast. */
  throttled = 0;
  /** When the first and the last message were accepted (Date.now()). */
  firstAt = 0;
  lastAt = 0;
  /** The most messages accepted within any one second. */
  mostInASecond = 0;
  /** Acceptance times of the last second, oldest first. */
  private window: number[] = [];
  onAccepted: ((message: AcceptedMessage) => void) | null = null;
  private server!: SMTPServer;
  port = 0;

  static async start(): Promise<CountingSink> {
    const sink = new CountingSink();
    sink.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] | null = sink.keepData ? [] : null;
        stream.on('data', (chunk: Buffer) => {
          sink.bytes += chunk.length;
          chunks?.push(chunk);
        });
        stream.on('end', () => {
          const now = Date.now();
          while (sink.window.length > 0 && sink.window[0] <= now - 1000) sink.window.shift();
          if (sink.throttleAbove !== null) {
            if (sink.window.length >= sink.throttleAbove) {
              sink.throttled++;
              const err = new Error('Throttling failure: Maximum sending rate exceeded.') as Error & { responseCode: number };
              err.responseCode = 454;
              return callback(err);
            }
          }
          sink.window.push(now);
          sink.mostInASecond = Math.max(sink.mostInASecond, sink.window.length);
          if (sink.messages === 0) sink.firstAt = now;
          sink.lastAt = now;
          sink.messages++;
          const to = session.envelope.rcptTo.map((r) => r.address);
          for (const r of to) sink.perRecipient.set(r, (sink.perRecipient.get(r) ?? 0) + 1);
          callback();
          sink.onAccepted?.({ at: Date.now(), to, data: chunks ? Buffer.concat(chunks) : null });
        });
      },
    });
    // A client killed mid-session (the chaos runs do that) resets its connection; carry on.
    sink.server.on('error', () => undefined);
    await new Promise<void>((resolve) => sink.server.listen(0, '127.0.0.1', () => resolve()));
    sink.port = (sink.server.server.address() as AddressInfo).port;
    return sink;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  reset(): void {
    this.perRecipient.clear();
    this.messages = 0;
    this.bytes = 0;
    this.throttled = 0;
    this.firstAt = 0;
    this.lastAt = 0;
    this.window = [];
    this.mostInASecond = 0;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
