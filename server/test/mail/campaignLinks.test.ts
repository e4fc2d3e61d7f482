import { createAlertRenderer, MailSettings } from '../../src/mail/render';
import type { AlertEmailInput, AlertItem, RenderedEmail } from '../../src/mail/render';
import { tagLink, UTM_CAMPAIGN } from '../../src/mail/campaign';
import { loadConfig, ConfigError } from '../../src/config/config';

const US = 'https://rig.example';
const PUBLIC = 'https://alerts.rig.example';
const UTM = { enabled: true, source: 'wishlist-alert', medium: 'email' };

const settings: MailSettings = {
  shopName: 'Rig', storefronts: { us: US, eu: 'https://eu.rig.example' }, wishlistPath: '/wishlist', publicUrl: PUBLIC,
  locale: 'en-US', timezone: 'UTC', unsubscribeSecret: 'campaign-test-secret-0123456789abcdef', utm: UTM,
};
const wheel: AlertItem = {
  kind: 'sale', wishlistId: 1, productId: 1, name: 'Racing Wheel', slug: 'racing-wheel', regularPrice: '1299.00', salePrice: '999.50', saleEndsAt: null,
};
const seat: AlertItem = { kind: 'stock', wishlistId: 2, productId: 2, name: 'Seat', slug: 'seat', regularPrice: '500.00', salePrice: null, saleEndsAt: null };
const input = (items: AlertItem[]): AlertEmailInput => ({ userId: 1, firstName: 'Ann', digest: false, items, region: 'us', currency: 'USD' });

/** Every link of the HTML part, keyed by its text (tags stripped), as parsed URLs. */
function links(mail: RenderedEmail): Array<{ label: string; url: URL }> {
  return [...mail.html.matchAll(/<a href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/g)].map((m) => ({
    label: m[2].replace(/<[^>]*>/g, '').trim(),
    url: new URL(m[1].replace(/&amp;/g, '&')),
  }));
}
const campaignOf = (u: URL) => [u.searchParams.get('utm_source'), u.searchParams.get('utm_medium'), u.searchParams.get('utm_campaign')];

describe('campaign tags on the links of an alert', () => {
  test('every link to the shop carries source, medium and the campaign of its kind; unsubscribe links carry none', () => {
    const mail = createAlertRenderer(settings)(input([wheel, seat]));
    const all = links(mail);
    const shop = all.filter((l) => l.url.origin === US);
    const ours = all.filter((l) => l.url.origin === PUBLIC);
    expect(shop.length).toBeGreaterThanOrEqual(6);
    expect(ours.length).toBeGreaterThanOrEqual(3);
    for (const l of shop.filter((x) => x.url.pathname === '/product/racing-wheel')) expect(campaignOf(l.url)).toEqual(['wishlist-alert', 'email', 'sale']);
    for (const l of shop.filter((x) => x.url.pathname === '/product/seat')) expect(campaignOf(l.url)).toEqual(['wishlist-alert', 'email', 'restock']);
    // The email's own links (the shop, "Manage alerts") carry its first section's campaign.
    for (const l of shop.filter((x) => !x.url.pathname.startsWith('/product/'))) expect(campaignOf(l.url)).toEqual(['wishlist-alert', 'email', 'sale']);
    for (const l of ours) expect([...l.url.searchParams.keys()]).toEqual([]);
    expect(mail.headers['List-Unsubscribe']).not.toContain('utm_');
    // The text part's links are the same URLs.
    expect(mail.text).toContain(`${US}/product/seat?utm_source=wishlist-alert&utm_medium=email&utm_campaign=restock`);
  });

  test('a restock-only email tags its shop links "restock"', () => {
    const mail = createAlertRenderer(settings)(input([seat]));
    const shop = links(mail).filter((l) => l.url.origin === US);
    expect(shop.map((l) => l.url.searchParams.get('utm_campaign'))).toEqual(shop.map(() => 'restock'));
  });

  test('switched off, or configured otherwise, the links follow', () => {
    const off = createAlertRenderer({ ...settings, utm: { ...UTM, enabled: false } })(input([wheel]));
    expect(off.html + off.text).not.toContain('utm_');
    const own = createAlertRenderer({ ...settings, utm: { enabled: true, source: 'simfab-wishlist', medium: 'newsletter' } })(input([wheel]));
    const product = links(own).find((l) => l.url.pathname === '/product/racing-wheel')!;
    expect(campaignOf(product.url)).toEqual(['simfab-wishlist', 'newsletter', 'sale']);
  });

  test('a link\'s own query and fragment survive; a tag it already had is replaced, not repeated', () => {
    const tagged = new URL(tagLink('https://rig.example/product/x?color=red&utm_source=old#specs', 'stock', UTM));
    expect(tagged.searchParams.get('color')).toBe('red');
    expect(tagged.searchParams.getAll('utm_source')).toEqual(['wishlist-alert']);
    expect(tagged.searchParams.get('utm_campaign')).toBe('restock');
    expect(tagged.hash).toBe('#specs');
    expect(tagLink('not a url', 'sale', UTM)).toBe('not a url');
  });

  test('each kind has its campaign name', () => {
    expect(UTM_CAMPAIGN).toEqual({ sale: 'sale', price_drop: 'price-drop', stock: 'restock' });
  });
});

describe('the campaign and attribution variables', () => {
  test('defaults: tags on, wishlist-alert / email, 7 days', () => {
    expect(loadConfig({}).proof).toEqual({ utm: { enabled: true, source: 'wishlist-alert', medium: 'email' }, attributionDays: 7 });
  });

  test('set: read as given', () => {
    const c = loadConfig({ WISHLIST_UTM_ENABLED: 'false', WISHLIST_UTM_SOURCE: 'wl', WISHLIST_UTM_MEDIUM: 'mail', WISHLIST_ATTRIBUTION_DAYS: '14' });
    expect(c.proof).toEqual({ utm: { enabled: false, source: 'wl', medium: 'mail' }, attributionDays: 14 });
  });

  test('bad values are all named in one error', () => {
    let error: unknown;
    try {
      loadConfig({ WISHLIST_UTM_ENABLED: 'maybe', WISHLIST_UTM_SOURCE: 'a b', WISHLIST_UTM_MEDIUM: 'x&y=z', WISHLIST_ATTRIBUTION_DAYS: '0' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).problems.join('\n');
    for (const name of ['WISHLIST_UTM_ENABLED', 'WISHLIST_UTM_SOURCE', 'WISHLIST_UTM_MEDIUM', 'WISHLIST_ATTRIBUTION_DAYS']) expect(text).toContain(name);
  });
});
