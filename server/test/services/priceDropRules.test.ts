import request from 'supertest';
import {
  addToWishlist, insertProduct, insertUser, setTemplateActive, startSale, updateProduct,
} from '../support/factories';
import { Stack, startStack, Via } from '../support/stack';
import { openShopSession } from '../support/shopSession';

/** Price drops: a lower regular price with no sale (rules P1–P10, docs/design.md). */
describe.each<Via>(['service', 'http'])('price-drop alerts (through the %s)', (via) => {
  let s: Stack;
  afterEach(() => s.close());
  const start = async (env: Record<string, string> = {}) => {
    s = await startStack(env);
  };

  const checkSales = () => s.check('sale', via);

  async function shopperWith(product: Parameters<typeof insertProduct>[1] = {}) {
    const user = await insertUser(s.db.pool);
    const productId = await insertProduct(s.db.pool, { name: 'Motion Rig', regularPrice: 1199.99, ...product });
    const wishlistId = await addToWishlist(s.db.pool, user.id, productId);
    return { user, productId, wishlistId };
  }

  const cut = (productId: number, regularPrice: number) => updateProduct(s.db.pool, productId, { regularPrice });

  test('P1: a lower regular price with no sale gives one "price drop" email at the next check', async () => {
    await start();
    const { user, productId } = await shopperWith();
    await cut(productId, 999.99);
    expect(await checkSales()).toEqual({ checked: 1, notified: 1, emails: 1, errors: 0 });
    const mail = s.sink.to(user.email);
    expect(mail).toHaveLength(1);
    expect(mail[0].subject).toBe('Price drop: Motion Rig from your wishlist');
    expect(mail[0].text).toContain('The price of an item on your wishlist just dropped:');
    expect(mail[0].text).toContain('$999.99 (was $1,199.99, 16% lower)');
  });

  test('P2: later checks at the same price send nothing more', async () => {
    await start();
    const { user, productId } = await shopperWith();
    await cut(productId, 999.99);
    await checkSales();
    expect(await checkSales()).toEqual({ checked: 0, notified: 0, emails: 0, errors: 0 });
    await updateProduct(s.db.pool, productId, { name: 'Motion Rig Pro', stock: 3 });
    await checkSales();
    expect(s.sink.to(user.email)).toHaveLength(1);
  });

  test('P3: a deeper drop gives one more email, measured from the price announced', async () => {
    await start();
    const { user, productId } = await shopperWith();
    await cut(productId, 999.99);
    await checkSales();
    await cut(productId, 899.99);
    expect((await checkSales()).notified).toBe(1);
    await checkSales();
    const mail = s.sink.to(user.email);
    expect(mail).toHaveLength(2);
    expect(mail[1].text).toContain('$899.99 (was $999.99, 10% lower)');
  });

  test('P4: a raise says nothing, nor does a cut back to the price announced or to any price above it', async () => {
    await start();
    const { user, productId } = await shopperWith();
    await cut(productId, 999.99);
    await checkSales();
    await cut(productId, 1299.99);
    await checkSales();
    await cut(productId, 1099.99);
    await checkSales();
    await cut(productId, 999.99);
    expect(await checkSales()).toMatchObject({ notified: 0, emails: 0 });
    expect(s.sink.to(user.email)).toHaveLength(1);
  });

  test('P4: a shopper never told anything, through a raise and a cut back to the price they added it at, hears nothing', async () => {
    await start();
    const { user, productId } = await shopperWith({ regularPrice: 1000 });
    await cut(productId, 1200);
    await checkSales();
    await cut(productId, 1100);
    await checkSales();
    await cut(productId, 1000);
    expect((await checkSales()).notified).toBe(0);
    await cut(productId, 900);
    expect((await checkSales()).notified).toBe(1);
    expect(s.sink.to(user.email)[0].text).toContain('$900.00 (was $1,000.00, 10% lower)');
  });

  test('P4: through more than ten changes, a shopper never told anything is measured from no more than the price they added it at', async () => {
    await start({ WISHLIST_SALE_MIN_DROP_PERCENT: '0' });
    const { user, productId } = await shopperWith({ regularPrice: 1000 });
    for (let step = 1; step <= 11; step++) {
      await cut(productId, 1000 + step * 10); // raises, each looked at
      await checkSales();
    }
    await cut(productId, 1005); // below the last ten prices, not below the one they added it at
    expect((await checkSales()).notified).toBe(0);
    await cut(productId, 990);
    expect((await checkSales()).notified).toBe(1);
    expect(s.sink.to(user.email).map((m) => m.text.match(/\$[\d,]+\.\d\d \(was [^)]*\)/)![0])).toEqual(['$990.00 (was $1,000.00, 1% lower)']);
  });

  test('P5: an item added after the price was already lowered gives nothing for that drop; a later drop does', async () => {
    await start();
    const productId = await insertProduct(s.db.pool, { regularPrice: 1199.99 });
    await cut(productId, 999.99);
    await checkSales();
    const user = await insertUser(s.db.pool);
    await addToWishlist(s.db.pool, user.id, productId);
    expect((await checkSales()).notified).toBe(0);
    await cut(productId, 949.99);
    expect((await checkSales()).notified).toBe(1);
    expect(s.sink.to(user.email)[0].text).toContain('$949.99 (was $999.99, 5% lower)');
  });

  test('P6: a drop (or a further drop) smaller than WISHLIST_SALE_MIN_DROP_PERCENT says nothing', async () => {
    await start({ WISHLIST_SALE_MIN_DROP_PERCENT: '10' });
    const { user, productId } = await shopperWith({ regularPrice: 1000 });
    await cut(productId, 950);
    expect((await checkSales()).notified).toBe(0);
    await cut(productId, 900);
    expect((await checkSales()).notified).toBe(1);
    await cut(productId, 850);
    expect((await checkSales()).notified).toBe(0);
    await cut(productId, 810);
    expect((await checkSales()).notified).toBe(1);
    expect(s.sink.to(user.email).map((m) => m.text.match(/\$\d+\.\d\d \(was [^)]*\)/)![0])).toEqual([
      '$900.00 (was $1,000.00, 10% lower)', '$810.00 (was $900.00, 10% lower)',
    ]);
  });

  test('P7: a product put on sale with a lower regular price is announced once, as a sale at the price the shopper pays', async () => {
    await start();
    const { user, productId } = await shopperWith();
    await updateProduct(s.db.pool, productId, { regularPrice: 999.99, isOnSale: true, salePrice: 899.99 });
    expect((await checkSales()).notified).toBe(1);
    await updateProduct(s.db.pool, productId, { isOnSale: false }); // the sale ends at the new regular price
    expect((await checkSales()).notified).toBe(0);
    const mail = s.sink.to(user.email);
    expect(mail.map((m) => m.subject)).toEqual(['On sale: Motion Rig from your wishlist']);
    expect(mail[0].text).toContain('$899.99 (was $999.99, 10% off)');
  });

  test('P7: a lower regular price during a sale whose price stays says nothing while the sale lasts', async () => {
    await start();
    const { user, productId } = await shopperWith({ regularPrice: 1000 });
    await startSale(s.db.pool, productId, 800);
    await checkSales();
    await cut(productId, 900);
    expect((await checkSales()).notified).toBe(0);
    expect(s.sink.to(user.email)).toHaveLength(1);
  });

  test("P8: a price drop comes in the same email as the shopper's sale items of that store", async () => {
    await start();
    const user = await insertUser(s.db.pool, { firstName: 'Ann' });
    const rig = await insertProduct(s.db.pool, { name: 'Motion Rig', regularPrice: 1199.99 });
    const wheel = await insertProduct(s.db.pool, { name: 'Racing Wheel', regularPrice: 200 });
    for (const p of [rig, wheel]) await addToWishlist(s.db.pool, user.id, p);
    await cut(rig, 999.99);
    await startSale(s.db.pool, wheel, 150);
    expect(await checkSales()).toEqual({ checked: 2, notified: 2, emails: 1, errors: 0 });
    const [mail] = s.sink.to(user.email);
    expect(mail.subject).toBe('Your wishlist: 2 updates');
    expect(mail.text).toMatch(/ON SALE[\s\S]*Racing Wheel[\s\S]*PRICE DROPPED[\s\S]*Motion Rig/);
  });

  test('P8: over the daily cap a price drop waits, and goes out in the digest when a slot frees', async () => {
    await start({ WISHLIST_MAX_EMAILS_PER_DAY: '1' });
    const user = await insertUser(s.db.pool);
    const [wheel, rig] = [await insertProduct(s.db.pool, { name: 'Racing Wheel', regularPrice: 200 }), await insertProduct(s.db.pool, { name: 'Motion Rig', regularPrice: 1199.99 })];
    for (const p of [wheel, rig]) await addToWishlist(s.db.pool, user.id, p);
    await startSale(s.db.pool, wheel, 150);
    expect((await checkSales()).emails).toBe(1);
    await cut(rig, 999.99);
    expect(await checkSales()).toMatchObject({ notified: 0, emails: 0 });
    s.clock.advanceHours(25);
    expect(await checkSales()).toMatchObject({ notified: 1, emails: 1 });
    const mail = s.sink.to(user.email);
    expect(mail).toHaveLength(2);
    expect(mail[1].subject).toBe('Your wishlist: 1 update');
    expect(mail[1].text).toContain('$999.99 (was $1,199.99, 16% lower)');
  });

  test('P9: alerts off, an item whose sale alerts were stopped, a product not visible or with a price range: nothing', async () => {
    await start();
    const user = await insertUser(s.db.pool);
    const products = await Promise.all([{}, {}, { status: 'draft' }, { priceMin: 900, priceMax: 1100 }].map(
      (f) => insertProduct(s.db.pool, { regularPrice: 1199.99, ...f }),
    ));
    const [muted, stopped, draft, range] = products;
    await addToWishlist(s.db.pool, user.id, muted, { notifyOnSale: false });
    const stoppedRow = await addToWishlist(s.db.pool, user.id, stopped);
    for (const p of [draft, range]) await addToWishlist(s.db.pool, user.id, p);
    // What the "stop sale alerts for this item" link writes.
    await s.db.pool.query(`INSERT INTO wishlist_alert_item_optouts (wishlist_id, kind) VALUES ($1, 'sale')`, [stoppedRow]);
    for (const p of products) await cut(p, 999.99);
    expect(await checkSales()).toEqual({ checked: 0, notified: 0, emails: 0, errors: 0 });
    expect(s.sink.to(user.email)).toHaveLength(0);
  });

  test.each(['NaN', 'Infinity'])('P9: a regular price of %s is no price: no drop from it or to it', async (odd) => {
    await start();
    const user = await insertUser(s.db.pool);
    const [from, to] = [await insertProduct(s.db.pool, { regularPrice: 1199.99 }), await insertProduct(s.db.pool, { regularPrice: 1199.99 })];
    await s.db.pool.query(`UPDATE products SET regular_price = $2::real WHERE id = $1`, [from, odd]);
    await checkSales();
    for (const p of [from, to]) await addToWishlist(s.db.pool, user.id, p); // added while the one had no price
    await cut(from, 999.99);
    await s.db.pool.query(`UPDATE products SET regular_price = $2::real WHERE id = $1`, [to, odd]);
    expect(await checkSales()).toEqual({ checked: 0, notified: 0, emails: 0, errors: 0 });
    expect(s.sink.to(user.email)).toHaveLength(0);
  });

  test('P9: WISHLIST_PRICE_DROP_ENABLED=false, or the sale template switched off: nothing', async () => {
    await start({ WISHLIST_PRICE_DROP_ENABLED: 'false' });
    const { user, productId } = await shopperWith();
    await cut(productId, 999.99);
    expect(await checkSales()).toEqual({ checked: 0, notified: 0, emails: 0, errors: 0 });
    await s.close();

    await start();
    const other = await shopperWith();
    await setTemplateActive(s.db.pool, 'wishlist_sale_notification', false);
    await cut(other.productId, 999.99);
    expect((await checkSales()).notified).toBe(0);
    await setTemplateActive(s.db.pool, 'wishlist_sale_notification', true);
    expect((await checkSales()).notified).toBe(1); // what is due when switched on again goes then
    expect(s.sink.to(other.user.email)).toHaveLength(1);
    expect(user.email).not.toBe(other.user.email);
  });

  test('P10: a drop is announced once it has been observed for the settle time; a typo fixed within it says nothing', async () => {
    await start({ WISHLIST_SALE_SETTLE_SECONDS: '120' });
    const { user, productId } = await shopperWith();
    await cut(productId, 99.99); // a typo
    expect((await checkSales()).notified).toBe(0);
    s.clock.advanceMs(60_000);
    await cut(productId, 1199.99); // fixed
    s.clock.advanceMs(200_000);
    expect((await checkSales()).notified).toBe(0);
    await cut(productId, 999.99);
    await checkSales();
    s.clock.advanceMs(121_000);
    expect((await checkSales()).notified).toBe(1);
    expect(s.sink.to(user.email).map((m) => m.subject)).toEqual(['Price drop: Motion Rig from your wishlist']);
  });
});

