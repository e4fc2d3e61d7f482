import { PassThrough, Readable, Transform } from 'stream';
import { createSmtpMailer, holdEnd, Mailer } from '../../src/mail/mailer';
import { SmtpSink } from '../support/smtpSink';
import { waitFor } from '../support/waitFor';

// Delivery lets a worker's next message go on the wire while the previous one's sent
// record is written; the server must not accept it before that write is done.
describe('the SMTP mailer holds a message back until told to finish it', () => {
  let sink: SmtpSink;
  let mailer: Mailer;
  beforeAll(async () => {
    sink = await SmtpSink.start();
    mailer = createSmtpMailer(sink.url, { poolSize: 1 });
  });
  afterAll(async () => {
    await mailer.close();
    await sink.stop();
  });
  beforeEach(() => sink.clear());

  const mail = (n: number) => ({
    from: 'Shop <wishlist@shop.example>',
    to: `shopper${n}@example.com`,
    subject: `Alert ${n}`,
    text: 'On sale now',
    html: '<p>On sale now</p>',
    messageId: `<held-${n}@shop.example>`,
  });

  function gate() {
    let open!: () => void;
    let refuse!: (err: Error) => void;
    const promise = new Promise<void>((resolve, reject) => {
      open = resolve;
      refuse = reject;
    });
    return { promise, open, refuse };
  }

  test('the server accepts the message only once the gate opens, and it arrives whole', async () => {
    const g = gate();
    let accepted = false;
    const sending = mailer.send(mail(1), { finishAfter: g.promise }).then((r) => {
      accepted = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(accepted).toBe(false);
    expect(sink.received).toHaveLength(0);

    g.open();
    const { response } = await sending;
    expect(response).toMatch(/^250/);
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]).toMatchObject({ to: ['shopper1@example.com'], subject: 'Alert 1', messageId: '<held-1@shop.example>' });
    expect(sink.received[0].text.trim()).toBe('On sale now');
  });

  test('a refused gate abandons the message unaccepted, with its reason, and the next one still goes', async () => {
    const g = gate();
    const sending = mailer.send(mail(2), { finishAfter: g.promise });
    g.refuse(new Error('could not record the previous email'));
    await expect(sending).rejects.toThrow('could not record the previous email');

    await mailer.send(mail(3));
    await waitFor(() => sink.received.length === 1, 'the next message');
    expect(sink.received.map((m) => m.subject)).toEqual(['Alert 3']);
  });
});

// The mailer holds nodemailer's message (a Transform) by its flush; any other stream goes
// through a holding stage. Both must keep the end back and pass every byte.
describe.each([
  ['a Transform', () => new PassThrough()],
  ['any other stream', () => new Readable({ read() {} })],
])('holdEnd on %s', (_name, make) => {
  function feed(stream: Readable, chunks: string[]) {
    for (const c of chunks) (stream instanceof Transform ? stream.write(c) : stream.push(c));
    if (stream instanceof Transform) stream.end();
    else stream.push(null);
  }
  function collect(stream: Readable) {
    const seen = { data: '', ended: false, error: null as Error | null };
    stream.on('data', (c: Buffer) => (seen.data += c.toString()));
    stream.on('end', () => (seen.ended = true));
    stream.on('error', (err) => (seen.error = err));
    return seen;
  }

  test('passes every byte at once and ends only when the gate opens', async () => {
    let open!: () => void;
    const source = make();
    const seen = collect(holdEnd(source, new Promise<void>((r) => (open = r))));
    feed(source, ['MAIL ', 'BODY']);
    await waitFor(() => seen.data === 'MAIL BODY', 'every byte to pass');
    expect(seen).toEqual({ data: 'MAIL BODY', ended: false, error: null });
    open();
    await waitFor(() => seen.ended, 'the stream to end');
    expect(seen).toEqual({ data: 'MAIL BODY', ended: true, error: null });
  });

  test('a refused gate fails the stream with its reason and never ends it', async () => {
    const source = make();
    const seen = collect(holdEnd(source, Promise.reject(new Error('record failed'))));
    feed(source, ['MAIL']);
    await waitFor(() => seen.error !== null, 'the stream to fail');
    expect(seen.ended).toBe(false);
    expect(seen.error?.message).toBe('record failed');
  });
});

describe('the preview mailer', () => {
  test('writes each .eml readable by its owner only (0600), in a folder only its owner can open (0700), even one made before', async () => {
    const { mkdtempSync, mkdirSync, readdirSync, rmSync, statSync } = await import('fs');
    const os = await import('os');
    const path = await import('path');
    const { createPreviewMailer } = await import('../../src/mail/mailer');
    const { silentLogger } = await import('../../src/logger');
    const root = mkdtempSync(path.join(os.tmpdir(), 'wl-preview-'));
    try {
      const fresh = path.join(root, 'fresh', 'outbox');
      const old = path.join(root, 'old');
      mkdirSync(old, { mode: 0o755 });
      for (const dir of [fresh, old]) {
        const mailer = createPreviewMailer(dir, silentLogger());
        await mailer.send({
          from: 'Shop <wishlist@shop.example>', to: 'ann@example.com', subject: 'On sale', text: 'x', html: '<p>x</p>',
          messageId: '<preview-1@shop.example>',
        });
        const [file] = readdirSync(dir);
        expect([dir, statSync(dir).mode & 0o777, statSync(path.join(dir, file)).mode & 0o777]).toEqual([dir, 0o700, 0o600]);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
