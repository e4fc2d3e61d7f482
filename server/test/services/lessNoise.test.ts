import { addToWishlist, insertProduct, insertUser, startSale, updateProduct } from '../support/factories';
import { Stack, startStack } from '../support/stack';

describe('WISHLIST_SALE_MIN_DROP_PERCENT=10', () => {
  let s: Stack;
  beforeEach(async () => {
    s = await startStack({ WISHLIST_SALE_MIN_DROP_PERCENT: '10' });
  });
  afterEach(() => s.close());

  test('a sale under 10% off is not announced; deepened to exactly 10% it is', async () => {
    const user = await insertUser(s.db.pool);
    const product = await insertProduct(s.db.pool, { regularPrice: 200 });
    await addToWishlist(s.db.pool, user.id, product);
    await startSale(s.db.pool, product, 180.02); // 9.99% off
    expect(await s.check('sale')).toMatchObject({ checked: 1, emails: 0 });
    await updateProduct(s.db.pool, product, { salePrice: 180 }); // 10.00% off
    expect(await s.check('sale')).toMatchObject({ emails: 1 });
    expect(s.sink.to(user.email)[0].text).toContain('$180.00 (was $200.00, 10% off)');
  });

  test('a deeper cut is announced only when at least 10% below the price last announced', async () => {
    const user = await insertUser(s.db.pool);
    const product = await insertProduct(s.db.pool, { regularPrice: 200 });
    await addToWishlist(s.db.pool, user.id, product);
    await startSale(s.db.pool, product, 150);
    expect((await s.check('sale')).emails).toBe(1);
    await updateProduct(s.db.pool, product, { salePrice: 135.01 }); // 9.99% below 150
    expect((await s.check('sale')).emails).toBe(0);
    await updateProduct(s.db.pool, product, { salePrice: 135 }); // exactly 10% below the announced 150
    expect((await s.check('sale')).emails).toBe(1);
    await updateProduct(s.db.pool, product, { salePrice: 125 }); // 7.4% below the announced 135
    expect((await s.check('sale')).emails).toBe(0);
    const mail = s.sink.to(user.email);
    expect(mail.map((m) => m.text.match(/\$\d+\.\d\d \(was/)![0])).toEqual(['$150.00 (was', '$135.00 (was']);
  });

  test('a queued alert whose discount shrank below the minimum by send time is skipped with the reason', async () => {
    const user = await insertUser(s.db.pool);
    const product = await insertProduct(s.db.pool, { regularPrice: 100 });
    await addToWishlist(s.db.pool, user.id, product);
    await startSale(s.db.pool, product, 80);
    s.sink.failNext(1, { code: 451, message: 'later' });
    expect((await s.check('sale')).errors).toBe(1);
    await updateProduct(s.db.pool, product, { salePrice: 95 });
    s.clock.advanceHours(2);
    expect((await s.check('sale')).emails).toBe(0);
    const { rows } = await s.db.pool.query('SELECT status, error FROM wishlist_alert_items');
    expect(rows).toEqual([{ status: 'skipped', error: 'discount now below WISHLIST_SALE_MIN_DROP_PERCENT' }]);
  });
});

describe('WISHLIST_STOCK_NOTIFY_PER_UNIT=2', () => {
  let s: Stack;
  beforeEach(async () => {
    s = await startStack({ WISHLIST_STOCK_NOTIFY_PER_UNIT: '2', WISHLIST_STOCK_COOLDOWN_HOURS: '0' });
  });
  afterEach(() => s.close());

  async function waitingShoppers(product: number, count: number) {
    const users = [];
    for (let i = 0; i < count; i++) {
      const user = await insertUser(s.db.pool);
      const w = await addToWishlist(s.db.pool, user.id, product);
      // Added an hour apart, the first the longest-waiting; inserted out of order on purpose.
      await s.db.pool.query(`UPDATE wishlists SET created_at = now() - make_interval(hours => $2) WHERE id = $1`, [w, 100 - ((i * 7) % count)]);
      users.push({ ...user, hoursWaiting: 100 - ((i * 7) % count) });
    }
    return users.sort((a, b) => b.hoursWaiting - a.hoursWaiting);
  }
  const told = (s: Stack, users: { email: string }[]) => users.map((u) => s.sink.to(u.email).length);

  test('a restock of 2 units tells 4 of 9 shoppers, longest-waiting first; the rest at later checks while stock remains', async () => {
    const product = await insertProduct(s.db.pool, { stock: 0 });
    const users = await waitingShoppers(product, 9);
    await updateProduct(s.db.pool, product, { stock: 2 });

    expect(await s.check('stock')).toMatchObject({ checked: 9, emails: 4 });
    expect(told(s, users)).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0]);
    await updateProduct(s.db.pool, product, { stock: 1 }); // one sold: two more per check now
    expect(await s.check('stock')).toMatchObject({ emails: 2 });
    expect(told(s, users)).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 0]);
    await updateProduct(s.db.pool, product, { stock: 0 }); // sold out: the rest wait for the next restock
    expect(await s.check('stock')).toMatchObject({ checked: 0, emails: 0 });
    await updateProduct(s.db.pool, product, { stock: 10 });
    expect(await s.check('stock')).toMatchObject({ emails: 9 });
    // Each shopper heard once per restock, none twice for one.
    expect(told(s, users)).toEqual([2, 2, 2, 2, 2, 2, 1, 1, 1]);
  });

  test('alerts still waiting for their email count against the allowance', async () => {
    const product = await insertProduct(s.db.pool, { stock: 0 });
    const users = await waitingShoppers(product, 4);
    await updateProduct(s.db.pool, product, { stock: 1 });
    s.sink.failNext(2, { code: 451, message: 'later' });
    expect(await s.check('stock')).toMatchObject({ emails: 0, errors: 2 });
    expect(await s.check('stock')).toMatchObject({ emails: 0 }); // two waiting: no room for more
    s.clock.advanceHours(2);
    expect(await s.check('stock')).toMatchObject({ emails: 2 });
    expect(told(s, users)).toEqual([1, 1, 0, 0]);
  });
});

