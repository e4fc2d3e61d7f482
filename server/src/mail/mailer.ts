import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'fs';
import path from 'path';
import { pipeline, Readable, Transform, TransformCallback } from 'stream';
import nodemailer, { SendMailOptions } from 'nodemailer';
import type { Logger } from '../logger';

export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Stable per outbox message, so a resend after a crash is recognisable. */
  messageId: string;
  headers?: Record<string, string>;
}

export interface SentMail {
  /** The server's reply ("250 2.0.0 OK …") or the preview file's path. */
  response: string;
}

export interface SendOptions {
  /**
   * The mail server must not accept the message before this settles. The message goes on
   * the wire at once; only its last line (the one that makes the server accept it) waits.
   * If it rejects, the message is abandoned unaccepted and send rejects with its reason.
   */
  finishAfter?: Promise<void>;
}

/** What the services need of mail delivery: a real SMTP pool, the preview folder, or a test double. */
export interface Mailer {
  send(mail: OutgoingMail, opts?: SendOptions): Promise<SentMail>;
  close(): Promise<void>;
  /** Where people look at sent mail, for the boot banner. */
  describe(): string;
  /** The preview mailer only: the .eml file a message was written to, if any. */
  previewFile?(messageId: string): string | null;
}

/** An SMTP server: a URL (`smtp://user:pass@host:587`, `smtps://…`) or its parts. */
export type SmtpServer = string | { url: string } | { host: string; port: number; secure: boolean; auth?: { user: string; pass: string } };

/** nodemailer over SMTP with a connection pool. */
export function createSmtpMailer(server: SmtpServer, opts: { poolSize: number }): Mailer {
  const target = typeof server === 'string' ? { url: server } : server;
  const transport = nodemailer.createTransport(
    {
      ...target,
      pool: true,
      maxConnections: opts.poolSize,
      maxMessages: Infinity,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    },
    MESSAGE_DEFAULTS,
  );
  // nodemailer's "stream" plugin step is where a message's compiled stream can be
  // processed; ours holds back the end of the stream, and so SMTP's final dot.
  transport.use('stream', (mail, done) => {
    const gate = (mail.data as { finishAfter?: Promise<void> }).finishAfter;
    if (gate) mail.message.processFunc((message: Readable) => holdEnd(message, gate));
    done();
  });
  const where = 'url' in target ? new URL(target.url) : new URL(`${target.secure ? 'smtps' : 'smtp'}://${target.host}:${target.port}`);
  return {
    async send(mail, opts) {
      const info = await transport.sendMail({ ...mail, finishAfter: opts?.finishAfter } as SendMailOptions);
      return { response: String(info.response ?? '') };
    },
    async close() {
      transport.close();
    },
    describe: () => `SMTP ${where.protocol}//${where.host}`,
  };
}

/**
 * Applied to every message. Alert emails are mostly Latin text, for which nodemailer
 * would choose quoted-printable anyway; saying so spares it counting the characters of
 * every part and header to decide (measured in docs/benchmarks.md).
 */
export const MESSAGE_DEFAULTS = { textEncoding: 'quoted-printable' } as const;

/**
 * Ends `message` only once `gate` has settled, or fails it with the gate's reason.
 * nodemailer's compiled message is a Transform (its last stage adds the final newline):
 * its flush waits for the gate. An extra stage would do the same at a higher cost per
 * message (its setup and teardown; docs/design.md); any other kind of stream still goes
 * through one.
 */
export function holdEnd(message: Readable, gate: Promise<void>): Readable {
  if (!(message instanceof Transform)) return pipeline(message, new HoldEnd(gate), () => undefined);
  const flush = message._flush;
  message._flush = (callback: TransformCallback) => {
    gate.then(
      () => (flush ? flush.call(message, callback) : callback()),
      (err) => callback(asError(err)),
    );
  };
  return message;
}

const asError = (err: unknown) => (err instanceof Error ? err : new Error(String(err)));

/** Passes a stream through unchanged and ends it only once `gate` has settled (or fails with its reason). */
class HoldEnd extends Transform {
  constructor(private readonly gate: Promise<void>) {
    super();
  }

  _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    callback(null, chunk);
  }

  _flush(callback: TransformCallback): void {
    this.gate.then(() => callback(), (err) => callback(asError(err)));
  }
}

/**
 * Writes each message as an .eml file (open it in any mail client) instead of sending
 * it: the default when no SMTP_URL is set, so a fresh checkout needs no mail server.
 * The files hold shoppers' addresses and working unsubscribe links: only their owner may
 * read them (files 0600 in a folder 0700, also when the folder was there before).
 */
export function createPreviewMailer(dir: string, logger: Logger): Mailer {
  const outbox = path.resolve(dir);
  mkdirSync(path.dirname(outbox), { recursive: true }); // DATA_DIR keeps its own mode
  mkdirSync(outbox, { recursive: true, mode: 0o700 });
  chmodSync(outbox, 0o700);
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }, MESSAGE_DEFAULTS);
  const safeIdOf = (messageId: string) => messageId.replace(/[^A-Za-z0-9.@_-]/g, '');
  return {
    previewFile(messageId) {
      const suffix = `-${safeIdOf(messageId)}.eml`;
      if (!existsSync(outbox)) return null;
      const found = readdirSync(outbox).filter((f) => f.endsWith(suffix)).sort().pop();
      return found ? path.join(outbox, found) : null;
    },
    async send(mail, opts) {
      await opts?.finishAfter;
      const info = await transport.sendMail(mail);
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const safeId = safeIdOf(mail.messageId);
      const file = path.join(outbox, `${stamp}-${safeId}.eml`);
      writeFileSync(file, info.message as Buffer, { mode: 0o600 });
      logger.info(`📬 Mail written to ${path.relative(process.cwd(), file)}: "${mail.subject}"`);
      return { response: `written to ${file}` };
    },
    async close() {},
    describe: () => `preview folder ${outbox}`,
  };
}