describe('price drops: logs, templates, links, the watch', () => {
  let s: Stack;
  beforeEach(async () => {
    s = await startStack();
  });
  afterEach(() => s.close());

  async function droppedItem() {
    const user = await insertUser(s.db.pool);
    const productId = await insertProduct(s.db.pool, { name: 'Motion Rig', regularPrice: 1199.99 });
    const wishlistId = await addToWishlist(s.db.pool, user.id, productId);
    await updateProduct(s.db.pool, productId, { regularPrice: 999.99 });
    return { user, productId, wishlistId };
  }

  test("the shop's logs: a 'sale' row in wishlist_notifications with the price known and the new one; email_logs names the sale template", async () => {
    const { wishlistId } = await droppedItem();
    await s.check('sale');
    const { rows: notes } = await s.db.pool.query(
      'SELECT notification_type, email_sent, product_price::text, product_sale_price::text, product_stock FROM wishlist_notifications WHERE wishlist_id = $1',
      [wishlistId],
    );
    expect(notes).toEqual([{ notification_type: 'sale', email_sent: true, product_price: '1199.99', product_sale_price: '999.99', product_stock: null }]);
    const { rows: logs } = await s.db.pool.query(`SELECT template_type, status, metadata->'items' AS items FROM email_logs`);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ template_type: 'wishlist_sale_notification', status: 'sent' });
    expect(logs[0].items[0]).toMatchObject({ kind: 'price_drop', regularPrice: '999.99', previousPrice: '1199.99' });
    const { rows: stamps } = await s.db.pool.query('SELECT last_sale_notified_at FROM wishlists WHERE id = $1', [wishlistId]);
    expect(stamps[0].last_sale_notified_at).toBeInstanceOf(Date);
  });

  test('a template row of its own kind (wishlist_price_drop_notification) governs price drops instead of the sale row', async () => {
    await s.db.pool.query(
      `INSERT INTO email_templates (type, name, subject, html_body, recipient_type, is_active)
       VALUES ('wishlist_price_drop_notification', 'Wishlist Price Drop Notification', 'Price drop', '<p></p>', 'customer', false)`,
    );
    const { user } = await droppedItem();
    await setTemplateActive(s.db.pool, 'wishlist_sale_notification', false);
    expect((await s.check('sale')).notified).toBe(0); // its own row is off
    await setTemplateActive(s.db.pool, 'wishlist_price_drop_notification', true);
    expect((await s.check('sale')).notified).toBe(1); // the sale row's switch does not matter now
    const { rows } = await s.db.pool.query('SELECT template_type FROM email_logs');
    expect(rows).toEqual([{ template_type: 'wishlist_price_drop_notification' }]);
    expect(s.sink.to(user.email)).toHaveLength(1);
  });

  test("the item's one-click link stops its price drops and its sales", async () => {
    const { user, productId } = await droppedItem();
    await s.check('sale');
    const [mail] = s.sink.to(user.email);
    const link = mail.text.match(/Stop price alerts for this item: (\S+)/)![1];
    const res = await request(s.app).post(new URL(link).pathname).type('form').send('List-Unsubscribe=One-Click');
    expect(res.status).toBe(200);
    await updateProduct(s.db.pool, productId, { regularPrice: 899.99 });
    await s.check('sale');
    await startSale(s.db.pool, productId, 799.99);
    await s.check('sale');
    expect(s.sink.to(user.email)).toHaveLength(1);
  });

  test('at send time: a drop queued, then raised back before it went out, is skipped with its reason', async () => {
    const { user, productId } = await droppedItem();
    s.sink.failNext(1, { code: 451, message: 'Requested action aborted: local error in processing' });
    expect(await s.check('sale')).toMatchObject({ emails: 0, errors: 1 });
    await updateProduct(s.db.pool, productId, { regularPrice: 1199.99 });
    s.clock.advanceHours(1); // past the retry
    expect(await s.check('sale')).toMatchObject({ emails: 0, errors: 0 });
    expect(s.sink.to(user.email)).toHaveLength(0);
    const { rows } = await s.db.pool.query(`SELECT kind, status, error FROM wishlist_alert_items`);
    expect(rows).toEqual([{ kind: 'price_drop', status: 'skipped', error: 'price no longer below the one the shopper knows' }]);
  });

  test('the watch announces a price drop at its next look', async () => {
    const user = await insertUser(s.db.pool);
    const productId = await insertProduct(s.db.pool, { name: 'Motion Rig', regularPrice: 1199.99 });
    await addToWishlist(s.db.pool, user.id, productId);
    await s.alerts.watch.lookOnce();
    // The shop's write, from a session that publishes its statistics at once (the watch reads
    // the products only once their write counters moved).
    const shop = await openShopSession(s.db.url);
    try {
      await updateProduct(shop, productId, { regularPrice: 999.99 });
    } finally {
      await shop.end();
    }
    expect(await s.alerts.watch.lookOnce()).toEqual({ products: 1, queued: 1, emails: 1 });
    expect(s.sink.to(user.email).map((m) => m.subject)).toEqual(['Price drop: Motion Rig from your wishlist']);
  });

  test('the console and the admin API list price-drop alerts by their kind', async () => {
    await droppedItem();
    await s.check('sale');
    const res = await request(s.app).get('/api/admin/wishlist-jobs/notifications?kind=price_drop')
      .set('Authorization', 'Bearer test-admin-token-0123456789');
    expect(res.status).toBe(200);
    expect(res.body.data.notifications.map((n: { kind: string; status: string }) => [n.kind, n.status])).toEqual([['price_drop', 'sent']]);
  });
});
