import { createHmac } from 'crypto';
import request from 'supertest';
import { signUnsubscribe, verifyUnsubscribe } from '../../src/unsubscribe/tokens';
import { addToWishlist, insertProduct, insertUser, startSale, updateProduct } from '../support/factories';
import { ADMIN_TOKEN, Stack, startStack, UNSUBSCRIBE_SECRET } from '../support/stack';

describe('unsubscribe tokens', () => {
  const secret = 'a-secret-of-at-least-32-characters!!';
  test('a signed scope verifies to itself, for one item and kind or for all alerts', () => {
    expect(verifyUnsubscribe(secret, signUnsubscribe(secret, { type: 'item', wishlistId: 42, kind: 'stock' }))).toEqual({
      type: 'item', wishlistId: 42, kind: 'stock',
    });
    expect(verifyUnsubscribe(secret, signUnsubscribe(secret, { type: 'all', userId: 7 }))).toEqual({ type: 'all', userId: 7 });
  });

  test('forged, truncated, tampered or foreign tokens are refused', () => {
    const token = signUnsubscribe(secret, { type: 'item', wishlistId: 42, kind: 'sale' });
    const [payload, sig] = [token.slice(0, token.lastIndexOf('.')), token.slice(token.lastIndexOf('.') + 1)];
    const flip = (c: string) => (c === 'A' ? 'B' : 'A');
    const refused = [
      `i.43.sale.${sig}`, // another item with this signature
      `i.42.stock.${sig}`, // another kind
      `a.42.${sig}`, // widened to all alerts
      `${payload}.${sig.slice(0, -1)}`, // truncated
      `${payload}.${sig.slice(0, -1)}${flip(sig.slice(-1))}`, // last character changed
      `${payload}.`,
      payload,
      '',
      signUnsubscribe('another-secret-of-32-characters-or-more', { type: 'item', wishlistId: 42, kind: 'sale' }),
      signUnsubscribe(secret, { type: 'item', wishlistId: 42, kind: 'sale' }).replace('i.42', 'i.042'),
    ];
    for (const t of refused) expect([t, verifyUnsubscribe(secret, t)]).toEqual([t, null]);
  });
});

describe("unsubscribe tokens beside the shop's newsletter tokens (one UNSUBSCRIBE_SECRET for both)", () => {
  const shared = 'the-shops-own-unsubscribe-secret-0123456789';
  test('the links are signed with a key derived for them, never with the shared secret itself', () => {
    const payload = 'a.7';
    const withRawSecret = createHmac('sha256', shared).update(`wishlist-alerts/unsubscribe/v1:${payload}`).digest('base64url');
    expect(verifyUnsubscribe(shared, `${payload}.${withRawSecret}`)).toBeNull();
    expect(signUnsubscribe(shared, { type: 'all', userId: 7 })).not.toBe(`${payload}.${withRawSecret}`);
  });

  test("a newsletter token made the shop's way (its fields and HMAC, base64url) is refused", () => {
    const data = `ann@example.com:12:7:${Date.UTC(2026, 0, 1)}`;
    const token = Buffer.from(`${data}:${createHmac('sha256', shared).update(data).digest('base64url')}`).toString('base64url');
    expect(verifyUnsubscribe(shared, token)).toBeNull();
  });
});

