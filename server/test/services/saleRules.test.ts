import { addToWishlist, insertProduct, insertUser, startSale, updateProduct } from '../support/factories';
import { Stack, startStack, Via } from '../support/stack';

const HOUR = 3600_000;

describe.each<Via>(['service', 'http'])('sale alerts (through the %s)', (via) => {
  let s: Stack;
  beforeEach(async () => {
    s = await startStack();
  });
  afterEach(() => s.close());

  const checkSales = () => s.check('sale', via);

  async function shopperWith(product: Parameters<typeof insertProduct>[1] = {}) {
    const user = await insertUser(s.db.pool);
    const productId = await insertProduct(s.db.pool, { regularPrice: 200, ...product });
    const wishlistId = await addToWishlist(s.db.pool, user.id, productId);
    return { user, productId, wishlistId };
  }

  test('S1: an item added while not on sale that goes on sale gives one email at the next check', async () => {
    const { user, productId } = await shopperWith({ name: 'Racing Wheel' });
    await startSale(s.db.pool, productId, 150);
    const result = await checkSales();
    expect(result).toEqual({ checked: 1, notified: 1, emails: 1, errors: 0 });
    const mail = s.sink.to(user.email);
    expect(mail).toHaveLength(1);
    expect(mail[0].subject).toBe('On sale: Racing Wheel from your wishlist');
    expect(mail[0].text).toContain('$150.00');
  });

  test('S2: later checks during the same sale send nothing more', async () => {
    const { user, productId } = await shopperWith();
    await startSale(s.db.pool, productId, 150);
    await checkSales();
    const again = await checkSales();
    await checkSales();
    expect(again).toEqual({ checked: 1, notified: 0, emails: 0, errors: 0 });
    expect(s.sink.to(user.email)).toHaveLength(1);
  });

  test('S3: a deeper cut during the sale gives one more email with the new price', async () => {
    const { user, productId } = await shopperWith();
    await startSale(s.db.pool, productId, 150);
    await checkSales();
    await updateProduct(s.db.pool, productId, { salePrice: 120 });
    expect((await checkSales()).notified).toBe(1);
    await checkSales();
    const mail = s.sink.to(user.email);
    expect(mail).toHaveLength(2);
    expect(mail[1].text).toContain('$120.00');
    expect(mail[1].text).toContain('40% off');
  });

  test('S4: a raised sale price that is still a sale sends nothing, nor does cutting back to the announced price', async () => {
    const { user, productId } = await shopperWith();
    await startSale(s.db.pool, productId, 150);
    await checkSales();
    await updateProduct(s.db.pool, productId, { salePrice: 180 });
    await checkSales();
    await updateProduct(s.db.pool, productId, { salePrice: 150 });
    await checkSales();
    expect(s.sink.to(user.email)).toHaveLength(1);
  });

  test('S5: after a sale ends, a new sale at the same price gives one email', async () => {
    const { user, productId } = await shopperWith();
    await startSale(s.db.pool, productId, 150);
    await checkSales();
    await updateProduct(s.db.pool, productId, { isOnSale: false });
    await checkSales();
    await startSale(s.db.pool, productId, 150);
    expect((await checkSales()).notified).toBe(1);
    await checkSales();
    expect(s.sink.to(user.email)).toHaveLength(2);
  });

  test('S5: a sale that ended by its end date and is reopened counts as a new sale', async () => {
    const { user, productId } = await shopperWith();
    await updateProduct(s.db.pool, productId, { isOnSale: true, salePrice: 150, saleEnd: new Date(Date.now() + HOUR) });
    await checkSales();
    s.clock.advanceHours(2); // the end date passes with no UPDATE
    expect((await checkSales()).checked).toBe(0);
    await updateProduct(s.db.pool, productId, { saleEnd: new Date(s.clock.now().getTime() + 5 * HOUR) });
    await checkSales();
    expect(s.sink.to(user.email)).toHaveLength(2);
  });

  test('S6: an item added while already on sale gives nothing for that sale; a later deeper cut does', async () => {
    const user = await insertUser(s.db.pool);
    const productId = await insertProduct(s.db.pool, { regularPrice: 200, isOnSale: true, salePrice: 150 });
    await addToWishlist(s.db.pool, user.id, productId);
    expect((await checkSales()).notified).toBe(0);
    await updateProduct(s.db.pool, productId, { salePrice: 140 });
    expect((await checkSales()).notified).toBe(1);
    expect(s.sink.to(user.email)).toHaveLength(1);
    expect(s.sink.to(user.email)[0].text).toContain('$140.00');
  });

  test('S6: an item added after a scheduled sale began by the clock (not yet observed) gives nothing', async () => {
    const productId = await insertProduct(s.db.pool, { regularPrice: 200, isOnSale: true, salePrice: 150, saleStart: new Date(Date.now() - 60_000) });
    s.clock.advanceHours(-1);
    await checkSales(); // last looked at before its start: not on sale
    s.clock.advanceHours(1); // the start date has passed since, with no row changed and no look
    const user = await insertUser(s.db.pool);
    await addToWishlist(s.db.pool, user.id, productId);
    expect(await checkSales()).toEqual({ checked: 1, notified: 0, emails: 0, errors: 0 });
    expect(s.sink.to(user.email)).toHaveLength(0);
  });

  test('S7: a sale scheduled for later sends nothing until it starts, then one email', async () => {
    const { user, productId } = await shopperWith();
    await updateProduct(s.db.pool, productId, { isOnSale: true, salePrice: 150, saleStart: new Date(Date.now() + HOUR) });
    expect((await checkSales()).notified).toBe(0);
    s.clock.advanceHours(2);
    expect((await checkSales()).notified).toBe(1);
    await checkSales();
    expect(s.sink.to(user.email)).toHaveLength(1);
  });

  test('S8: an end date in the past means no sale, even with is_on_sale still true', async () => {
    const { user, productId } = await shopperWith();
    await updateProduct(s.db.pool, productId, { isOnSale: true, salePrice: 150, saleEnd: new Date(Date.now() - 60_000) });
    expect(await checkSales()).toEqual({ checked: 0, notified: 0, emails: 0, errors: 0 });
    expect(s.sink.to(user.email)).toHaveLength(0);
  });

  test('S9: alerts off, an inactive product, or a sale price that is null or not below the regular price send nothing', async () => {
    const user = await insertUser(s.db.pool);
    const muted = await insertProduct(s.db.pool, { regularPrice: 200 });
    const inactive = await insertProduct(s.db.pool, { regularPrice: 200, status: 'draft' });
    const noPrice = await insertProduct(s.db.pool, { regularPrice: 200 });
    const samePrice = await insertProduct(s.db.pool, { regularPrice: 200 });
    const higher = await insertProduct(s.db.pool, { regularPrice: 200 });
    await addToWishlist(s.db.pool, user.id, muted, { notifyOnSale: false });
    for (const p of [inactive, noPrice, samePrice, higher]) await addToWishlist(s.db.pool, user.id, p);
    await startSale(s.db.pool, muted, 150);
    await startSale(s.db.pool, inactive, 150);
    await updateProduct(s.db.pool, noPrice, { isOnSale: true, salePrice: null });
    await startSale(s.db.pool, samePrice, 200);
    await startSale(s.db.pool, higher, 250);
    expect((await checkSales()).notified).toBe(0);
    expect(s.sink.to(user.email)).toHaveLength(0);
  });

  test('S10: other edits of the product during a sale (name, stock) send nothing', async () => {
    const { user, productId } = await shopperWith();
    await startSale(s.db.pool, productId, 150);
    await checkSales();
    await updateProduct(s.db.pool, productId, { name: 'Renamed wheel' });
    await updateProduct(s.db.pool, productId, { stock: 0 });
    await updateProduct(s.db.pool, productId, { stock: 7 });
    await checkSales();
    expect(s.sink.to(user.email)).toHaveLength(1);
  });
});

