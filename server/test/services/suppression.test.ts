import request from 'supertest';
import { addToWishlist, insertProduct, insertUser, setRegionSetting, startSale } from '../support/factories';
import { ADMIN_TOKEN, Stack, startStack } from '../support/stack';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const UNKNOWN_USER = { code: 550, message: 'User unknown in virtual mailbox table' };

describe('bounces: the suppression list', () => {
  let s: Stack;
  beforeEach(async () => {
    s = await startStack({ WISHLIST_WATCH_ENABLED: 'false' });
  });
  afterEach(() => s.close());

  let products = 0;
  async function saleFor(userId: number) {
    const productId = await insertProduct(s.db.pool, { name: `Wheel ${++products}`, regularPrice: 200 });
    await addToWishlist(s.db.pool, userId, productId);
    await startSale(s.db.pool, productId, 150);
    return productId;
  }

  async function itemsOf(userId: number) {
    const { rows } = await s.db.pool.query(
      `SELECT n.status, n.error, m.status AS message_status, m.last_error
         FROM wishlist_alert_items n JOIN wishlist_alert_messages m ON m.id = n.message_id
        WHERE n.user_id = $1 ORDER BY n.id`,
      [userId],
    );
    return rows;
  }

  async function suppressions() {
    const { rows } = await s.db.pool.query('SELECT address, source, reason, reports FROM wishlist_alert_suppressions ORDER BY id');
    return rows;
  }

  test('550 5.1.1 at RCPT puts the address on the list; the next alert to it is skipped with the reason, never sent, and counted', async () => {
    const gone = await insertUser(s.db.pool, { email: 'Gone.Shopper@example.com' });
    const fine = await insertUser(s.db.pool);
    await saleFor(gone.id);
    await saleFor(fine.id);
    s.sink.rejectRecipient = (a) => (a === gone.email ? UNKNOWN_USER : null);

    expect(await s.check('sale')).toEqual({ checked: 2, notified: 1, emails: 1, errors: 1 });
    expect(s.sink.to(fine.email)).toHaveLength(1);
    // Kept as the shop stores it (case and all), the reply's address masked.
    expect(await suppressions()).toEqual([
      { address: 'Gone.Shopper@example.com', source: 'smtp', reason: '550 5.1.1 User unknown in virtual mailbox table', reports: 1 },
    ]);
    expect((await itemsOf(gone.id))[0]).toMatchObject({ status: 'failed', message_status: 'failed' });

    // The mail server would take it now: what stops it is the list, not the server.
    s.sink.rejectRecipient = () => null;
    await saleFor(gone.id);
    await saleFor(fine.id);
    // Through the admin API: the run history records the result.
    expect(await s.check('sale', 'http')).toEqual({ checked: 4, notified: 1, emails: 1, errors: 0, suppressed: 1 });
    expect(s.sink.to(gone.email)).toHaveLength(0);
    const reason = 'address suppressed (smtp): 550 5.1.1 User unknown in virtual mailbox table';
    expect((await itemsOf(gone.id))[1]).toEqual({ status: 'skipped', error: reason, message_status: 'skipped', last_error: reason });

    const metrics = await request(s.app).get('/metrics').set(auth).expect(200);
    expect(metrics.text).toMatch(/^wishlist_items_suppressed_total 1$/m);
    expect(metrics.text).toMatch(/^wishlist_suppressions_total\{source="smtp"\} 1$/m);
    expect(metrics.text).toMatch(/^wishlist_suppressed_addresses\{source="smtp"\} 1$/m);
    const runs = await request(s.app).get('/api/admin/wishlist-jobs/runs').set(auth).expect(200);
    expect(runs.body.data.runs[0].result).toMatchObject({ suppressed: 1 });
  });

  test('a changed users.email lifts it by itself: the shopper\'s next alert goes to the new address', async () => {
    const shopper = await insertUser(s.db.pool, { email: 'old@example.com' });
    await saleFor(shopper.id);
    s.sink.rejectRecipient = (a) => (a === 'old@example.com' ? UNKNOWN_USER : null);
    await s.check('sale');
    expect(await suppressions()).toHaveLength(1);

    await s.db.pool.query(`UPDATE users SET email = 'new@example.com' WHERE id = $1`, [shopper.id]);
    await saleFor(shopper.id);
    expect(await s.check('sale')).toMatchObject({ emails: 1, errors: 0 });
    expect(s.sink.to('new@example.com')).toHaveLength(1);
    // The dead address stays on the list: it holds nobody back now.
    const list = await request(s.app).get('/api/admin/wishlist-jobs/suppressions').set(auth).expect(200);
    expect(list.body.data.suppressions).toEqual([expect.objectContaining({ address: 'o***@example.com', source: 'smtp', userId: null })]);
  });

  test('a 5xx about the message, or a policy refusal at RCPT, fails that email for good and suppresses nothing', async () => {
    await s.close();
    s = await startStack({ WISHLIST_WATCH_ENABLED: 'false' }, { sinkRepliesAsGiven: true });
    const blocked = await insertUser(s.db.pool);
    const spammy = await insertUser(s.db.pool);
    const relayed = await insertUser(s.db.pool);
    await saleFor(blocked.id);
    s.sink.rejectRecipient = (a) => (a === blocked.email ? { code: 550, message: '5.7.1 Service unavailable; client host blocked using zen.spamhaus.org' } : null);
    expect(await s.check('sale')).toMatchObject({ emails: 0, errors: 1 });
    await saleFor(spammy.id);
    s.sink.failNext(1, { code: 554, message: '5.6.0 Message rejected as spam' });
    expect(await s.check('sale')).toMatchObject({ emails: 0, errors: 1 });
    await saleFor(relayed.id);
    s.sink.rejectRecipient = () => ({ code: 550, message: 'Relaying denied' }); // a bare reply about us, not the mailbox
    expect(await s.check('sale')).toMatchObject({ emails: 0, errors: 1 });

    expect(await suppressions()).toEqual([]);
    for (const user of [blocked, spammy, relayed]) expect((await itemsOf(user.id))[0]).toMatchObject({ status: 'failed' });
  });

  test('in test mode a refusal of the test address suppresses nothing', async () => {
    await setRegionSetting(s.db.pool, 'us', 'smtp_test_mode', 'true');
    await setRegionSetting(s.db.pool, 'us', 'smtp_test_email', 'qa@simfab.example');
    const shopper = await insertUser(s.db.pool);
    await saleFor(shopper.id);
    s.sink.rejectRecipient = (a) => (a === 'qa@simfab.example' ? UNKNOWN_USER : null);
    expect(await s.check('sale')).toMatchObject({ emails: 0, errors: 1 });
    expect(await suppressions()).toEqual([]);
  });

  test('an admin lifts an entry (DELETE); the shopper\'s next alert is sent', async () => {
    const shopper = await insertUser(s.db.pool);
    await saleFor(shopper.id);
    s.sink.rejectRecipient = (a) => (a === shopper.email ? UNKNOWN_USER : null);
    await s.check('sale');
    s.sink.rejectRecipient = () => null;

    const status = await request(s.app).get('/api/admin/wishlist-jobs/status').set(auth).expect(200);
    expect(status.body.data.suppressions).toEqual({
      total: 1, bySource: { smtp: 1, notification: 0, complaint: 0 }, notifications: { snsTopics: 0, signedForm: false },
    });
    const list = await request(s.app).get(`/api/admin/wishlist-jobs/suppressions?userId=${shopper.id}`).set(auth).expect(200);
    const [entry] = list.body.data.suppressions;
    expect(entry).toMatchObject({ source: 'smtp', userId: shopper.id, reports: 1, reason: expect.stringContaining('5.1.1') });

    const lifted = await request(s.app).delete(`/api/admin/wishlist-jobs/suppressions/${entry.id}`).set(auth).expect(200);
    expect(lifted.body.data).toEqual({ lifted: { id: entry.id, source: 'smtp' } });
    expect((await request(s.app).delete(`/api/admin/wishlist-jobs/suppressions/${entry.id}`).set(auth)).status).toBe(404);
    await saleFor(shopper.id);
    expect(await s.check('sale')).toMatchObject({ emails: 1, errors: 0 });
    expect(s.sink.to(shopper.email)).toHaveLength(1);
  });
});
