import { loadConfig } from '../../src/config/config';
import { silentLogger } from '../../src/logger';
import { AlertEmailInput, createAlertRenderer, mailSettingsFrom, RenderedEmail, UnshowableItems } from '../../src/mail/render';
import { AlertDelivery } from '../../src/services/delivery/AlertDelivery';
import { addToWishlist, insertProduct, insertUser, startSale } from '../support/factories';
import { Stack, startStack, UNSUBSCRIBE_SECRET } from '../support/stack';

/**
 * What goes wrong with one email stays with that email. The renderer is wrapped here to
 * fail on purpose (the real one no longer fails on any value the shop can hold: see
 * badRows.test.ts); everything else is real: the database, the SMTP sink, the records.
 */
describe('one email that cannot be composed or sent', () => {
  let s: Stack;
  const MAX_ATTEMPTS = 3;
  beforeEach(async () => {
    s = await startStack({ WISHLIST_MAIL_MAX_ATTEMPTS: String(MAX_ATTEMPTS) });
  });
  afterEach(() => s.close());

  /** The module's delivery with `wrap` around the real renderer. */
  function deliveryWith(wrap: (input: AlertEmailInput, real: (i: AlertEmailInput) => RenderedEmail) => RenderedEmail): AlertDelivery {
    const config = loadConfig({ PUBLIC_URL: 'https://shop.example', FRONTEND_URL: 'https://simfab.example', WISHLIST_MAIL_MAX_ATTEMPTS: String(MAX_ATTEMPTS) });
    const real = createAlertRenderer(mailSettingsFrom(config, UNSUBSCRIBE_SECRET));
    return new AlertDelivery({
      pool: s.db.pool, router: s.alerts.mail, logger: silentLogger(), clock: s.clock,
      render: (input) => wrap(input, real),
      timezone: async () => 'UTC',
      settings: {
        batchSize: 200, maxEmailsPerDay: 0, saleMinDropPercent: 0, maxAttempts: MAX_ATTEMPTS, retryBaseMs: 60_000, leaseMs: 60_000,
        instanceId: 'isolation-test', concurrency: 5, storefronts: { us: 'https://simfab.example', eu: 'https://simfab.example' },
        saleSettleSeconds: 0, priceDropEnabled: true, mailRates: { us: null, eu: null },
      },
    });
  }

  /** `count` shoppers with one item on sale each, queued (the stack's own delivery is kept from sending). */
  async function queuedShoppers(count: number, name = (i: number) => `Good ${i}`) {
    const users = [];
    for (let i = 0; i < count; i++) {
      const user = await insertUser(s.db.pool);
      const productId = await insertProduct(s.db.pool, { name: name(i), regularPrice: 200 });
      await addToWishlist(s.db.pool, user.id, productId);
      await startSale(s.db.pool, productId, 150);
      users.push(user);
    }
    return users;
  }

  async function queueWithoutSending() {
    await s.sink.pause();
    await s.check('sale');
    await s.sink.resume();
    // Back to untried: the failed connection above spent no attempt of the test's.
    await s.db.pool.query(`UPDATE wishlist_alert_messages SET attempts = 0, last_error = NULL, next_attempt_at = $1`, [s.clock.now()]);
  }

  async function messageOf(userId: number) {
    const { rows } = await s.db.pool.query(
      `SELECT m.status, m.attempts, m.last_error, n.status AS item_status, n.error AS item_error
         FROM wishlist_alert_messages m JOIN wishlist_alert_items n ON n.message_id = m.id WHERE m.user_id = $1`,
      [userId],
    );
    return rows[0];
  }

  test('an email whose composing throws fails alone with the reason, is retried with backoff, and fails for good at the last attempt', async () => {
    const users = await queuedShoppers(12);
    const poisoned = users[5];
    await queueWithoutSending();
    const delivery = deliveryWith((input, real) => {
      if (input.userId === poisoned.id) throw new RangeError('Invalid time value');
      return real(input);
    });

    expect(await delivery.deliver('sale')).toMatchObject({ emails: 11, errors: 1 });
    for (const user of users) expect(s.sink.to(user.email)).toHaveLength(user === poisoned ? 0 : 1);
    expect(await messageOf(poisoned.id)).toMatchObject({
      status: 'pending', attempts: 1, last_error: 'the email could not be composed: Invalid time value', item_status: 'queued',
    });
    const { rows: leftSending } = await s.db.pool.query(`SELECT id FROM wishlist_alert_messages WHERE status = 'sending'`);
    expect(leftSending).toEqual([]);

    expect(await delivery.deliver('sale')).toMatchObject({ emails: 0, errors: 0 }); // its retry is not due yet
    for (let attempt = 2; attempt <= MAX_ATTEMPTS; attempt++) {
      s.clock.advanceHours(1);
      expect(await delivery.deliver('sale')).toMatchObject({ emails: 0, errors: 1 });
    }
    expect(await messageOf(poisoned.id)).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, item_status: 'failed' });
    s.clock.advanceHours(24);
    expect(await delivery.deliver('sale')).toMatchObject({ emails: 0, errors: 0 });
    expect((await messageOf(poisoned.id)).attempts).toBe(MAX_ATTEMPTS);
    // The shop's log of the outcome: failed, with the reason, and no subject (there was no email).
    const { rows } = await s.db.pool.query(`SELECT status, subject, error_message, recipient_email FROM email_logs WHERE status = 'failed'`);
    expect(rows).toEqual([{ status: 'failed', subject: '', error_message: 'the email could not be composed: Invalid time value', recipient_email: poisoned.email }]);
  });

  test("an item the renderer cannot show is left out with its reason; the shopper's other items go", async () => {
    const user = await insertUser(s.db.pool);
    for (const name of ['Fine Wheel', 'Unshowable', 'Fine Pedals']) {
      const productId = await insertProduct(s.db.pool, { name, regularPrice: 200 });
      await addToWishlist(s.db.pool, user.id, productId);
      await startSale(s.db.pool, productId, 150);
    }
    await queueWithoutSending();
    const delivery = deliveryWith((input, real) => {
      const bad = input.items.filter((i) => i.name === 'Unshowable');
      if (bad.length > 0) throw new UnshowableItems(bad.map((item) => ({ item, reason: 'its end date is not a date' })));
      return real(input);
    });
    expect(await delivery.deliver('sale')).toEqual({ notified: 2, emails: 1, errors: 0, skipped: 1, suppressed: 0 });
    const [mail] = s.sink.to(user.email);
    expect(mail.subject).toBe('On sale: Fine Wheel and 1 more from your wishlist');
    expect(mail.text).not.toContain('Unshowable');
    const { rows } = await s.db.pool.query(
      `SELECT p.name, n.status, n.error FROM wishlist_alert_items n JOIN products p ON p.id = n.product_id ORDER BY n.id`,
    );
    expect(rows).toEqual([
      { name: 'Fine Wheel', status: 'sent', error: null },
      { name: 'Unshowable', status: 'skipped', error: 'cannot be shown: its end date is not a date' },
      { name: 'Fine Pedals', status: 'sent', error: null },
    ]);
  });

  test('a shopper whose only item cannot be shown gets no email; the message is skipped, not retried', async () => {
    const [user] = await queuedShoppers(1, () => 'Unshowable');
    const [other] = await queuedShoppers(1);
    await queueWithoutSending();
    const delivery = deliveryWith((input, real) => {
      if (input.items[0].name === 'Unshowable') throw new UnshowableItems([{ item: input.items[0], reason: 'no' }]);
      return real(input);
    });
    expect(await delivery.deliver('sale')).toEqual({ notified: 1, emails: 1, errors: 0, skipped: 1, suppressed: 0 });
    expect(s.sink.to(user.email)).toHaveLength(0);
    expect(s.sink.to(other.email)).toHaveLength(1);
    expect(await messageOf(user.id)).toMatchObject({ status: 'skipped', item_status: 'skipped', item_error: 'cannot be shown: no' });
  });
});

