import request from 'supertest';
import { addToWishlist, insertProduct, insertUser, setRegionSetting, startSale, updateProduct } from '../support/factories';
import { insertOrder } from '../support/orders';
import { ADMIN_TOKEN, Stack, startStack, Via } from '../support/stack';
import type { ProofStats } from '../../src/services/AlertProof';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

describe.each<Via>(['service', 'http'])('orders attributed to alerts (through the %s)', (via) => {
  let s: Stack;
  beforeEach(async () => {
    s = await startStack();
  });
  afterEach(() => s.close());

  async function stats(): Promise<ProofStats> {
    if (via === 'service') return s.alerts.proof.stats();
    const res = await request(s.app).get('/api/admin/wishlist-jobs/stats').set('Authorization', `Bearer ${ADMIN_TOKEN}`);
    expect(res.status).toBe(200);
    return res.body.data;
  }

  /**
   * Ann (US, wheel) gets two sale alerts (a sale, then a deeper cut an hour later), Eva (EU,
   * seat) one; then the orders around them, of which three count.
   */
  async function story() {
    await setRegionSetting(s.db.pool, 'eu', 'currency', 'EUR');
    const ann = await insertUser(s.db.pool, { email: 'Ann.Buyer@Example.com' });
    const eva = await insertUser(s.db.pool);
    const stranger = await insertUser(s.db.pool);
    const wheel = await insertProduct(s.db.pool, { name: 'Racing Wheel', regularPrice: 200 });
    const seat = await insertProduct(s.db.pool, { name: 'Bucket Seat', region: 'eu', regularPrice: 300 });
    const pedals = await insertProduct(s.db.pool, { name: 'Pedals', regularPrice: 50 });
    await addToWishlist(s.db.pool, ann.id, wheel);
    await addToWishlist(s.db.pool, eva.id, seat);
    await startSale(s.db.pool, wheel, 150);
    await startSale(s.db.pool, seat, 250);
    const t0 = s.clock.now().getTime();
    expect((await s.check('sale', via)).emails).toBe(2);
    s.clock.advanceHours(1);
    await updateProduct(s.db.pool, wheel, { salePrice: 120 });
    expect((await s.check('sale', via)).emails).toBe(1);
    const t1 = s.clock.now().getTime();
    const at = (ms: number) => new Date(ms);
    const mine = { userId: ann.id, customerEmail: ann.email };

    // Counted: Ann's order after both alerts (the wheel once, not once per alert; the pedals were never alerted).
    await insertOrder(s.db.pool, { ...mine, createdAt: at(t1 + HOUR), items: [{ productId: wheel, totalPrice: '120.00' }, { productId: pedals, totalPrice: '50.00' }] });
    // Counted: a guest checkout with her address in other case, partially refunded.
    await insertOrder(s.db.pool, {
      userId: null, customerEmail: 'ann.buyer@EXAMPLE.com', paymentStatus: 'partially_refunded', createdAt: at(t1 + 2 * HOUR),
      items: [{ productId: wheel, quantity: 2, totalPrice: '240.00' }],
    });
    // Counted: Eva's order in euros.
    await insertOrder(s.db.pool, {
      userId: eva.id, customerEmail: eva.email, currency: 'EUR', region: 'eu', createdAt: at(t0 + HOUR),
      items: [{ productId: seat, totalPrice: '250.00' }],
    });
    // Not counted: refunded (the order, or only its payment); a failed payment; cancelled although paid; unpaid;
    // before the first alert; after the window; another shopper's.
    await insertOrder(s.db.pool, { ...mine, paymentStatus: 'refunded', status: 'refunded', createdAt: at(t1 + 3 * HOUR), items: [{ productId: wheel, totalPrice: '120.00' }] });
    await insertOrder(s.db.pool, { ...mine, paymentStatus: 'refunded', status: 'delivered', createdAt: at(t1 + 3 * HOUR), items: [{ productId: wheel, totalPrice: '120.00' }] });
    await insertOrder(s.db.pool, { ...mine, paymentStatus: 'failed', status: 'pending', createdAt: at(t1 + 3 * HOUR), items: [{ productId: wheel, totalPrice: '120.00' }] });
    await insertOrder(s.db.pool, { ...mine, status: 'cancelled', createdAt: at(t1 + 4 * HOUR), items: [{ productId: wheel, totalPrice: '120.00' }] });
    await insertOrder(s.db.pool, { ...mine, paymentStatus: 'pending', status: 'pending', createdAt: at(t1 + 5 * HOUR), items: [{ productId: wheel, totalPrice: '120.00' }] });
    await insertOrder(s.db.pool, { ...mine, createdAt: at(t0 - HOUR), items: [{ productId: wheel, totalPrice: '200.00' }] });
    await insertOrder(s.db.pool, { ...mine, createdAt: at(t1 + 7 * DAY + HOUR), items: [{ productId: wheel, totalPrice: '120.00' }] });
    await insertOrder(s.db.pool, { userId: stranger.id, customerEmail: stranger.email, createdAt: at(t1 + HOUR), items: [{ productId: wheel, totalPrice: '120.00' }] });
    return { wheel, seat };
  }

  const zeros = { emailsAccepted: 0, shoppersReached: 0, orders: 0, buyers: 0, items: 0, units: 0, revenue: [], conversionRate: null };

  test('an order counts when the alerted shopper (or a guest with the same address, any case) pays for the alerted product within the window after the email', async () => {
    const { wheel, seat } = await story();
    s.clock.advanceHours(24);
    const result = await stats();
    expect(result.attributionDays).toBe(7);
    expect(result.windows.map((w) => w.days)).toEqual([7, 30]);
    for (const w of result.windows) {
      expect(w.total).toEqual({
        emailsAccepted: 3, shoppersReached: 2, orders: 3, buyers: 2, items: 3, units: 4,
        // Two currencies side by side, never added.
        revenue: [{ currency: 'EUR', amount: '250.00' }, { currency: 'USD', amount: '360.00' }],
        conversionRate: 1,
      });
      expect(w.byKind).toEqual([
        { kind: 'sale', region: 'us', emailsAccepted: 2, shoppersReached: 1, orders: 2, buyers: 1, items: 2, units: 3, revenue: [{ currency: 'USD', amount: '360.00' }], conversionRate: 1 },
        { kind: 'sale', region: 'eu', emailsAccepted: 1, shoppersReached: 1, orders: 1, buyers: 1, items: 1, units: 1, revenue: [{ currency: 'EUR', amount: '250.00' }], conversionRate: 1 },
        { kind: 'price_drop', region: 'us', ...zeros },
        { kind: 'price_drop', region: 'eu', ...zeros },
        { kind: 'stock', region: 'us', ...zeros },
        { kind: 'stock', region: 'eu', ...zeros },
      ]);
      expect(w.topProducts).toEqual([
        { productId: wheel, name: 'Racing Wheel', region: 'us', orders: 2, units: 3, revenue: { currency: 'USD', amount: '360.00' } },
        { productId: seat, name: 'Bucket Seat', region: 'eu', orders: 1, units: 1, revenue: { currency: 'EUR', amount: '250.00' } },
      ]);
    }
  });

  test('alerts older than a window leave it; the 30-day window keeps them', async () => {
    await story();
    s.clock.advanceHours(10 * 24);
    const [week, month] = (await stats()).windows;
    expect(week.total).toEqual(zeros);
    expect(week.topProducts).toEqual([]);
    expect(month.total.orders).toBe(3);
    expect(month.total.revenue).toEqual([{ currency: 'EUR', amount: '250.00' }, { currency: 'USD', amount: '360.00' }]);
  });

  test('shoppers reached who bought nothing lower the conversion rate', async () => {
    await story();
    const idle = await insertUser(s.db.pool);
    const cockpit = await insertProduct(s.db.pool, { regularPrice: 900 });
    await addToWishlist(s.db.pool, idle.id, cockpit);
    await startSale(s.db.pool, cockpit, 800);
    await s.check('sale', via);
    const [week] = (await stats()).windows;
    expect(week.total.shoppersReached).toBe(3);
    expect(week.total.buyers).toBe(2);
    expect(week.total.conversionRate).toBe(0.6667);
  });
});

describe('the proof on /metrics', () => {
  let s: Stack;
  beforeEach(async () => {
    s = await startStack();
  });
  afterEach(() => s.close());

  test('/metrics shows the emails, orders and revenue per window, kind, store and currency', async () => {
    const ann = await insertUser(s.db.pool);
    const wheel = await insertProduct(s.db.pool, { regularPrice: 200 });
    await addToWishlist(s.db.pool, ann.id, wheel);
    await startSale(s.db.pool, wheel, 150);
    await s.check('sale');
    await insertOrder(s.db.pool, { userId: ann.id, customerEmail: ann.email, createdAt: new Date(s.clock.now().getTime() + HOUR), items: [{ productId: wheel, totalPrice: '150.00' }] });
    const res = await request(s.app).get('/metrics').set('Authorization', `Bearer ${ADMIN_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('wishlist_proof_emails_accepted{window="7d",kind="sale",region="us"} 1');
    expect(res.text).toContain('wishlist_proof_orders{window="30d",kind="sale",region="us"} 1');
    expect(res.text).toContain('wishlist_proof_orders{window="7d",kind="stock",region="eu"} 0');
    expect(res.text).toContain('wishlist_proof_revenue{window="7d",kind="sale",region="us",currency="USD"} 150');
  });
});
