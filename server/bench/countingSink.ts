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
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