describe('one-click unsubscribe', () => {
  let s: Stack;
  beforeEach(async () => {
    s = await startStack({ MAIL_UNSUBSCRIBE_MAILTO: 'unsubscribe@sim.example' });
  });
  afterEach(() => s.close());

  async function alertedShopper() {
    const user = await insertUser(s.db.pool);
    const productId = await insertProduct(s.db.pool, { name: 'Racing Wheel', regularPrice: 200 });
    const wishlistId = await addToWishlist(s.db.pool, user.id, productId);
    await startSale(s.db.pool, productId, 150);
    await s.check('sale');
    const [mail] = s.sink.to(user.email);
    return { user, productId, wishlistId, mail };
  }

  const linkPath = (url: string) => new URL(url).pathname;
  const state = async (wishlistId: number, userId: number) => {
    const { rows } = await s.db.pool.query(
      `SELECT w.notify_on_sale, w.notify_on_stock, EXISTS (SELECT 1 FROM wishlist_alert_optouts o WHERE o.user_id = $2) AS opted_out,
              ARRAY(SELECT kind FROM wishlist_alert_item_optouts x WHERE x.wishlist_id = w.id ORDER BY kind) AS stopped
         FROM wishlists w WHERE w.id = $1`,
      [wishlistId, userId],
    );
    return rows[0];
  };

  test('every alert carries List-Unsubscribe (https and mailto), List-Unsubscribe-Post, and both visible links', async () => {
    const { user, wishlistId, mail } = await alertedShopper();
    const allUrl = `https://shop.example/wishlist-alerts/unsubscribe/${signUnsubscribe(UNSUBSCRIBE_SECRET, { type: 'all', userId: user.id })}`;
    const itemUrl = `https://shop.example/wishlist-alerts/unsubscribe/${signUnsubscribe(UNSUBSCRIBE_SECRET, { type: 'item', wishlistId, kind: 'sale' })}`;
    const line = (key: string) => mail.parsed.headerLines.find((h) => h.key === key)?.line.replace(/\r?\n\s+/g, ' ');
    expect(line('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    const raw = line('list-unsubscribe');
    expect(raw).toMatch(new RegExp(`^List-Unsubscribe: <${allUrl.replace(/[.?]/g, '\\$&')}>, <mailto:unsubscribe@sim\\.example\\?subject=unsubscribe%20a\\.${user.id}\\.[\\w-]+>$`));
    for (const part of [mail.html, mail.text]) {
      expect(part).toContain(itemUrl);
      expect(part).toContain(allUrl);
    }
    expect(mail.text).toContain(`Stop sale alerts for this item: ${itemUrl}`);
    expect(mail.text).toContain(`Stop all wishlist alerts: ${allUrl}`);
    expect(mail.html).toMatch(new RegExp(`<a href="${itemUrl.replace(/[.?]/g, '\\$&')}"[^>]*>Stop sale alerts for this item</a>`));
  });

  test('GET shows a page with a button and changes nothing; a one-click POST stops that item and kind, without a redirect, twice alike', async () => {
    const { user, productId, wishlistId, mail } = await alertedShopper();
    const itemLink = linkPath(mail.text.match(/Stop sale alerts for this item: (\S+)/)![1]);

    const page = await request(s.app).get(itemLink);
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html');
    expect(page.text).toContain('Stop sale and price-drop alerts for Racing Wheel?');
    expect(page.text).toMatch(/<form method="post" action="">[\s\S]*<button type="submit">Unsubscribe<\/button>/);
    expect(await state(wishlistId, user.id)).toEqual({ notify_on_sale: true, notify_on_stock: true, opted_out: false, stopped: [] });

    for (let i = 0; i < 2; i++) {
      const res = await request(s.app).post(itemLink).type('form').send('List-Unsubscribe=One-Click');
      expect(res.status).toBe(200);
      expect(res.headers.location).toBeUndefined();
      expect(res.text).toContain('You will get no more sale or price-drop alerts for Racing Wheel.');
    }
    // The shop's own flags are left as they are: the stop is the module's record.
    expect(await state(wishlistId, user.id)).toEqual({ notify_on_sale: true, notify_on_stock: true, opted_out: false, stopped: ['sale'] });

    // A deeper cut is not announced any more; a restock still is.
    await updateProduct(s.db.pool, productId, { salePrice: 100 });
    expect((await s.check('sale')).emails).toBe(0);
    await updateProduct(s.db.pool, productId, { stock: 0 });
    await s.check('stock'); // sold out, seen
    await updateProduct(s.db.pool, productId, { stock: 5 });
    expect((await s.check('stock')).emails).toBe(1);
    expect(s.sink.to(user.email)).toHaveLength(2);
  });

  test('"stop all" opts the shopper out of both checks, even for alerts already waiting; the account page can opt them in again', async () => {
    const { user, productId, wishlistId, mail } = await alertedShopper();
    const other = await insertProduct(s.db.pool, { name: 'Pedals', stock: 0 });
    await addToWishlist(s.db.pool, user.id, other);
    const allLink = linkPath(mail.text.match(/Stop all wishlist alerts: (\S+)/)![1]);

    const page = await request(s.app).get(allLink);
    expect(page.text).toContain(`Stop all wishlist alerts to ${user.email[0]}***@example.com?`);
    // An alert already in the outbox (the mail server was down when it was queued) ...
    s.sink.failNext(1, { code: 451, message: 'Requested action aborted: local error in processing' });
    await updateProduct(s.db.pool, productId, { salePrice: 120 });
    expect(await s.check('sale')).toMatchObject({ emails: 0, errors: 1 });

    const res = await request(s.app).post(allLink).type('form').send('List-Unsubscribe=One-Click');
    expect(res.status).toBe(200);
    expect(res.text).toContain('You will get no more wishlist alerts.');
    expect(await state(wishlistId, user.id)).toMatchObject({ opted_out: true });

    // ... is skipped at send time, and nothing new is queued by either check.
    s.clock.advanceHours(2);
    await updateProduct(s.db.pool, other, { stock: 3 });
    expect(await s.check('sale')).toMatchObject({ emails: 0, errors: 0 });
    expect(await s.check('stock')).toMatchObject({ emails: 0, errors: 0 });
    expect(s.sink.to(user.email)).toHaveLength(1);
    const { rows } = await s.db.pool.query(`SELECT status, error FROM wishlist_alert_items WHERE user_id = $1 ORDER BY id`, [user.id]);
    expect(rows).toEqual([
      { status: 'sent', error: null },
      { status: 'skipped', error: 'shopper unsubscribed from all wishlist alerts' },
    ]);

    const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
    const path = `/api/admin/wishlist-jobs/shoppers/${user.id}/alerts`;
    expect((await request(s.app).get(path).set(auth)).body.data).toMatchObject({ userId: user.id, enabled: false, source: 'link' });
    expect((await request(s.app).put(path).set(auth).send({ enabled: 'yes' })).status).toBe(400);
    expect((await request(s.app).put(`/api/admin/wishlist-jobs/shoppers/999999/alerts`).set(auth).send({ enabled: true })).status).toBe(404);
    expect((await request(s.app).put(path).send({ enabled: true })).status).toBe(401);
    // An item stopped from its own link is turned back on too.
    await request(s.app).post(linkPath(mail.text.match(/Stop sale alerts for this item: (\S+)/)![1])).type('form').send('List-Unsubscribe=One-Click');
    expect((await state(wishlistId, user.id)).stopped).toEqual(['sale']);
    const on = await request(s.app).put(path).set(auth).send({ enabled: true });
    expect(on.body.data).toEqual({ userId: user.id, enabled: true, optedOutAt: null, source: null });
    expect((await state(wishlistId, user.id)).stopped).toEqual([]);

    await updateProduct(s.db.pool, productId, { salePrice: 90 });
    expect(await s.check('sale')).toMatchObject({ emails: 1 });
  });

  test('a tampered or truncated token answers 400 with a plain page and changes nothing', async () => {
    const { user, wishlistId, mail } = await alertedShopper();
    const itemLink = linkPath(mail.text.match(/Stop sale alerts for this item: (\S+)/)![1]);
    const tampered = itemLink.replace(`/i.${wishlistId}.`, `/i.${wishlistId + 1}.`);
    for (const link of [tampered, itemLink.slice(0, -3), itemLink.replace('.sale.', '.stock.')]) {
      for (const method of ['get', 'post'] as const) {
        const res = await request(s.app)[method](link).type('form').send('List-Unsubscribe=One-Click');
        expect([link, method, res.status, res.type]).toEqual([link, method, 400, 'text/html']);
        expect(res.text).toContain('This unsubscribe link is not valid.');
      }
    }
    expect(await state(wishlistId, user.id)).toEqual({ notify_on_sale: true, notify_on_stock: true, opted_out: false, stopped: [] });
  });
});
