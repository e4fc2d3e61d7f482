import type { AddressObject } from 'mailparser';
import {
  addImage, addToWishlist, insertProduct, insertUser, setRegionSetting, startSale, updateProduct,
} from '../support/factories';
import type { ReceivedMail } from '../support/smtpSink';
import { CheckKind, Stack, startStack } from '../support/stack';

/**
 * The shop's meanings (visible, on sale, in stock, prices, regions, links, names, bad data),
 * each checked end to end: the shop's rows as its admin writes them, a check, and what the
 * SMTP sink received. The stack's storefronts: https://simfab.example (us) and
 * https://simfab-eu.example (eu).
 */
const US = 'https://simfab.example';
const EU = 'https://simfab-eu.example';

/** The display name and address of the From header. */
function fromHeader(mail: ReceivedMail): { name: string; address: string | undefined } {
  const from = mail.parsed.from as AddressObject;
  return { name: from.value[0].name, address: from.value[0].address };
}

describe("the shop's meanings", () => {
  let s: Stack;
  beforeEach(async () => {
    s = await startStack();
  });
  afterEach(() => s.close());

  type Product = Parameters<typeof insertProduct>[1];

  /** A wishlisted product, then made due: a sale begins (200 → 150), or it comes back in stock (0 → 5). */
  async function wishlisted(kind: CheckKind, userId: number, product: Product = {}): Promise<number> {
    const productId = await insertProduct(s.db.pool, kind === 'sale' ? { regularPrice: 200, ...product } : { stock: 0, ...product });
    await addToWishlist(s.db.pool, userId, productId);
    return productId;
  }

  function makeDue(kind: CheckKind, productId: number): Promise<void> {
    return kind === 'sale' ? startSale(s.db.pool, productId, 150) : updateProduct(s.db.pool, productId, { stock: 5, inStock: '1' });
  }

  async function itemRows(userId: number) {
    const { rows } = await s.db.pool.query(
      `SELECT n.product_id, n.status, n.error FROM wishlist_alert_items n WHERE n.user_id = $1 ORDER BY n.id`,
      [userId],
    );
    return rows;
  }

  describe('visible: status active and not soft-deleted', () => {
    test.each<CheckKind>(['sale', 'stock'])(
      'a %s alert: a soft-deleted product (status still active) and a draft product changed before the check send nothing',
      async (kind) => {
        const user = await insertUser(s.db.pool);
        const live = await wishlisted(kind, user.id, { name: 'Live Wheel' });
        const deleted = await wishlisted(kind, user.id, { name: 'Deleted Wheel' });
        const draft = await wishlisted(kind, user.id, { name: 'Draft Wheel' });
        for (const p of [live, deleted, draft]) await makeDue(kind, p);
        await updateProduct(s.db.pool, deleted, { deletedAt: new Date() });
        await updateProduct(s.db.pool, draft, { status: 'draft' });

        expect(await s.check(kind)).toEqual({ checked: 1, notified: 1, emails: 1, errors: 0 });
        const mail = s.sink.to(user.email);
        expect(mail).toHaveLength(1);
        expect(mail[0].text).toContain('Live Wheel');
        expect(mail[0].text).not.toContain('Deleted Wheel');
        expect(mail[0].text).not.toContain('Draft Wheel');
        // Nothing was even queued for them.
        expect((await itemRows(user.id)).map((r) => r.product_id)).toEqual([live]);
      },
    );

    test.each<CheckKind>(['sale', 'stock'])(
      'a %s alert: a product soft-deleted or drafted after queueing but before delivery is skipped with its reason',
      async (kind) => {
        const user = await insertUser(s.db.pool);
        const live = await wishlisted(kind, user.id, { name: 'Live Wheel' });
        const deleted = await wishlisted(kind, user.id, { name: 'Deleted Wheel' });
        const draft = await wishlisted(kind, user.id, { name: 'Draft Wheel' });
        for (const p of [live, deleted, draft]) await makeDue(kind, p);

        await s.sink.pause();
        expect(await s.check(kind)).toMatchObject({ checked: 3, emails: 0, errors: 1 }); // queued; delivery fails
        expect((await itemRows(user.id)).map((r) => r.status)).toEqual(['queued', 'queued', 'queued']);
        await updateProduct(s.db.pool, deleted, { deletedAt: new Date() }); // status stays 'active'
        await updateProduct(s.db.pool, draft, { status: 'draft' });
        await s.sink.resume();
        s.clock.advanceHours(1); // past the retry

        expect(await s.check(kind)).toEqual({ checked: 1, notified: 1, emails: 1, errors: 0 });
        const mail = s.sink.to(user.email);
        expect(mail).toHaveLength(1);
        expect(mail[0].text).toContain('Live Wheel');
        expect(mail[0].text).not.toContain('Deleted Wheel');
        expect(mail[0].text).not.toContain('Draft Wheel');
        const rows = await itemRows(user.id);
        expect(rows).toEqual([
          { product_id: live, status: 'sent', error: null },
          { product_id: deleted, status: 'skipped', error: expect.stringMatching(/deleted/) },
          { product_id: draft, status: 'skipped', error: expect.stringMatching(/not visible.*draft/) },
        ]);
      },
    );
  });

  describe('on sale', () => {
    test('a product with a price range (price_min ≠ price_max) gets no sale alert; one with equal bounds does', async () => {
      const user = await insertUser(s.db.pool);
      const range = await wishlisted('sale', user.id, { name: 'Ranged Cockpit', priceMin: 100, priceMax: 300 });
      const single = await wishlisted('sale', user.id, { name: 'Single Cockpit', priceMin: 200, priceMax: 200 });
      await startSale(s.db.pool, range, 150);
      await startSale(s.db.pool, single, 150);

      expect(await s.check('sale')).toEqual({ checked: 1, notified: 1, emails: 1, errors: 0 });
      const [mail] = s.sink.to(user.email);
      expect(mail.text).toContain('Single Cockpit');
      expect(mail.text).not.toContain('Ranged Cockpit');
    });

    test('prices are compared in cents: 19.99 vs 19.99 (real) is no sale, nor is 19.989; 19.98 is', async () => {
      const user = await insertUser(s.db.pool);
      const same = await wishlisted('sale', user.id, { name: 'Same Price', regularPrice: 19.99 });
      const fraction = await wishlisted('sale', user.id, { name: 'Fraction Below', regularPrice: 19.99 });
      const cent = await wishlisted('sale', user.id, { name: 'One Cent Off', regularPrice: 19.99 });
      await startSale(s.db.pool, same, 19.99);
      await startSale(s.db.pool, fraction, 19.989);
      await startSale(s.db.pool, cent, 19.98);

      expect(await s.check('sale')).toEqual({ checked: 1, notified: 1, emails: 1, errors: 0 });
      const mail = s.sink.to(user.email);
      expect(mail).toHaveLength(1);
      expect(mail[0].subject).toBe('On sale: One Cent Off from your wishlist');
      expect(mail[0].text).toContain('$19.98');
      expect(mail[0].text).toContain('$19.99');
      expect(mail[0].text).not.toContain('Same Price');
      expect(mail[0].text).not.toContain('Fraction Below');
    });
  });

  describe('in stock', () => {
    test('a backorderable product (backorders yes, in_stock 1) at stock 0 gets no restock alert', async () => {
      const user = await insertUser(s.db.pool);
      const backorder = await wishlisted('stock', user.id, { name: 'Backorder Seat' });
      const restocked = await wishlisted('stock', user.id, { name: 'Restocked Seat' });
      await updateProduct(s.db.pool, backorder, { backorders: 'yes', inStock: '1' }); // "Available on backorder"
      await updateProduct(s.db.pool, restocked, { stock: 2, inStock: '1' });

      expect(await s.check('stock')).toEqual({ checked: 1, notified: 1, emails: 1, errors: 0 });
      const [mail] = s.sink.to(user.email);
      expect(mail.text).toContain('Restocked Seat');
      expect(mail.text).not.toContain('Backorder Seat');
    });

    test("with NULL stock, in_stock 'yes' (other text) is out of stock and only '1' is in stock", async () => {
      const user = await insertUser(s.db.pool);
      const yes = await wishlisted('stock', user.id, { name: 'Yes Flag', stock: null });
      const one = await wishlisted('stock', user.id, { name: 'One Flag', stock: null });
      await updateProduct(s.db.pool, yes, { inStock: 'yes' });
      await updateProduct(s.db.pool, one, { inStock: '1' });

      expect(await s.check('stock')).toEqual({ checked: 1, notified: 1, emails: 1, errors: 0 });
      const [mail] = s.sink.to(user.email);
      expect(mail.text).toContain('One Flag');
      expect(mail.text).not.toContain('Yes Flag');
    });
  });

  describe('prices', () => {
    test('a regular price of 12345.67 (real) prints as $12,345.67, not rounded to six digits', async () => {
      const user = await insertUser(s.db.pool);
      const productId = await wishlisted('sale', user.id, { name: 'Full Motion Rig', regularPrice: 12345.67 });
      await startSale(s.db.pool, productId, 9876.54);

      expect((await s.check('sale')).emails).toBe(1);
      const [mail] = s.sink.to(user.email);
      for (const part of [mail.text, mail.html]) {
        expect(part).toContain('$12,345.67');
        expect(part).toContain('$9,876.54');
        expect(part).not.toContain('12,345.70');
      }
      const { rows } = await s.db.pool.query('SELECT regular_price::text, sale_price::text FROM wishlist_alert_items WHERE user_id = $1', [user.id]);
      expect(rows).toEqual([{ regular_price: '12345.67', sale_price: '9876.54' }]);
    });
  });

  describe('regions', () => {
    test('an EU product: € prices, EU storefront links, the EU sender, an EU Message-ID', async () => {
      const user = await insertUser(s.db.pool);
      const productId = await wishlisted('sale', user.id, { name: 'EU Wheel', region: 'eu', slug: 'eu-wheel', regularPrice: 1299 });
      await startSale(s.db.pool, productId, 999);

      expect(await s.check('sale')).toEqual({ checked: 1, notified: 1, emails: 1, errors: 0 });
      const [mail] = s.sink.to(user.email);
      for (const part of [mail.text, mail.html]) {
        expect(part).toContain('€999.00');
        expect(part).toContain('€1,299.00');
        expect(part).not.toContain('$');
        expect(part).toContain(`${EU}/product/eu-wheel`);
        expect(part).toContain(`${EU}/wishlist`);
        expect(part).not.toContain(US);
      }
      // region_settings has smtp_from_name 'SimFab EU' for eu (no smtp_from_email: the shop's default address, as its own mail falls back to).
      expect(fromHeader(mail)).toEqual({ name: 'SimFab EU', address: 'noreply@simfab.com' });
      expect(mail.messageId).toMatch(/@simfab-eu\.example>$/);
    });

    test("the currency comes from region_settings: eu currency 'GBP' shows £", async () => {
      await setRegionSetting(s.db.pool, 'eu', 'currency', 'GBP'); // before the first check: the settings are cached
      const user = await insertUser(s.db.pool);
      const productId = await wishlisted('sale', user.id, { region: 'eu', regularPrice: 400 });
      await startSale(s.db.pool, productId, 300);

      expect((await s.check('sale')).emails).toBe(1);
      const [mail] = s.sink.to(user.email);
      expect(mail.text).toContain('£300.00');
      expect(mail.text).toContain('£400.00');
      expect(mail.text).not.toContain('€');
    });

    test('without a currency key, eu falls back to EUR and us to USD', async () => {
      await s.db.pool.query(`DELETE FROM region_settings WHERE setting_key = 'currency'`);
      const user = await insertUser(s.db.pool);
      const eu = await wishlisted('sale', user.id, { name: 'EU Pedals', region: 'eu', regularPrice: 400 });
      const us = await wishlisted('sale', user.id, { name: 'US Pedals', region: 'us', regularPrice: 400 });
      await startSale(s.db.pool, eu, 300);
      await startSale(s.db.pool, us, 300);

      expect((await s.check('sale')).emails).toBe(2);
      const mails = s.sink.to(user.email);
      expect(mails.find((m) => m.text.includes('EU Pedals'))!.text).toContain('€300.00');
      expect(mails.find((m) => m.text.includes('US Pedals'))!.text).toContain('$300.00');
    });

    test('a shopper with a US and an EU item on sale gets two emails, each with its own currency, links and sender', async () => {
      const user = await insertUser(s.db.pool, { firstName: 'Ann' });
      const us = await wishlisted('sale', user.id, { name: 'US Wheel', region: 'us', slug: 'wheel', regularPrice: 1299 });
      const eu = await wishlisted('sale', user.id, { name: 'EU Wheel', region: 'eu', slug: 'wheel', regularPrice: 1199 });
      await startSale(s.db.pool, us, 999);
      await startSale(s.db.pool, eu, 899);

      expect(await s.check('sale')).toEqual({ checked: 2, notified: 2, emails: 2, errors: 0 });
      const mails = s.sink.to(user.email);
      expect(mails).toHaveLength(2);
      const usMail = mails.find((m) => m.text.includes('US Wheel'))!;
      const euMail = mails.find((m) => m.text.includes('EU Wheel'))!;
      expect(usMail).toBeDefined();
      expect(euMail).toBeDefined();
      expect(usMail.text).not.toContain('EU Wheel');
      expect(euMail.text).not.toContain('US Wheel');

      expect(usMail.text).toContain('$999.00');
      expect(usMail.text).toContain(`${US}/product/wheel`);
      expect(usMail.text).not.toContain(EU);
      expect(fromHeader(usMail).name).toBe('SimFab');

      expect(euMail.text).toContain('€899.00');
      expect(euMail.text).toContain(`${EU}/product/wheel`);
      expect(euMail.text).not.toContain(US);
      expect(fromHeader(euMail).name).toBe('SimFab EU');
    });
  });

  describe('links and images', () => {
    test('the primary image wins over a lower sort_order; without one the lowest sort_order; made absolute, in the HTML', async () => {
      const user = await insertUser(s.db.pool);
      const withPrimary = await wishlisted('sale', user.id, { name: 'With Primary' });
      await addImage(s.db.pool, withPrimary, '/uploads/primary-first-by-order.jpg', { sortOrder: 0 });
      await addImage(s.db.pool, withPrimary, '/uploads/primary-chosen.jpg', { primary: true, sortOrder: 5 });
      const byOrder = await wishlisted('sale', user.id, { name: 'By Order' });
      await addImage(s.db.pool, byOrder, 'uploads/order-three.jpg', { sortOrder: 3 });
      await addImage(s.db.pool, byOrder, 'uploads/order-one.jpg', { sortOrder: 1 });
      const absolute = await wishlisted('sale', user.id, { name: 'Absolute' });
      await addImage(s.db.pool, absolute, 'https://cdn.simfab.example/abs.jpg', { primary: true });
      const euProduct = await wishlisted('sale', user.id, { name: 'EU Image', region: 'eu' });
      await addImage(s.db.pool, euProduct, '/uploads/eu.jpg', { primary: true });
      for (const p of [withPrimary, byOrder, absolute, euProduct]) await startSale(s.db.pool, p, 150);

      expect((await s.check('sale')).emails).toBe(2);
      const [usMail] = s.sink.to(user.email).filter((m) => m.text.includes('With Primary'));
      const [euMail] = s.sink.to(user.email).filter((m) => m.text.includes('EU Image'));
      const imgs = (html: string) => [...html.matchAll(/<img src="([^"]+)" alt="" width="84"/g)].map((m) => m[1]);
      expect(imgs(usMail.html)).toEqual([
        `${US}/uploads/primary-chosen.jpg`,
        `${US}/uploads/order-one.jpg`,
        'https://cdn.simfab.example/abs.jpg',
      ]);
      expect(usMail.html).not.toContain('primary-first-by-order');
      expect(usMail.html).not.toContain('order-three');
      expect(imgs(euMail.html)).toEqual([`${EU}/uploads/eu.jpg`]);
      expect(usMail.text).not.toContain('.jpg'); // images are in the HTML part only
    });

    test('a product without a slug links to <storefront>/wishlist', async () => {
      const user = await insertUser(s.db.pool);
      const noSlug = await wishlisted('sale', user.id, { name: 'No Slug', slug: null as unknown as string });
      const euNoSlug = await wishlisted('sale', user.id, { name: 'EU No Slug', region: 'eu', slug: '' });
      await startSale(s.db.pool, noSlug, 150);
      await startSale(s.db.pool, euNoSlug, 150);

      expect(await s.check('sale')).toMatchObject({ notified: 2, emails: 2, errors: 0 });
      const mails = s.sink.to(user.email);
      const usMail = mails.find((m) => m.text.includes('No Slug') && !m.text.includes('EU No Slug'))!;
      const euMail = mails.find((m) => m.text.includes('EU No Slug'))!;
      expect(usMail.text).toContain(`View item: ${US}/wishlist?utm_source=`);
      expect(usMail.html).toContain(`href="${US}/wishlist?utm_source=`);
      expect(euMail.text).toContain(`View item: ${EU}/wishlist?utm_source=`);
      for (const m of [usMail, euMail]) {
        expect(m.text).not.toContain('/product/');
        expect(m.html).not.toContain('/product/');
      }
    });
  });

  describe('names', () => {
    test('a NULL first_name greets without a name', async () => {
      const nameless = await insertUser(s.db.pool, { firstName: null });
      const named = await insertUser(s.db.pool, { firstName: 'Ann' });
      for (const u of [nameless, named]) await startSale(s.db.pool, await wishlisted('sale', u.id), 150);

      expect((await s.check('sale')).emails).toBe(2);
      const [plain] = s.sink.to(nameless.email);
      expect(plain.text).toMatch(/^Hi,$/m);
      expect(plain.text).not.toContain('null');
      expect(plain.html).toContain('Hi,');
      expect(s.sink.to(named.email)[0].text).toMatch(/^Hi Ann,$/m);
    });
  });

  describe('bad data never breaks a check', () => {
    test('a mix of bad rows still sends the good items, and errors nothing', async () => {
      // A status outside the shop's CHECK (a drifted schema): the stand-in refuses one, so drop it here.
      await s.db.pool.query('ALTER TABLE products DROP CONSTRAINT IF EXISTS products_status_check');
      const ann = await insertUser(s.db.pool, { firstName: null });
      const bob = await insertUser(s.db.pool);

      // Sale side.
      const goodSale = await wishlisted('sale', ann.id, { name: 'Good Sale' });
      const noSlugSale = await wishlisted('sale', ann.id, { name: 'Slugless Sale', slug: null as unknown as string });
      const nullPrices = await wishlisted('sale', ann.id, { name: 'Null Prices' });
      const archived = await wishlisted('sale', ann.id, { name: 'Archived Sale' });
      const nullStatus = await wishlisted('sale', ann.id, { name: 'Null Status' });
      const oddStatus = await wishlisted('sale', ann.id, { name: 'Odd Status' });
      const negativePrice = await wishlisted('sale', ann.id, { name: 'Negative Price' });
      for (const p of [goodSale, noSlugSale, archived, nullStatus, oddStatus]) await startSale(s.db.pool, p, 150);
      await updateProduct(s.db.pool, nullPrices, { isOnSale: true, regularPrice: null, salePrice: null });
      await updateProduct(s.db.pool, negativePrice, { isOnSale: true, regularPrice: 200, salePrice: -5 });
      await updateProduct(s.db.pool, archived, { status: 'archived' });
      await s.db.pool.query('UPDATE products SET status = NULL WHERE id = $1', [nullStatus]);
      await s.db.pool.query(`UPDATE products SET status = 'discontinued' WHERE id = $1`, [oddStatus]);

      // Stock side.
      const goodStock = await wishlisted('stock', bob.id, { name: 'Good Stock' });
      const negative = await wishlisted('stock', bob.id, { name: 'Negative Stock' });
      const weird = await wishlisted('stock', bob.id, { name: 'Weird Flag' });
      const archivedStock = await wishlisted('stock', bob.id, { name: 'Archived Stock' });
      const nullEverything = await wishlisted('stock', bob.id, { name: 'Null Everything' });
      await updateProduct(s.db.pool, goodStock, { stock: 3, inStock: '1' });
      await updateProduct(s.db.pool, negative, { stock: -2, inStock: '1' });
      await updateProduct(s.db.pool, weird, { stock: null, inStock: 'maybe' });
      await updateProduct(s.db.pool, archivedStock, { stock: 4, inStock: '1', status: 'archived' });
      await updateProduct(s.db.pool, nullEverything, { stock: null, inStock: null, regularPrice: null });

      expect(await s.check('sale')).toEqual({ checked: 2, notified: 2, emails: 1, errors: 0 });
      const [annMail] = s.sink.to(ann.email);
      expect(s.sink.to(ann.email)).toHaveLength(1);
      expect(annMail.text).toMatch(/^Hi,$/m);
      expect(annMail.text).toContain('Good Sale');
      expect(annMail.text).toContain('Slugless Sale');
      expect(annMail.text).toContain(`View item: ${US}/wishlist?utm_source=`);
      for (const bad of ['Null Prices', 'Archived Sale', 'Null Status', 'Odd Status', 'Negative Price']) {
        expect(annMail.text).not.toContain(bad);
      }
      expect(annMail.html).not.toContain('width="84"'); // no product images: no image cell

      expect(await s.check('stock')).toMatchObject({ notified: 1, emails: 1, errors: 0 });
      const bobMails = s.sink.to(bob.email);
      expect(bobMails).toHaveLength(1);
      expect(bobMails[0].text).toContain('Good Stock');
      for (const bad of ['Negative Stock', 'Weird Flag', 'Archived Stock', 'Null Everything']) {
        expect(bobMails[0].text).not.toContain(bad);
      }
      const { rows } = await s.db.pool.query(`SELECT count(*)::int AS n FROM wishlist_alert_items WHERE status <> 'sent'`);
      expect(rows[0].n).toBe(0);
    });

    // A real column takes any price up to 3.4e38; a typo (1e11 for 1100) is bad data like any other.
    test('an absurd sale price (beyond 10^10) on one product does not break the sale or stock checks for the others', async () => {
      const user = await insertUser(s.db.pool);
      const good = await wishlisted('sale', user.id, { name: 'Good Sale' });
      const absurd = await wishlisted('sale', user.id, { name: 'Absurd Sale', regularPrice: 1e11 });
      await startSale(s.db.pool, good, 150);
      await startSale(s.db.pool, absurd, 5e10);
      const restocked = await wishlisted('stock', user.id, { name: 'Good Stock' });
      await updateProduct(s.db.pool, restocked, { stock: 3, inStock: '1' });

      const sale = await s.check('sale');
      expect(sale).toMatchObject({ errors: 0 });
      expect(s.sink.to(user.email).some((m) => m.text.includes('Good Sale'))).toBe(true);
      await s.check('stock');
      expect(s.sink.to(user.email).some((m) => m.text.includes('Good Stock'))).toBe(true);
    });

    test('an absurd regular price (beyond 10^10) on a restocked product does not break the stock check for the others', async () => {
      const user = await insertUser(s.db.pool);
      const good = await wishlisted('stock', user.id, { name: 'Good Stock' });
      const absurd = await wishlisted('stock', user.id, { name: 'Absurd Stock', regularPrice: 1e11 });
      await updateProduct(s.db.pool, good, { stock: 3, inStock: '1' });
      await updateProduct(s.db.pool, absurd, { stock: 3, inStock: '1' });

      expect(await s.check('stock')).toMatchObject({ errors: 0 });
      const mails = s.sink.to(user.email);
      expect(mails).toHaveLength(1);
      expect(mails[0].text).toContain('Good Stock');
    });
  });
});
