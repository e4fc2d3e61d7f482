import { addToWishlist, insertProduct, insertUser, updateProduct } from '../support/factories';
import { Stack, startStack, Via } from '../support/stack';

describe.each<Via>(['service', 'http'])('back-in-stock alerts (through the %s)', (via) => {
  let s: Stack;
  beforeEach(async () => {
    s = await startStack();
  });
  afterEach(() => s.close());

  const checkStock = () => s.check('stock', via);

  async function shopperWith(product: Parameters<typeof insertProduct>[1] = {}) {
    const user = await insertUser(s.db.pool);
    const productId = await insertProduct(s.db.pool, product);
    await addToWishlist(s.db.pool, user.id, productId);
    return { user, productId };
  }

  test('K1: an item added while out of stock that comes back gives one back-in-stock email', async () => {
    const { user, productId } = await shopperWith({ name: 'Racing Seat', stock: 0 });
    expect((await checkStock()).notified).toBe(0);
    await updateProduct(s.db.pool, productId, { stock: 5 });
    expect(await checkStock()).toEqual({ checked: 1, notified: 1, emails: 1, errors: 0 });
    await checkStock();
    const mail = s.sink.to(user.email);
    expect(mail).toHaveLength(1);
    expect(mail[0].subject).toBe('Back in stock: Racing Seat from your wishlist');
    expect(mail[0].text).toContain('Back in stock now.');
  });

  test('K2: an item added while in stock gives nothing', async () => {
    const { user } = await shopperWith({ stock: 5 });
    expect(await checkStock()).toEqual({ checked: 1, notified: 0, emails: 0, errors: 0 });
    expect(s.sink.to(user.email)).toHaveLength(0);
  });

  test('K3: a second restock after an email is announced once the cool-down has passed, if still in stock', async () => {
    const { user, productId } = await shopperWith({ stock: 0 });
    await updateProduct(s.db.pool, productId, { stock: 5 });
    await checkStock();
    await updateProduct(s.db.pool, productId, { stock: 0 });
    await checkStock(); // sold out is observed (the watch would see it within seconds)
    await updateProduct(s.db.pool, productId, { stock: 3 });
    s.clock.advanceHours(23.9);
    expect((await checkStock()).notified).toBe(0);
    s.clock.advanceHours(0.2);
    expect((await checkStock()).notified).toBe(1);
    await checkStock();
    expect(s.sink.to(user.email)).toHaveLength(2);
  });

  test('K3: a restock inside the cool-down is not announced if the product is out of stock when it ends', async () => {
    const { user, productId } = await shopperWith({ stock: 0 });
    await updateProduct(s.db.pool, productId, { stock: 5 });
    await checkStock();
    await updateProduct(s.db.pool, productId, { stock: 0 });
    await checkStock();
    await updateProduct(s.db.pool, productId, { stock: 3 });
    await checkStock(); // back, inside the cool-down: not announced yet
    await updateProduct(s.db.pool, productId, { stock: 0 });
    s.clock.advanceHours(25);
    await checkStock();
    expect(s.sink.to(user.email)).toHaveLength(1);
  });

  test('K4: quantity changes while staying in stock send nothing', async () => {
    const { user, productId } = await shopperWith({ stock: 0 });
    await updateProduct(s.db.pool, productId, { stock: 5 });
    await checkStock();
    for (const stock of [2, 9]) {
      await updateProduct(s.db.pool, productId, { stock });
      s.clock.advanceHours(30);
      await checkStock();
    }
    expect(s.sink.to(user.email)).toHaveLength(1);
  });

  test('K5: alerts off or an inactive product send nothing', async () => {
    const user = await insertUser(s.db.pool);
    const muted = await insertProduct(s.db.pool, { stock: 0 });
    const inactive = await insertProduct(s.db.pool, { stock: 0, status: 'archived' });
    await addToWishlist(s.db.pool, user.id, muted, { notifyOnStock: false });
    await addToWishlist(s.db.pool, user.id, inactive);
    await updateProduct(s.db.pool, muted, { stock: 5 });
    await updateProduct(s.db.pool, inactive, { stock: 5 });
    expect((await checkStock()).notified).toBe(0);
    expect(s.sink.to(user.email)).toHaveLength(0);
  });

  test('K6: back in stock and out again before the check sends nothing', async () => {
    const { user, productId } = await shopperWith({ stock: 0 });
    await updateProduct(s.db.pool, productId, { stock: 5 });
    await updateProduct(s.db.pool, productId, { stock: 0 });
    expect((await checkStock()).notified).toBe(0);
    expect(s.sink.to(user.email)).toHaveLength(0);
  });

  test("K7: in_stock '1' with stock 0 is out of stock; stock above 0 with a stale in_stock '0' is in stock", async () => {
    const { user, productId } = await shopperWith({ stock: 0, inStock: '1' });
    expect((await checkStock()).checked).toBe(0);
    // An order path's refund adds stock back and leaves the flag as it was.
    await updateProduct(s.db.pool, productId, { stock: 4, inStock: '0' });
    expect(await checkStock()).toEqual({ checked: 1, notified: 1, emails: 1, errors: 0 });
    expect(s.sink.to(user.email)).toHaveLength(1);
  });

  test("K7: only where stock is NULL does in_stock decide; a backorderable product at stock 0 is out of stock", async () => {
    const user = await insertUser(s.db.pool);
    const flagged = await insertProduct(s.db.pool, { stock: null, inStock: '0' });
    const backorder = await insertProduct(s.db.pool, { stock: 0, backorders: 'yes' });
    for (const p of [flagged, backorder]) await addToWishlist(s.db.pool, user.id, p);
    await updateProduct(s.db.pool, backorder, { stock: -2 }); // an order on backorder
    await updateProduct(s.db.pool, flagged, { inStock: '1' });
    expect(await checkStock()).toEqual({ checked: 1, notified: 1, emails: 1, errors: 0 });
    const mail = s.sink.to(user.email);
    expect(mail).toHaveLength(1);
    const flaggedName = (await s.db.pool.query('SELECT name FROM products WHERE id = $1', [flagged])).rows[0].name;
    expect(mail[0].subject).toBe(`Back in stock: ${flaggedName} from your wishlist`);
  });
});

describe('the stock cool-down setting', () => {
  let s: Stack;
  beforeEach(async () => {
    s = await startStack({ WISHLIST_STOCK_COOLDOWN_HOURS: '0.5' });
  });
  afterEach(() => s.close());

  test('a fractional WISHLIST_STOCK_COOLDOWN_HOURS is honoured', async () => {
    const user = await insertUser(s.db.pool);
    const productId = await insertProduct(s.db.pool, { stock: 0 });
    await addToWishlist(s.db.pool, user.id, productId);
    await updateProduct(s.db.pool, productId, { stock: 5 });
    await s.check('stock');
    await updateProduct(s.db.pool, productId, { stock: 0 });
    await s.check('stock');
    await updateProduct(s.db.pool, productId, { stock: 5 });
    s.clock.advanceHours(0.4);
    expect((await s.check('stock')).notified).toBe(0);
    s.clock.advanceHours(0.2);
    expect((await s.check('stock')).notified).toBe(1);
  });
});