describe('the sale rules at send time', () => {
  let s: Stack;
  beforeEach(async () => {
    s = await startStack();
  });
  afterEach(() => s.close());

  test('S4 at send time: a cut queued but not yet sent, then raised above the price announced, is not sent', async () => {
    const user = await insertUser(s.db.pool);
    const productId = await insertProduct(s.db.pool, { regularPrice: 200 });
    await addToWishlist(s.db.pool, user.id, productId);
    await startSale(s.db.pool, productId, 150);
    await s.check('sale');
    await updateProduct(s.db.pool, productId, { salePrice: 120 });
    s.sink.failNext(1, { code: 451, message: 'Requested action aborted: local error in processing' });
    expect(await s.check('sale')).toMatchObject({ emails: 0, errors: 1 }); // queued; the mail server said later
    await updateProduct(s.db.pool, productId, { salePrice: 180 });
    s.clock.advanceHours(1); // past the retry
    expect(await s.check('sale')).toMatchObject({ emails: 0, errors: 0 });
    expect(s.sink.to(user.email)).toHaveLength(1);
    const { rows } = await s.db.pool.query(`SELECT status, error FROM wishlist_alert_items ORDER BY id`);
    expect(rows[1]).toEqual({ status: 'skipped', error: 'price no longer below the one announced' });
  });
});
