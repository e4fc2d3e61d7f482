import { AddressInfo } from 'net';
import { SMTPServer } from 'smtp-server';
import { ParsedMail, simpleParser } from 'mailparser';

export interface ReceivedMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  parsed: ParsedMail;
}

type Reply = { code: number; message: string };

/**
 * A real SMTP server in the test process. It accepts everything unless told to refuse
 * an address (`rejectRecipient`) or to fail the next messages (`failNext`). A refusal's
 * reply gets smtp-server's enhanced status code for its code (550 → "550 5.1.1 …"), unless
 * the sink is started with `repliesAsGiven`: then the reply is the code and the message
 * exactly (give "5.7.1 Relaying denied" to answer "550 5.7.1 Relaying denied").
 */
export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  /** Messages whose DATA got a failure reply (failNext). */
  readonly refused: ReceivedMail[] = [];
  /** Connection errors, such as a client killed mid-session (ECONNRESET): a server lives on. */
  readonly connectionErrors: Error[] = [];
  rejectRecipient: (address: string) => Reply | null = () => null;
  /** As a provider with a sending limit: a message over this many in the last second gets 454 (null: none). */
  throttleAbove: number | null = null;
  /** Messages refused with 454 for going too fast. */
  throttled = 0;
  /** Local times at which each message was accepted. */
  readonly acceptedAt: number[] = [];
  private refusedConnections: Reply[] = [];
  private failures: Reply[] = [];
  private server!: SMTPServer;
  port = 0;

  private constructor(private readonly opts: { repliesAsGiven?: boolean }) {}

  static async start(opts: { repliesAsGiven?: boolean } = {}): Promise<SmtpSink> {
    const sink = new SmtpSink(opts);
    await sink.listen();
    return sink;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** The next `count` messages get this reply after their DATA (e.g. 451 for a transient failure). */
  failNext(count: number, reply: Reply): void {
    for (let i = 0; i < count; i++) this.failures.push(reply);
  }

  /** The next `count` connections are refused at once with this reply (e.g. 421 too many connections). */
  refuseConnections(count: number, reply: Reply): void {
    for (let i = 0; i < count; i++) this.refusedConnections.push(reply);
  }

  private acceptedSince(t: number): number {
    let n = 0;
    for (let i = this.acceptedAt.length - 1; i >= 0 && this.acceptedAt[i] > t; i--) n++;
    return n;
  }

  to(address: string): ReceivedMail[] {
    return this.received.filter((m) => m.to.includes(address));
  }

  clear(): void {
    this.received.length = 0;
  }

  private listen(): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      hideENHANCEDSTATUSCODES: this.opts.repliesAsGiven === true,
      logger: false,
      onConnect: (_session, callback) => {
        const reply = this.refusedConnections.shift();
        if (!reply) return callback();
        const err = new Error(reply.message) as Error & { responseCode: number };
        err.responseCode = reply.code;
        callback(err);
      },
      onRcptTo: (address, _session, callback) => {
        const reply = this.rejectRecipient(address.address);
        if (!reply) return callback();
        const err = new Error(reply.message) as Error & { responseCode: number };
        err.responseCode = reply.code;
        callback(err);
      },
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then((parsed) => {
            const mail: ReceivedMail = {
              to: session.envelope.rcptTo.map((r) => r.address),
              from: typeof session.envelope.mailFrom === 'object' ? session.envelope.mailFrom.address : '',
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              messageId: parsed.messageId ?? '',
              parsed,
            };
            const now = Date.now();
            if (this.throttleAbove !== null && this.acceptedSince(now - 1000) >= this.throttleAbove) {
              this.throttled += 1;
              const err = new Error('Throttling failure: Maximum sending rate exceeded.') as Error & { responseCode: number };
              err.responseCode = 454;
              return callback(err);
            }
            const failure = this.failures.shift();
            if (failure) {
              this.refused.push(mail);
              const err = new Error(failure.message) as Error & { responseCode: number };
              err.responseCode = failure.code;
              return callback(err);
            }
            this.received.push(mail);
            this.acceptedAt.push(now);
            callback();
          })
          .catch(callback);
      },
    });
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.on('error', (err) => this.connectionErrors.push(err));
      this.server.listen(this.port, '127.0.0.1', () => {
        this.port = (this.server.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  /** Stops listening (connections are refused) until resume(). */
  async pause(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async resume(): Promise<void> {
    await this.listen();
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
