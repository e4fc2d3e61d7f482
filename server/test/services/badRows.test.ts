import request from 'supertest';
import { addImage, addToWishlist, insertProduct, insertUser, startSale, updateProduct } from '../support/factories';
import { ADMIN_TOKEN, Stack, startStack } from '../support/stack';

/**
 * Every value the shop's columns can hold, on one shopper's item among many: it renders
 * sensibly or is skipped with its reason, and every other email of the run goes.
 */
describe('one bad row among many', () => {
  let s: Stack;
  beforeEach(async () => {
    s = await startStack();
  });
  afterEach(() => s.close());

  /** `count` shoppers, each with one wishlisted product that goes on sale (200 → 150). */
  async function goodShoppers(count: number) {
    const users = [];
    for (let i = 0; i < count; i++) {
      const user = await insertUser(s.db.pool);
      const productId = await insertProduct(s.db.pool, { name: `Good ${i}`, regularPrice: 200 });
      await addToWishlist(s.db.pool, user.id, productId);
      await startSale(s.db.pool, productId, 150);
      users.push(user);
    }
    return users;
  }

  async function items(userId: number) {
    const { rows } = await s.db.pool.query(
      `SELECT p.name, n.status, n.error FROM wishlist_alert_items n JOIN products p ON p.id = n.product_id
        WHERE n.user_id = $1 ORDER BY n.id`,
      [userId],
    );
    return rows;
  }

  test("a sale ending 'infinity' is announced without an end date, and the other 29 shoppers' emails all go (manual trigger: 200)", async () => {
    const others = await goodShoppers(29);
    const poisoned = await insertUser(s.db.pool);
    const forever = await insertProduct(s.db.pool, { name: 'Forever Sale', regularPrice: 200 });
    const good = await insertProduct(s.db.pool, { name: 'Plain Sale', regularPrice: 200 });
    for (const p of [forever, good]) await addToWishlist(s.db.pool, poisoned.id, p);
    await startSale(s.db.pool, good, 150);
    await startSale(s.db.pool, forever, 150);
    await s.db.pool.query(`UPDATE products SET sale_end_date = 'infinity', sale_start_date = '-infinity' WHERE id = $1`, [forever]);

    const res = await request(s.app).post('/api/admin/wishlist-jobs/trigger-sale-check').set('Authorization', `Bearer ${ADMIN_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ checked: 31, notified: 31, emails: 30, errors: 0 });
    for (const user of others) expect(s.sink.to(user.email)).toHaveLength(1);
    const [mail] = s.sink.to(poisoned.email);
    expect(mail.text).toContain('Forever Sale');
    expect(mail.text).toContain('Plain Sale');
    expect(mail.text).not.toMatch(/Sale ends/);
    const { rows } = await s.db.pool.query(`SELECT status, count(*)::int AS n FROM wishlist_alert_messages GROUP BY status`);
    expect(rows).toEqual([{ status: 'sent', n: 30 }]);
  });

  // Placed in a zone, a time at either end of PostgreSQL's range leaves the range.
  test.each([
    ['America/New_York', 'sale_end_date', '294276-12-31 23:59:59', 'Endless Sale', true],
    ['Asia/Tokyo', 'sale_start_date', '4714-11-24 00:00:00 BC', 'Ancient Sale', true],
    ['America/New_York', 'sale_start_date', '294276-12-31 23:59:59', 'Never Sale', false],
  ])('in %s, %s = %s: the checks and the watch go on for everyone', async (tz, column, value, name, onSale) => {
    await s.close();
    s = await startStack({ SHOP_TIMEZONE: tz });
    const others = await goodShoppers(3);
    const user = await insertUser(s.db.pool);
    const productId = await insertProduct(s.db.pool, { name, regularPrice: 200 });
    await addToWishlist(s.db.pool, user.id, productId);
    await startSale(s.db.pool, productId, 150);
    await s.db.pool.query(`UPDATE products SET ${column} = $2 WHERE id = $1`, [productId, value]);
    expect(await s.alerts.watch.lookOnce()).toMatchObject({ emails: onSale ? 4 : 3 });
    expect(await s.check('sale')).toMatchObject({ errors: 0 });
    for (const other of others) expect(s.sink.to(other.email)).toHaveLength(1);
    expect(s.sink.to(user.email).map((m) => m.text.includes(name))).toEqual(onSale ? [true] : []);
    expect(s.sink.to(user.email).some((m) => /Sale ends/.test(m.text))).toBe(false);
  });

  test.each(['NaN', 'Infinity', '-Infinity'])('a regular price of %s with a sale price of 50 is no sale', async (price) => {
    const user = await insertUser(s.db.pool);
    const productId = await insertProduct(s.db.pool, { name: 'Odd Price' });
    await addToWishlist(s.db.pool, user.id, productId);
    await updateProduct(s.db.pool, productId, { isOnSale: true, salePrice: 50 });
    await s.db.pool.query(`UPDATE products SET regular_price = $2::real WHERE id = $1`, [productId, price]);
    expect(await s.check('sale')).toEqual({ checked: 0, notified: 0, emails: 0, errors: 0 });
    expect(s.sink.received).toHaveLength(0);
  });

  test.each(['NaN', 'Infinity'])('a sale price of %s is no sale', async (price) => {
    const user = await insertUser(s.db.pool);
    const productId = await insertProduct(s.db.pool, { name: 'Odd Sale Price', regularPrice: 200 });
    await addToWishlist(s.db.pool, user.id, productId);
    await updateProduct(s.db.pool, productId, { isOnSale: true });
    await s.db.pool.query(`UPDATE products SET sale_price = $2::real WHERE id = $1`, [productId, price]);
    expect(await s.check('sale')).toMatchObject({ checked: 0, emails: 0, errors: 0 });
  });

  test('a price turned NaN between the check and the send skips that item with its reason; the shopper\'s other item goes', async () => {
    const user = await insertUser(s.db.pool);
    const odd = await insertProduct(s.db.pool, { name: 'Turned NaN', regularPrice: 200 });
    const fine = await insertProduct(s.db.pool, { name: 'Stays Fine', regularPrice: 200 });
    for (const p of [odd, fine]) await addToWishlist(s.db.pool, user.id, p);
    for (const p of [odd, fine]) await startSale(s.db.pool, p, 150);
    await s.sink.pause();
    await s.check('sale'); // queued; the mail server is down
    await s.db.pool.query(`UPDATE products SET regular_price = 'NaN' WHERE id = $1`, [odd]);
    await s.sink.resume();
    s.clock.advanceHours(1);
    expect(await s.check('sale')).toMatchObject({ notified: 1, emails: 1, errors: 0 });
    const [mail] = s.sink.to(user.email);
    expect(mail.text).toContain('Stays Fine');
    expect(mail.text).not.toContain('Turned NaN');
    expect(mail.text).not.toContain('NaN');
    expect(await items(user.id)).toEqual([
      { name: 'Turned NaN', status: 'skipped', error: 'no longer on sale' },
      { name: 'Stays Fine', status: 'sent', error: null },
    ]);
  });

  test('odd but possible values render sensibly: empty name, slug with spaces, images that are no URL, huge stock, NaN price, far dates', async () => {
    const user = await insertUser(s.db.pool, { firstName: '' });
    const blank = await insertProduct(s.db.pool, { name: '', slug: 'my wheel/v2', regularPrice: 200 });
    const far = await insertProduct(s.db.pool, { name: 'Far Future', regularPrice: 200 });
    for (const p of [blank, far]) await addToWishlist(s.db.pool, user.id, p);
    await addImage(s.db.pool, blank, 'https://bad host/x.png', { primary: true });
    await addImage(s.db.pool, far, 'javascript:alert(1)', { primary: true });
    await startSale(s.db.pool, blank, 150);
    await startSale(s.db.pool, far, 150);
    await s.db.pool.query(`UPDATE products SET sale_end_date = '200000-01-01' WHERE id = $1`, [far]);

    const restocked = await insertProduct(s.db.pool, { name: 'Huge Stock', stock: 0 });
    await addToWishlist(s.db.pool, user.id, restocked);
    await updateProduct(s.db.pool, restocked, { stock: 2_147_483_647, inStock: '1' });
    await s.db.pool.query(`UPDATE products SET regular_price = 'NaN', sale_price = 'Infinity' WHERE id = $1`, [restocked]);

    expect(await s.check('sale')).toMatchObject({ notified: 2, emails: 1, errors: 0 });
    const [sale] = s.sink.to(user.email);
    expect(sale.subject).toBe('On sale: an item and 1 more from your wishlist');
    expect(sale.text).toMatch(/^Hi,$/m);
    expect(sale.text).toContain('https://simfab.example/product/my%20wheel%2Fv2');
    expect(sale.text).toContain('Far Future');
    expect(sale.html).not.toContain('javascript:');
    expect(sale.html).not.toContain('bad host');
    expect(sale.html).not.toContain('bad%20host');
    for (const part of [sale.text, sale.html]) {
      expect(part).not.toMatch(/NaN|Infinity|undefined|null|Invalid/);
    }
    expect(await s.check('stock')).toMatchObject({ notified: 1, emails: 1, errors: 0 });
    const stock = s.sink.to(user.email)[1];
    expect(stock.text).toContain('Huge Stock');
    expect(stock.text).not.toMatch(/NaN|Infinity/);
    // The shop's logs: no price for the restock (none is usable), the stock as it was.
    const { rows } = await s.db.pool.query(
      `SELECT product_price, product_sale_price, product_stock FROM wishlist_notifications WHERE notification_type = 'stock'`,
    );
    expect(rows).toEqual([{ product_price: null, product_sale_price: null, product_stock: 2_147_483_647 }]);
  });
});