describe("a deliverer's lease that ran out", () => {
  let s: Stack;
  afterEach(() => s.close());

  async function queuedThenCutOff(attempts: number) {
    const user = await insertUser(s.db.pool);
    const productId = await insertProduct(s.db.pool, { name: 'Wheel', regularPrice: 200 });
    await addToWishlist(s.db.pool, user.id, productId);
    await s.alerts.watch.lookOnce(); // the watch's first look: it has seen every product
    await startSale(s.db.pool, productId, 150);
    await s.sink.pause();
    await s.check('sale');
    await s.alerts.watch.lookOnce(); // sees the sale the check saw; the message's retry is not due
    await s.sink.resume();
    // A deliverer took it and died: still 'sending', its lease long gone.
    await s.db.pool.query(
      `UPDATE wishlist_alert_messages SET status = 'sending', attempts = $1, locked_by = 'dead-instance', locked_until = $2`,
      [attempts, new Date(s.clock.now().getTime() - 60_000)],
    );
    return user;
  }

  test('the watch takes the message back at its next look, though nothing changed in the shop', async () => {
    s = await startStack({ WISHLIST_WATCH_ENABLED: 'true' });
    const user = await queuedThenCutOff(1);
    expect(await s.alerts.watch.lookOnce()).toEqual({ products: 0, queued: 0, emails: 1 });
    expect(s.sink.to(user.email)).toHaveLength(1);
    const { rows } = await s.db.pool.query(`SELECT status, attempts FROM wishlist_alert_messages`);
    expect(rows).toEqual([{ status: 'sent', attempts: 2 }]);
  });

  test('one cut off at its last attempt (WISHLIST_MAIL_MAX_ATTEMPTS) fails for good with the reason, never past the limit', async () => {
    s = await startStack({ WISHLIST_MAIL_MAX_ATTEMPTS: '2' });
    const user = await queuedThenCutOff(2);
    expect(await s.check('sale')).toMatchObject({ emails: 0, errors: 1 });
    s.clock.advanceHours(24);
    expect(await s.check('sale')).toMatchObject({ emails: 0, errors: 0 });
    expect(s.sink.to(user.email)).toHaveLength(0);
    const { rows } = await s.db.pool.query(`SELECT status, attempts, last_error FROM wishlist_alert_messages`);
    expect(rows).toEqual([{
      status: 'failed', attempts: 2,
      last_error: 'gave up after 2 attempts: the last one ended without an outcome (its deliverer stopped or lost its lease)',
    }]);
    const logs = await s.db.pool.query(`SELECT status, error_message FROM email_logs`);
    expect(logs.rows).toEqual([{ status: 'failed', error_message: rows[0].last_error }]);
  });
});
