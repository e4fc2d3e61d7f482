import { addToWishlist, insertProduct, insertUser, startSale, updateProduct } from '../support/factories';
import request from 'supertest';
import { claimMessages } from '../../src/db/outbox/claim';
import { loadItems } from '../../src/db/outbox/loadItems';
import { markFailed, markSent } from '../../src/db/outbox/record';
import { ADMIN_TOKEN, Stack, startStack } from '../support/stack';

describe('delivering wishlist alerts', () => {
  let s: Stack;
  beforeEach(async () => {
    s = await startStack({ MAIL_FROM: 'Sim Shop <alerts@sim.example>', FRONTEND_URL: 'https://sim.example/' });
  });
  afterEach(() => s.close());

  async function wishlistedOnSale(userId: number, name: string, regularPrice: number, salePrice: number, slug?: string) {
    const productId = await insertProduct(s.db.pool, { name, regularPrice, slug });
    await addToWishlist(s.db.pool, userId, productId);
    await startSale(s.db.pool, productId, salePrice);
    return productId;
  }

  async function notificationRows(userId: number) {
    const { rows } = await s.db.pool.query(
      `SELECT n.status, n.error, n.kind, n.sale_price::text, n.regular_price::text, m.attempts, m.status AS message_status,
              w.last_sale_notified_at
         FROM wishlist_alert_items n JOIN wishlist_alert_messages m ON m.id = n.message_id
         LEFT JOIN wishlists w ON w.id = n.wishlist_id
        WHERE n.user_id = $1 ORDER BY n.id`,
      [userId],
    );
    return rows;
  }

  test('when a shopper has several items on sale, then one email lists them all', async () => {
    const ann = await insertUser(s.db.pool, { firstName: 'Ann' });
    const bob = await insertUser(s.db.pool, { firstName: null });
    await wishlistedOnSale(ann.id, 'Racing Wheel', 1299, 999, 'racing-wheel');
    await wishlistedOnSale(ann.id, 'Pedals', 400, 300);
    await wishlistedOnSale(ann.id, 'Seat', 900, 850);
    await wishlistedOnSale(bob.id, 'Racing Wheel 2', 1299, 999);

    expect(await s.check('sale')).toEqual({ checked: 4, notified: 4, emails: 2, errors: 0 });
    const [mail] = s.sink.to(ann.email);
    expect(s.sink.to(ann.email)).toHaveLength(1);
    expect(mail.subject).toBe('On sale: Racing Wheel and 2 more from your wishlist');
    expect(mail.from).toBe('alerts@sim.example');
    expect(mail.messageId).toMatch(/^<wishlist-alert\.[A-Za-z0-9_-]{22}@sim\.example>$/);
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain('Hi Ann,');
      expect(part).toContain('https://sim.example/product/racing-wheel');
      expect(part).toContain('$999.00');
      expect(part).toContain('$1,299.00');
      expect(part).toContain('23% off');
      expect(part).toContain('Pedals');
      expect(part).toContain('Seat');
      expect(part).toContain('https://sim.example/wishlist');
      expect(part).not.toContain('/account/wishlist');
    }
    expect(s.sink.to(bob.email)[0].text).toMatch(/^Hi,$/m);
    const rows = await notificationRows(ann.id);
    expect(rows.map((r) => [r.status, r.kind])).toEqual([['sent', 'sale'], ['sent', 'sale'], ['sent', 'sale']]);
    expect(rows[0]).toMatchObject({ sale_price: '999.00', regular_price: '1299.00' });
    expect(rows.every((r) => r.last_sale_notified_at instanceof Date)).toBe(true);
  });

  test('product and shopper text is escaped in the HTML part', async () => {
    const user = await insertUser(s.db.pool, { firstName: '<b>Eve</b>' });
    await wishlistedOnSale(user.id, '<img src=x onerror=alert(1)>', 100, 50);
    await s.check('sale');
    const [mail] = s.sink.to(user.email);
    expect(mail.html).not.toContain('<img src=x');
    expect(mail.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(mail.html).toContain('Hi &lt;b&gt;Eve&lt;/b&gt;,');
    expect(mail.text).toContain('<img src=x onerror=alert(1)>');
  });

  test('when SMTP is down, nothing is marked sent, and the alert goes out once at a later check', async () => {
    const user = await insertUser(s.db.pool);
    await wishlistedOnSale(user.id, 'Wheel', 200, 150);
    await s.sink.pause();
    expect(await s.check('sale')).toEqual({ checked: 1, notified: 0, emails: 0, errors: 1 });
    let rows = await notificationRows(user.id);
    expect(rows[0]).toMatchObject({ status: 'queued', message_status: 'pending', attempts: 1, last_sale_notified_at: null });
    expect(rows[0].error).toMatch(/ECONNREFUSED|connect/i);

    await s.sink.resume();
    s.clock.advanceHours(1); // past the retry backoff, as the next hourly check would be
    expect(await s.check('sale')).toEqual({ checked: 1, notified: 1, emails: 1, errors: 0 });
    await s.check('sale');
    expect(s.sink.to(user.email)).toHaveLength(1);
    rows = await notificationRows(user.id);
    expect(rows[0]).toMatchObject({ status: 'sent', message_status: 'sent', attempts: 2, error: null });
    const sent = await request(s.app).get('/api/admin/wishlist-jobs/notifications?kind=sale').set('Authorization', `Bearer ${ADMIN_TOKEN}`);
    expect(sent.body.data.notifications[0]).toMatchObject({ status: 'sent', attempts: 2, error: null, sentAt: expect.any(String) });
  });

  test('when the mail server is unreachable, the run stops after the first failures and the untried alerts keep their attempts', async () => {
    const users = [];
    for (let i = 0; i < 12; i++) {
      const user = await insertUser(s.db.pool);
      await wishlistedOnSale(user.id, `Wheel ${i}`, 200, 150);
      users.push(user);
    }
    await s.sink.pause();
    const down = await s.check('sale');
    expect(down.emails).toBe(0);
    expect(down.errors).toBeGreaterThanOrEqual(1);
    expect(down.errors).toBeLessThanOrEqual(5); // the messages in flight when it failed, not all twelve
    const { rows } = await s.db.pool.query(`SELECT attempts, status FROM wishlist_alert_messages ORDER BY id`);
    expect(rows.filter((r) => r.attempts === 0 && r.status === 'pending').length).toBe(12 - down.errors);

    await s.sink.resume();
    s.clock.advanceHours(1);
    expect((await s.check('sale')).emails).toBe(12);
    for (const user of users) expect(s.sink.to(user.email)).toHaveLength(1);
  });

  test('a transient 4xx reply is retried with backoff, not at once', async () => {
    const user = await insertUser(s.db.pool);
    await wishlistedOnSale(user.id, 'Wheel', 200, 150);
    s.sink.failNext(1, { code: 451, message: 'Requested action aborted: local error in processing' });
    expect((await s.check('sale')).errors).toBe(1);
    expect((await s.check('sale')).emails).toBe(0); // the retry is not due yet
    s.clock.advanceHours(1);
    expect((await s.check('sale')).emails).toBe(1);
    expect(s.sink.to(user.email)).toHaveLength(1);
  });

  test('an address the server refuses (5xx) fails for good with the reply, and the other shoppers still get theirs', async () => {
    const refused = await insertUser(s.db.pool, { email: 'nobody@refused.example' });
    const fine = await insertUser(s.db.pool);
    await wishlistedOnSale(refused.id, 'Wheel', 200, 150);
    await wishlistedOnSale(fine.id, 'Wheel 2', 200, 150);
    s.sink.rejectRecipient = (a) => (a === 'nobody@refused.example' ? { code: 550, message: 'No such user here' } : null);

    expect(await s.check('sale')).toEqual({ checked: 2, notified: 1, emails: 1, errors: 1 });
    expect(s.sink.to(fine.email)).toHaveLength(1);
    const [row] = await notificationRows(refused.id);
    expect(row).toMatchObject({ status: 'failed', message_status: 'failed', last_sale_notified_at: null });
    expect(row.error).toContain('550');
    expect(row.error).toContain('No such user here');

    const listed = await request(s.app)
      .get('/api/admin/wishlist-jobs/notifications?status=failed')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .expect(200);
    expect(listed.body.data.notifications).toEqual([
      expect.objectContaining({ kind: 'sale', status: 'failed', recipient: 'n***@refused.example', attempts: 1, error: expect.stringContaining('550') }),
    ]);

    s.sink.rejectRecipient = () => null;
    s.clock.advanceHours(24);
    expect((await s.check('sale')).emails).toBe(0);
    expect(s.sink.to(refused.email)).toHaveLength(0);
  });

  test('a message that keeps failing is given up after WISHLIST_MAIL_MAX_ATTEMPTS', async () => {
    await s.close();
    s = await startStack({ WISHLIST_MAIL_MAX_ATTEMPTS: '2' });
    const user = await insertUser(s.db.pool);
    await wishlistedOnSale(user.id, 'Wheel', 200, 150);
    s.sink.failNext(5, { code: 421, message: 'Service not available' });
    await s.check('sale');
    s.clock.advanceHours(2);
    await s.check('sale');
    s.clock.advanceHours(10);
    expect((await s.check('sale')).errors).toBe(0);
    const [row] = await notificationRows(user.id);
    expect(row).toMatchObject({ status: 'failed', message_status: 'failed', attempts: 2 });
  });

  test('an item removed from the wishlist before delivery is skipped and kept as history; a deleted shopper gets nothing', async () => {
    const keeper = await insertUser(s.db.pool);
    const leaver = await insertUser(s.db.pool);
    const removed = await wishlistedOnSale(keeper.id, 'Removed', 200, 150);
    await wishlistedOnSale(keeper.id, 'Kept', 200, 150);
    await wishlistedOnSale(leaver.id, 'Gone', 200, 150);
    await s.sink.pause();
    await s.check('sale'); // queued; delivery fails
    await s.db.pool.query('DELETE FROM wishlists WHERE user_id = $1 AND product_id = $2', [keeper.id, removed]);
    await s.db.pool.query(`INSERT INTO wishlist_alert_optouts (user_id, source) VALUES ($1, 'api')`, [leaver.id]);
    await s.db.pool.query('DELETE FROM users WHERE id = $1', [leaver.id]);
    await s.sink.resume();
    s.clock.advanceHours(1);
    expect(await s.check('sale')).toMatchObject({ notified: 1, emails: 1 });
    const [mail] = s.sink.to(keeper.email);
    expect(mail.text).toContain('Kept');
    expect(mail.text).not.toContain('Removed');
    expect(s.sink.to(leaver.email)).toHaveLength(0);
    const { rows } = await s.db.pool.query('SELECT user_id, status, error FROM wishlist_alert_items ORDER BY id');
    expect(rows).toEqual([
      { user_id: keeper.id, status: 'skipped', error: 'removed from the wishlist' },
      { user_id: keeper.id, status: 'sent', error: null },
      // No trigger on the shop's users table: a deleted shopper's waiting alert is skipped at send time.
      { user_id: leaver.id, status: 'skipped', error: 'shopper deleted' },
    ]);
  });

  test('K6 at send time: an item queued while in stock but out of stock when delivery runs is skipped, not sent', async () => {
    const user = await insertUser(s.db.pool);
    const productId = await insertProduct(s.db.pool, { stock: 0 });
    await addToWishlist(s.db.pool, user.id, productId);
    await updateProduct(s.db.pool, productId, { stock: 5 });
    await s.sink.pause();
    await s.check('stock'); // queued; delivery fails
    await updateProduct(s.db.pool, productId, { stock: 0 });
    await s.sink.resume();
    s.clock.advanceHours(1);
    expect(await s.check('stock')).toEqual({ checked: 0, notified: 0, emails: 0, errors: 0 });
    expect(s.sink.to(user.email)).toHaveLength(0);
    const { rows } = await s.db.pool.query('SELECT status, error FROM wishlist_alert_items WHERE user_id = $1', [user.id]);
    expect(rows).toEqual([{ status: 'skipped', error: 'out of stock again' }]);
  });

  test("a deliverer whose lease ran out records nothing over the one that took its message since", async () => {
    const user = await insertUser(s.db.pool);
    await wishlistedOnSale(user.id, 'Wheel', 200, 150);
    await s.sink.pause();
    await s.check('sale'); // queued; delivery failed and will retry
    await s.sink.resume();
    s.clock.advanceHours(1);
    const claimed = await claimMessages(s.db.pool, 'sale', {
      now: s.clock.now(), limit: 10, owner: 'slow-instance', leaseMs: 60_000, cap: 0, kinds: ['sale'], regions: ['us'], saleSettleSeconds: 0, maxAttempts: 8,
    });
    expect(claimed).toHaveLength(1);
    const items = await loadItems(s.db.pool, [claimed[0].id], { now: s.clock.now(), minDropPercent: 0, timezone: 'UTC' });
    const log = { templateType: 'wishlist_sale_notification', recipient: user.email, recipientName: null, subject: 's', metadata: { messageId: '<x@y>' } };
    // Another instance (a different owner) comes late with its outcome: nothing changes.
    await markFailed(s.db.pool, [{ messageIds: [claimed[0].id], error: 'late', retryAt: null, items, log }], s.clock.now(), 'other-instance');
    await markSent(s.db.pool, [{ messageIds: [claimed[0].id], emailId: '<x@y>', response: '250', items, log }], s.clock.now(), 'other-instance');
    const { rows } = await s.db.pool.query(`SELECT status, locked_by FROM wishlist_alert_messages`);
    expect(rows).toEqual([{ status: 'sending', locked_by: 'slow-instance' }]);
    expect((await s.db.pool.query('SELECT count(*)::int AS n FROM email_logs')).rows[0].n).toBe(0);
    // Its owner's record counts.
    await markSent(s.db.pool, [{ messageIds: [claimed[0].id], emailId: '<x@y>', response: '250', items, log }], s.clock.now(), 'slow-instance');
    expect((await s.db.pool.query(`SELECT status FROM wishlist_alert_messages`)).rows).toEqual([{ status: 'sent' }]);
    expect((await s.db.pool.query('SELECT count(*)::int AS n FROM email_logs')).rows[0].n).toBe(1);
  });
});
