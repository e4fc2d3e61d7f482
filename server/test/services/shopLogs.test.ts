import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import type { AddressObject } from 'mailparser';
import {
  addToWishlist, insertProduct, insertUser, setRegionSetting, setTemplateActive, startSale, updateProduct,
} from '../support/factories';
import { Stack, startStack } from '../support/stack';

/**
 * What the module writes to the shop's own logs (email_logs, wishlist_notifications, the
 * wishlists' last_*_notified_at), and the shop's settings that steer the mail: test mode,
 * the mail server in region_settings, the templates' switch and header.
 */
describe("the shop's logs and mail settings", () => {
  let s: Stack;
  beforeEach(async () => {
    s = await startStack();
  });
  afterEach(() => s.close());

  async function saleItem(userId: number, name: string, regularPrice = 200, salePrice = 150, region: 'us' | 'eu' = 'us') {
    const productId = await insertProduct(s.db.pool, { name, regularPrice, region });
    const wishlistId = await addToWishlist(s.db.pool, userId, productId);
    await startSale(s.db.pool, productId, salePrice);
    return { productId, wishlistId };
  }

  async function emailLogs() {
    const { rows } = await s.db.pool.query(
      `SELECT id, template_type, recipient_email, recipient_name, subject, status, error_message,
              metadata, metadata->>'messageId' AS message_id, sent_at
         FROM email_logs ORDER BY id`,
    );
    return rows;
  }

  async function shopNotifications() {
    const { rows } = await s.db.pool.query(
      `SELECT wishlist_id, notification_type, email_sent, email_sent_at, email_log_id,
              product_price, product_sale_price, product_stock, product_in_stock
         FROM wishlist_notifications ORDER BY id`,
    );
    return rows;
  }

  async function stamps(wishlistId: number) {
    const { rows } = await s.db.pool.query(
      'SELECT last_sale_notified_at, last_stock_notified_at FROM wishlists WHERE id = $1',
      [wishlistId],
    );
    return rows[0];
  }

  describe('email_logs and wishlist_notifications', () => {
    test('a sale email with two items: one sent email_logs row, two sale rows pointing at it, last_sale_notified_at set', async () => {
      const user = await insertUser(s.db.pool, { firstName: 'Ann' });
      const wheel = await saleItem(user.id, 'Racing Wheel', 1299, 999);
      const rig = await saleItem(user.id, 'Full Motion Rig', 12345.67, 9876.54);

      expect(await s.check('sale')).toEqual({ checked: 2, notified: 2, emails: 1, errors: 0 });
      const [mail] = s.sink.to(user.email);
      expect(mail.messageId).toMatch(/^<wishlist-alert\./);

      const logs = await emailLogs();
      expect(logs).toHaveLength(1);
      const [log] = logs;
      expect(log).toMatchObject({
        template_type: 'wishlist_sale_notification',
        recipient_email: user.email,
        recipient_name: 'Ann',
        subject: 'On sale: Racing Wheel and 1 more from your wishlist',
        status: 'sent',
        error_message: null,
        message_id: mail.messageId,
      });
      expect(log.subject).toBe(mail.subject);
      expect(log.sent_at).toBeInstanceOf(Date);
      expect(log.metadata.items).toEqual([
        expect.objectContaining({ kind: 'sale', wishlistId: wheel.wishlistId, productId: wheel.productId, name: 'Racing Wheel', regularPrice: '1299.00', salePrice: '999.00' }),
        expect.objectContaining({ kind: 'sale', wishlistId: rig.wishlistId, productId: rig.productId, name: 'Full Motion Rig', regularPrice: '12345.67', salePrice: '9876.54' }),
      ]);

      const rows = await shopNotifications();
      expect(rows).toEqual([
        {
          wishlist_id: wheel.wishlistId, notification_type: 'sale', email_sent: true, email_sent_at: expect.any(Date), email_log_id: log.id,
          product_price: '1299.00', product_sale_price: '999.00', product_stock: null, product_in_stock: null,
        },
        {
          wishlist_id: rig.wishlistId, notification_type: 'sale', email_sent: true, email_sent_at: expect.any(Date), email_log_id: log.id,
          product_price: '12345.67', product_sale_price: '9876.54', product_stock: null, product_in_stock: null,
        },
      ]);
      for (const w of [wheel, rig]) {
        expect(await stamps(w.wishlistId)).toEqual({ last_sale_notified_at: expect.any(Date), last_stock_notified_at: null });
      }

      // A later check during the same sale writes nothing more.
      await s.check('sale');
      expect(await emailLogs()).toHaveLength(1);
      expect(await shopNotifications()).toHaveLength(2);
    });

    test('a restock email: a stock email_logs row and a stock row with product_stock and product_in_stock 1', async () => {
      const user = await insertUser(s.db.pool, { firstName: null });
      const productId = await insertProduct(s.db.pool, { name: 'Racing Seat', stock: 0 });
      const wishlistId = await addToWishlist(s.db.pool, user.id, productId);
      await updateProduct(s.db.pool, productId, { stock: 7, inStock: '1' });

      expect(await s.check('stock')).toEqual({ checked: 1, notified: 1, emails: 1, errors: 0 });
      const [mail] = s.sink.to(user.email);
      const [log, ...more] = await emailLogs();
      expect(more).toHaveLength(0);
      expect(log).toMatchObject({
        template_type: 'wishlist_stock_notification',
        recipient_email: user.email,
        recipient_name: null,
        subject: 'Back in stock: Racing Seat from your wishlist',
        status: 'sent',
        error_message: null,
        message_id: mail.messageId,
        sent_at: expect.any(Date),
      });
      expect(log.metadata.items).toEqual([expect.objectContaining({ kind: 'stock', wishlistId, productId, name: 'Racing Seat', stock: 7 })]);
      expect(await shopNotifications()).toEqual([
        {
          wishlist_id: wishlistId, notification_type: 'stock', email_sent: true, email_sent_at: expect.any(Date), email_log_id: log.id,
          product_price: null, product_sale_price: null, product_stock: 7, product_in_stock: '1',
        },
      ]);
      expect(await stamps(wishlistId)).toEqual({ last_sale_notified_at: null, last_stock_notified_at: expect.any(Date) });
    });

    test('a message refused for good (550) writes a failed email_logs row with the error, and rows with email_sent false', async () => {
      const refused = await insertUser(s.db.pool, { email: 'nobody@refused.example', firstName: 'Nobody' });
      const fine = await insertUser(s.db.pool);
      const item = await saleItem(refused.id, 'Wheel');
      await saleItem(fine.id, 'Pedals');
      s.sink.rejectRecipient = (a) => (a === 'nobody@refused.example' ? { code: 550, message: 'No such user here' } : null);

      expect(await s.check('sale')).toEqual({ checked: 2, notified: 1, emails: 1, errors: 1 });
      const logs = await emailLogs();
      expect(logs.map((l) => [l.recipient_email, l.status])).toEqual(
        expect.arrayContaining([['nobody@refused.example', 'failed'], [fine.email, 'sent']]),
      );
      expect(logs).toHaveLength(2);
      const failed = logs.find((l) => l.status === 'failed')!;
      expect(failed).toMatchObject({ template_type: 'wishlist_sale_notification', recipient_name: 'Nobody', sent_at: null });
      expect(failed.error_message).toContain('550');
      expect(failed.error_message).toContain('No such user here');
      expect(failed.metadata.items).toEqual([expect.objectContaining({ wishlistId: item.wishlistId, name: 'Wheel' })]);

      const rows = (await shopNotifications()).filter((r) => r.wishlist_id === item.wishlistId);
      expect(rows).toEqual([
        expect.objectContaining({ notification_type: 'sale', email_sent: false, email_log_id: failed.id, product_price: '200.00', product_sale_price: '150.00' }),
      ]);
      expect((await stamps(item.wishlistId)).last_sale_notified_at).toBeNull();

      // Final: a later check neither retries it nor logs it again.
      s.sink.rejectRecipient = () => null;
      s.clock.advanceHours(24);
      await s.check('sale');
      expect(s.sink.to('nobody@refused.example')).toHaveLength(0);
      expect(await emailLogs()).toHaveLength(2);
    });

    test('a transient failure (451) writes nothing to the shop\'s logs until its final outcome', async () => {
      const user = await insertUser(s.db.pool);
      const item = await saleItem(user.id, 'Wheel');
      s.sink.failNext(1, { code: 451, message: 'Requested action aborted: local error in processing' });

      expect(await s.check('sale')).toMatchObject({ emails: 0, errors: 1 });
      expect(s.sink.refused).toHaveLength(1);
      expect(await emailLogs()).toEqual([]);
      expect(await shopNotifications()).toEqual([]);
      expect((await stamps(item.wishlistId)).last_sale_notified_at).toBeNull();

      s.clock.advanceHours(1);
      expect(await s.check('sale')).toMatchObject({ emails: 1, errors: 0 });
      const [mail] = s.sink.to(user.email);
      const logs = await emailLogs();
      expect(logs).toEqual([expect.objectContaining({ status: 'sent', error_message: null, message_id: mail.messageId })]);
      expect(await shopNotifications()).toEqual([
        expect.objectContaining({ wishlist_id: item.wishlistId, email_sent: true, email_log_id: logs[0].id }),
      ]);
    });

    test('a transient failure followed by a permanent one logs a single failed row, for the final outcome', async () => {
      const user = await insertUser(s.db.pool, { email: 'flaky@refused.example' });
      const item = await saleItem(user.id, 'Wheel');
      s.sink.failNext(1, { code: 451, message: 'Requested action aborted: local error in processing' });
      await s.check('sale');
      expect(await emailLogs()).toEqual([]);

      s.sink.rejectRecipient = () => ({ code: 550, message: 'Mailbox gone' });
      s.clock.advanceHours(1);
      expect(await s.check('sale')).toMatchObject({ emails: 0, errors: 1 });
      const logs = await emailLogs();
      expect(logs).toHaveLength(1);
      expect(logs[0]).toMatchObject({ status: 'failed', recipient_email: 'flaky@refused.example', sent_at: null });
      expect(logs[0].error_message).toContain('Mailbox gone');
      expect(await shopNotifications()).toEqual([
        expect.objectContaining({ wishlist_id: item.wishlistId, email_sent: false, email_log_id: logs[0].id }),
      ]);
    });
  });

  describe('recipients', () => {
    test('an invalid recipient gets no email at all, fails for good, counts as an error, is not retried; others still get theirs', async () => {
      const list = await insertUser(s.db.pool, { email: 'a@x.example, b@y.example' });
      const injected = await insertUser(s.db.pool, { email: 'd@w.example\r\nBcc: c@z.example' });
      const fine = await insertUser(s.db.pool);
      await saleItem(list.id, 'List Wheel');
      await saleItem(injected.id, 'Injected Wheel');
      await saleItem(fine.id, 'Fine Wheel');
      const rcptTo: string[] = [];
      s.sink.rejectRecipient = (a) => {
        rcptTo.push(a);
        return null;
      };

      expect(await s.check('sale')).toEqual({ checked: 3, notified: 1, emails: 1, errors: 2 });
      expect(s.sink.to(fine.email)).toHaveLength(1);
      // Not even in part: no RCPT TO, no delivered copy, for any of those addresses.
      expect(rcptTo).toEqual([fine.email]);
      expect(s.sink.received).toHaveLength(1);
      expect(s.sink.refused).toHaveLength(0);
      const [mail] = s.sink.received;
      expect(mail.to).toEqual([fine.email]);
      expect(mail.parsed.headers.has('bcc')).toBe(false);
      for (const bad of ['a@x.example', 'b@y.example', 'c@z.example', 'd@w.example']) {
        expect(s.sink.received.some((m) => m.to.includes(bad))).toBe(false);
      }

      const { rows } = await s.db.pool.query(
        `SELECT n.user_id, n.status, n.error, m.status AS message_status, m.attempts, m.last_error
           FROM wishlist_alert_items n JOIN wishlist_alert_messages m ON m.id = n.message_id
          WHERE n.user_id = ANY($1::int[]) ORDER BY n.user_id`,
        [[list.id, injected.id]],
      );
      expect(rows).toEqual([
        { user_id: list.id, status: 'failed', error: 'invalid recipient address', message_status: 'failed', attempts: 1, last_error: 'invalid recipient address' },
        { user_id: injected.id, status: 'failed', error: 'invalid recipient address', message_status: 'failed', attempts: 1, last_error: 'invalid recipient address' },
      ]);
      const failedLogs = (await emailLogs()).filter((l) => l.status !== 'sent');
      expect(failedLogs).toHaveLength(2);
      for (const l of failedLogs) expect(l).toMatchObject({ status: 'failed', error_message: 'invalid recipient address', sent_at: null });
      // The shop's log keeps what was stored, on one line: no line break of it reaches a column or a screen.
      expect(failedLogs.map((l) => l.recipient_email).sort()).toEqual(['a@x.example, b@y.example', 'd@w.example Bcc: c@z.example']);

      // Not retried: a day later nothing is tried again.
      s.clock.advanceHours(24);
      expect(await s.check('sale')).toEqual({ checked: 3, notified: 0, emails: 0, errors: 0 });
      expect(rcptTo).toEqual([fine.email]);
      const { rows: again } = await s.db.pool.query(
        `SELECT status, attempts FROM wishlist_alert_messages WHERE user_id = ANY($1::int[])`,
        [[list.id, injected.id]],
      );
      expect(again).toEqual([{ status: 'failed', attempts: 1 }, { status: 'failed', attempts: 1 }]);
    });
  });

  describe('test mode (region_settings)', () => {
    test('with a test address, the email goes there with [TEST for <shopper>] and email_logs records the test address', async () => {
      await setRegionSetting(s.db.pool, 'us', 'smtp_test_mode', 'true');
      await setRegionSetting(s.db.pool, 'us', 'smtp_test_email', 'qa@simfab.example');
      const user = await insertUser(s.db.pool, { email: 'racer@example.com' });
      await saleItem(user.id, 'Wheel');

      expect(await s.check('sale')).toMatchObject({ notified: 1, emails: 1, errors: 0 });
      expect(s.sink.to('racer@example.com')).toHaveLength(0);
      const mails = s.sink.to('qa@simfab.example');
      expect(mails).toHaveLength(1);
      expect(mails[0].to).toEqual(['qa@simfab.example']);
      expect(mails[0].subject).toBe('[TEST for racer@example.com] On sale: Wheel from your wishlist');
      expect(s.sink.received.every((m) => !m.to.includes('racer@example.com'))).toBe(true);

      const [log] = await emailLogs();
      expect(log).toMatchObject({
        recipient_email: 'qa@simfab.example',
        subject: '[TEST for racer@example.com] On sale: Wheel from your wishlist',
        status: 'sent',
        message_id: mails[0].messageId,
      });
    });

    test('test mode of one region leaves the other region alone', async () => {
      await setRegionSetting(s.db.pool, 'us', 'smtp_test_mode', 'true');
      await setRegionSetting(s.db.pool, 'us', 'smtp_test_email', 'qa@simfab.example');
      const user = await insertUser(s.db.pool);
      await saleItem(user.id, 'US Wheel', 200, 150, 'us');
      await saleItem(user.id, 'EU Wheel', 200, 150, 'eu');

      expect(await s.check('sale')).toMatchObject({ emails: 2, errors: 0 });
      const [euMail, ...others] = s.sink.to(user.email);
      expect(others).toHaveLength(0);
      expect(euMail.text).toContain('EU Wheel');
      expect(euMail.subject).not.toContain('[TEST');
      expect(s.sink.to('qa@simfab.example')[0].text).toContain('US Wheel');
    });

    test('with no test address, nothing is sent and the message stays pending with the reason', async () => {
      await setRegionSetting(s.db.pool, 'us', 'smtp_test_mode', 'true');
      await setRegionSetting(s.db.pool, 'us', 'smtp_test_email', '');
      const user = await insertUser(s.db.pool);
      await saleItem(user.id, 'Wheel');

      expect(await s.check('sale')).toEqual({ checked: 1, notified: 0, emails: 0, errors: 0 });
      expect(s.sink.received).toHaveLength(0);
      const { rows } = await s.db.pool.query(
        'SELECT status, attempts, last_error FROM wishlist_alert_messages WHERE user_id = $1',
        [user.id],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: 'pending', attempts: 0 });
      expect(rows[0].last_error).toMatch(/test mode/);
      expect(rows[0].last_error).toMatch(/no test address/);
      expect(await emailLogs()).toEqual([]);
      expect(await shopNotifications()).toEqual([]);

      // Once the admin gives a test address (and the cached settings are re-read), it goes there.
      await setRegionSetting(s.db.pool, 'us', 'smtp_test_email', 'qa@simfab.example');
      s.clock.advanceMs(61_000);
      expect(await s.check('sale')).toMatchObject({ emails: 1 });
      expect(s.sink.to('qa@simfab.example')).toHaveLength(1);
      expect(s.sink.to(user.email)).toHaveLength(0);
    });
  });

  describe('region_settings as the mail server', () => {
    let dataDir: string;
    beforeEach(async () => {
      await s.close();
      dataDir = mkdtempSync(path.join(tmpdir(), 'wishlist-alerts-'));
      s = await startStack({ SMTP_URL: '', DATA_DIR: dataDir });
    });
    afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

    test('without SMTP_URL, the region\'s smtp_host / smtp_port / smtp_from_email deliver to that server from that sender', async () => {
      await setRegionSetting(s.db.pool, 'us', 'smtp_host', '127.0.0.1');
      await setRegionSetting(s.db.pool, 'us', 'smtp_port', String(s.sink.port));
      await setRegionSetting(s.db.pool, 'us', 'smtp_enabled', 'true');
      await setRegionSetting(s.db.pool, 'us', 'smtp_from_email', 'shop@simfab.example');
      const user = await insertUser(s.db.pool);
      await saleItem(user.id, 'Wheel');

      expect(await s.check('sale')).toEqual({ checked: 1, notified: 1, emails: 1, errors: 0 });
      const [mail] = s.sink.to(user.email);
      expect(mail.from).toBe('shop@simfab.example');
      const from = (mail.parsed.from as AddressObject).value[0];
      expect(from).toMatchObject({ name: 'SimFab', address: 'shop@simfab.example' });
      const [log] = await emailLogs();
      expect(log).toMatchObject({ status: 'sent', recipient_email: user.email, message_id: mail.messageId });
    });

    test('smtp_host with smtp_enabled false is not used', async () => {
      await setRegionSetting(s.db.pool, 'us', 'smtp_host', '127.0.0.1');
      await setRegionSetting(s.db.pool, 'us', 'smtp_port', String(s.sink.port));
      await setRegionSetting(s.db.pool, 'us', 'smtp_enabled', 'false');
      const user = await insertUser(s.db.pool);
      await saleItem(user.id, 'Wheel');

      await s.check('sale');
      expect(s.sink.received).toHaveLength(0); // it went to the preview folder (development), not the server
    });
  });

  describe('templates (email_templates)', () => {
    test('a switched-off sale template queues nothing; switched on again, the sale still on is announced once', async () => {
      await setTemplateActive(s.db.pool, 'wishlist_sale_notification', false);
      const user = await insertUser(s.db.pool);
      const item = await saleItem(user.id, 'Wheel');

      expect(await s.check('sale')).toEqual({ checked: 0, notified: 0, emails: 0, errors: 0 });
      const { rows } = await s.db.pool.query('SELECT count(*)::int AS n FROM wishlist_alert_items');
      expect(rows[0].n).toBe(0);
      expect(s.sink.received).toHaveLength(0);
      expect(await emailLogs()).toEqual([]);

      await setTemplateActive(s.db.pool, 'wishlist_sale_notification', true);
      expect(await s.check('sale')).toEqual({ checked: 1, notified: 1, emails: 1, errors: 0 });
      await s.check('sale');
      s.clock.advanceHours(2);
      await s.check('sale');
      expect(s.sink.to(user.email)).toHaveLength(1);
      expect((await stamps(item.wishlistId)).last_sale_notified_at).toBeInstanceOf(Date);
    });

    test('a switched-off stock template does not stop sale alerts', async () => {
      await setTemplateActive(s.db.pool, 'wishlist_stock_notification', false);
      const user = await insertUser(s.db.pool);
      await saleItem(user.id, 'Wheel');
      const productId = await insertProduct(s.db.pool, { name: 'Seat', stock: 0 });
      await addToWishlist(s.db.pool, user.id, productId);
      await updateProduct(s.db.pool, productId, { stock: 3 });

      expect(await s.check('stock')).toEqual({ checked: 0, notified: 0, emails: 0, errors: 0 });
      expect(await s.check('sale')).toMatchObject({ notified: 1, emails: 1 });
      const mails = s.sink.to(user.email);
      expect(mails).toHaveLength(1);
      expect(mails[0].text).not.toContain('Seat');
    });

    test("the template's header_title and header_image are used in the email header instead of SHOP_NAME", async () => {
      await s.close();
      s = await startStack({ SHOP_NAME: 'Module Default Shop' });
      await s.db.pool.query(
        `UPDATE email_templates SET header_title = 'SimFab Racing', header_image = '/brand/logo.png'
          WHERE type = 'wishlist_sale_notification'`,
      );
      const user = await insertUser(s.db.pool);
      await saleItem(user.id, 'Wheel');

      expect((await s.check('sale')).emails).toBe(1);
      const [mail] = s.sink.to(user.email);
      expect(mail.html).toContain('SimFab Racing');
      expect(mail.html).toContain('src="https://simfab.example/brand/logo.png"');
      expect(mail.text.split('\n')[0]).toMatch(/^SimFab Racing — https:\/\/simfab\.example\/\?utm_source=/);
      expect(mail.html).not.toContain('Module Default Shop');
      expect(mail.text).not.toContain('Module Default Shop');
    });
  });
});
