import { AddressInfo } from 'net';
import { SMTPServer } from 'smtp-server';

/**
 * An SMTP server that accepts everything and only counts: per recipient, so the bench
 * can check every due shopper got exactly one email of each kind, without parsing costs.
 */
export class CountingSink {
  readonly perRecipient = new Map<string, number>();
  messages = 0;
  private server!: SMTPServer;
  port = 0;

  static async start(): Promise<CountingSink> {
    const sink = new CountingSink();
    sink.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, session, callback) => {
        stream.on('data', () => undefined);
        stream.on('end', () => {
          sink.messages++;
          for (const r of session.envelope.rcptTo) sink.perRecipient.set(r.address, (sink.perRecipient.get(r.address) ?? 0) + 1);
          callback();
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
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
