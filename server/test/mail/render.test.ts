import { createAlertRenderer, MailSettings } from '../../src/mail/render';
import type { AlertItem } from '../../src/mail/render';

const base: MailSettings = {
  shopName: 'Rig & Co',
  frontendUrl: 'https://rig.example',
  publicUrl: 'https://rig.example',
  locale: 'en-US',
  currency: 'USD',
  timezone: 'America/New_York',
  unsubscribeSecret: 'render-test-secret-0123456789abcdef',
};

const wheel: AlertItem = {
  kind: 'sale', wishlistId: 1, productId: 1, name: 'Racing Wheel', slug: 'racing-wheel',
  regularPrice: '1299.00', salePrice: '999.50', saleEndsAt: new Date('2026-12-03T04:30:00Z'),
};

describe('alert emails in two locales', () => {
  test('en-US / USD: prices, dates (in the shop timezone) and English wording', () => {
    const mail = createAlertRenderer(base)({ userId: 1, firstName: 'Ann', digest: false, items: [wheel] });
    expect(mail.subject).toBe('On sale: Racing Wheel from your wishlist');
    expect(mail.text).toContain('$999.50 (was $1,299.00, 23% off)');
    expect(mail.text).toContain('Sale ends December 2, 2026'); // 23:30 on the 2nd in New York
    expect(mail.html).toContain('<html lang="en">');
    expect(mail.html).toContain('Rig &amp; Co');
  });

  test('de-DE / EUR: German number format, date and wording from the catalogue', () => {
    const mail = createAlertRenderer({ ...base, locale: 'de-DE', currency: 'EUR', timezone: 'Europe/Berlin' })({
      userId: 1, firstName: 'Jonas', digest: false, items: [wheel, { ...wheel, wishlistId: 2, name: 'Pedale' }],
    });
    expect(mail.subject).toBe('Im Angebot: Racing Wheel und 1 weitere von Ihrer Wunschliste');
    // Intl puts a no-break space before the euro sign.
    expect(mail.text.replace(/\u00a0/g, ' ')).toContain('999,50 € (statt 1.299,00 €, 23 % Rabatt)');
    expect(mail.text).toContain('Angebot endet am 3. Dezember 2026');
    expect(mail.text).toContain('Hallo Jonas,');
    expect(mail.html).toContain('<html lang="de">');
    expect(mail.text).toContain('Keine Wunschlisten-Hinweise mehr: https://rig.example/wishlist-alerts/unsubscribe/a.1.');
  });

  test('a language without a catalogue falls back to English, with its own number format', () => {
    const mail = createAlertRenderer({ ...base, locale: 'fr-FR', currency: 'EUR' })({ userId: 1, firstName: null, digest: false, items: [wheel] });
    expect(mail.subject).toBe('On sale: Racing Wheel from your wishlist');
    expect(mail.text.replace(/[\u00a0\u202f]/g, ' ')).toContain('999,50 € (was 1 299,00 €');
  });

  test('every interpolated value is escaped in HTML, in text and attributes alike', () => {
    const evil = '<img src=x onerror=alert(1)>';
    const mail = createAlertRenderer({ ...base, shopName: '"><script>x()</script>' })({
      userId: 1, firstName: '<b>Eve</b>', digest: false,
      items: [{ ...wheel, name: evil, slug: '"><svg onload=alert(1)>' }],
    });
    expect(mail.html).not.toMatch(/<img|<script|<svg|<b>/);
    expect(mail.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(mail.html).toContain('Hi &lt;b&gt;Eve&lt;/b&gt;,');
    expect(mail.html).toContain('href="https://rig.example/product/%22%3E%3Csvg%20onload%3Dalert(1)%3E"');
    expect(mail.subject).toBe(`On sale: ${evil} from your wishlist`);
    expect(mail.text).toContain(`- ${evil}`);
  });

  test('a restock has no price line; a digest groups by kind with headings', () => {
    const render = createAlertRenderer(base);
    const stock: AlertItem = { ...wheel, kind: 'stock', wishlistId: 3, name: 'Seat', salePrice: null, saleEndsAt: null };
    const single = render({ userId: 1, firstName: null, digest: false, items: [stock] });
    expect(single.subject).toBe('Back in stock: Seat from your wishlist');
    expect(single.text).not.toContain('was');
    const digest = render({ userId: 1, firstName: null, digest: true, items: [wheel, stock] });
    expect(digest.subject).toBe('Your wishlist: 2 updates');
    expect(digest.html).toMatch(/<h2[^>]*>On sale<\/h2>[\s\S]*Racing Wheel[\s\S]*<h2[^>]*>Back in stock<\/h2>[\s\S]*Seat/);
  });
});