describe('WISHLIST_MAX_EMAILS_PER_DAY=3', () => {
  let s: Stack;
  beforeEach(async () => {
    s = await startStack({ WISHLIST_MAX_EMAILS_PER_DAY: '3', WISHLIST_STOCK_COOLDOWN_HOURS: '0' });
  });
  afterEach(() => s.close());

  async function wish(userId: number, name: string, f: Parameters<typeof insertProduct>[1] = {}) {
    const product = await insertProduct(s.db.pool, { name, regularPrice: 100, ...f });
    await addToWishlist(s.db.pool, userId, product);
    return product;
  }

  test('the fourth email in 24 hours is held back and goes out, with what came meanwhile, as one digest when a slot frees', async () => {
    const user = await insertUser(s.db.pool);
    const other = await insertUser(s.db.pool);
    for (const [i, name] of ['Wheel', 'Pedals', 'Seat'].entries()) {
      await startSale(s.db.pool, await wish(user.id, name), 90 - i);
      expect(await s.check('sale')).toMatchObject({ emails: 1 });
      s.clock.advanceHours(1);
    }
    // Three emails at t0, t0+1h, t0+2h. Now t0+3h: a fourth sale and a restock are held.
    await startSale(s.db.pool, await wish(user.id, 'Shifter'), 70);
    await startSale(s.db.pool, await wish(other.id, 'Shifter 2'), 70);
    expect(await s.check('sale')).toMatchObject({ emails: 1, notified: 1 }); // the other shopper only
    const gloves = await wish(user.id, 'Gloves', { stock: 0 });
    await updateProduct(s.db.pool, gloves, { stock: 4 });
    expect(await s.check('stock')).toMatchObject({ emails: 0 });
    expect(s.sink.to(user.email)).toHaveLength(3);

    s.clock.advanceHours(20); // t0+23h: still three in the window
    expect(await s.check('sale')).toMatchObject({ emails: 0 });
    s.clock.advanceHours(1); // t0+24h: the first email leaves the window
    expect(await s.check('sale')).toMatchObject({ emails: 1, notified: 2 });
    const mails = s.sink.to(user.email);
    expect(mails).toHaveLength(4);
    const digest = mails[3];
    expect(digest.subject).toBe('Your wishlist: 2 updates');
    expect(digest.text).toContain('We gathered these into one email so that you do not get too many.');
    expect(digest.text).toMatch(/ON SALE\n\n- Shifter\n {2}\$70\.00[\s\S]*BACK IN STOCK\n\n- Gloves\n {2}Back in stock now\./);
    // The digest is the fourth email in 24 hours only because the first left the window: the next waits again.
    await startSale(s.db.pool, await wish(user.id, 'Helmet'), 50);
    expect(await s.check('sale')).toMatchObject({ emails: 0 });
    const { rows } = await s.db.pool.query(
      `SELECT count(*)::int AS n FROM wishlist_alert_items WHERE user_id = $1 AND status = 'queued'`,
      [user.id],
    );
    expect(rows[0].n).toBe(1); // held, not lost
  });

  test('WISHLIST_MAX_EMAILS_PER_DAY=0 means no cap', async () => {
    await s.close();
    s = await startStack({ WISHLIST_MAX_EMAILS_PER_DAY: '0' });
    const user = await insertUser(s.db.pool);
    for (const name of ['A', 'B', 'C', 'D', 'E']) {
      await startSale(s.db.pool, await wish(user.id, name), 50);
      expect(await s.check('sale')).toMatchObject({ emails: 1 });
    }
    expect(s.sink.to(user.email)).toHaveLength(5);
  });

  test('a resend of the same items carries the same Message-ID', async () => {
    const user = await insertUser(s.db.pool);
    await startSale(s.db.pool, await wish(user.id, 'Wheel'), 60);
    s.sink.failNext(1, { code: 451, message: 'later' });
    await s.check('sale');
    s.clock.advanceHours(2);
    await s.check('sale');
    expect(s.sink.refused).toHaveLength(1);
    expect(s.sink.to(user.email)[0].messageId).toBe(s.sink.refused[0].messageId);
  });
});
