import { absoluteUrl, createAlertRenderer, MailSettings, subjectName } from '../../src/mail/render';
import { UnshowableItems } from '../../src/mail/render';
import type { AlertEmailInput, AlertItem, RenderedEmail } from '../../src/mail/render';

const US = 'https://rig.example';
const EU = 'https://eu.rig.example';
/** Unsubscribe links live on this server, never on a storefront. */
const PUBLIC = 'https://alerts.rig.example';

const base: MailSettings = {
  shopName: 'Rig & Co',
  storefronts: { us: US, eu: EU },
  wishlistPath: '/wishlist',
  publicUrl: PUBLIC,
  locale: 'en-US',
  timezone: 'America/New_York',
  unsubscribeSecret: 'render-test-secret-0123456789abcdef',
};

const wheel: AlertItem = {
  kind: 'sale', wishlistId: 1, productId: 1, name: 'Racing Wheel', slug: 'racing-wheel',
  regularPrice: '1299.00', salePrice: '999.50', saleEndsAt: new Date('2026-12-03T04:30:00Z'),
};

const cockpit: AlertItem = {
  kind: 'sale', wishlistId: 5, productId: 5, name: 'GT Cockpit', slug: 'gt-cockpit',
  regularPrice: '1199.00', salePrice: '899.00', saleEndsAt: null,
};

const seat: AlertItem = { ...wheel, kind: 'stock', wishlistId: 3, productId: 3, name: 'Seat', slug: 'seat', salePrice: null, saleEndsAt: null };

/** A US email for user 1 about the wheel, unless told otherwise. */
function input(over: Partial<AlertEmailInput> = {}): AlertEmailInput {
  return { userId: 1, firstName: 'Ann', digest: false, items: [wheel], region: 'us', currency: 'USD', ...over };
}

/** Every href in the HTML part whose link text is `label`. */
function htmlLinks(mail: RenderedEmail, label: string): string[] {
  const esc = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return [...mail.html.matchAll(new RegExp(`<a href="([^"]*)"[^>]*>${esc}</a>`, 'g'))].map((m) => m[1]);
}

/** Every URL in the text part on a line `label: URL`. */
function textLinks(mail: RenderedEmail, label: string): string[] {
  return mail.text.split('\n').filter((l) => l.trim().startsWith(`${label}: `)).map((l) => l.trim().slice(label.length + 2));
}

const imgSrcs = (mail: RenderedEmail) => [...mail.html.matchAll(/<img\b[^>]*\bsrc="([^"]*)"/g)].map((m) => m[1]);

describe('alert emails in two locales', () => {
  test('en-US / USD: prices, dates (in the shop timezone) and English wording', () => {
    const mail = createAlertRenderer(base)(input());
    expect(mail.subject).toBe('On sale: Racing Wheel from your wishlist');
    expect(mail.text).toContain('$999.50 (was $1,299.00, 23% off)');
    expect(mail.text).toContain('Sale ends December 2, 2026'); // 23:30 on the 2nd in New York
    expect(mail.html).toContain('<html lang="en">');
    expect(mail.html).toContain('Rig &amp; Co');
  });

  test('de-DE / EUR: German number format, date and wording from the catalogue', () => {
    const mail = createAlertRenderer({ ...base, locale: 'de-DE', timezone: 'Europe/Berlin' })(input({
      firstName: 'Jonas', region: 'eu', currency: 'EUR', items: [wheel, { ...wheel, wishlistId: 2, name: 'Pedale' }],
    }));
    expect(mail.subject).toBe('Im Angebot: Racing Wheel und 1 weitere von Ihrer Wunschliste');
    // Intl puts a no-break space before the euro sign.
    expect(mail.text.replace(/\u00a0/g, ' ')).toContain('999,50 € (statt 1.299,00 €, 23 % Rabatt)');
    expect(mail.text).toContain('Angebot endet am 3. Dezember 2026');
    expect(mail.text).toContain('Hallo Jonas,');
    expect(mail.html).toContain('<html lang="de">');
    expect(mail.text).toContain(`Keine Wunschlisten-Hinweise mehr: ${PUBLIC}/wishlist-alerts/unsubscribe/a.1.`);
  });

  test('a language without a catalogue falls back to English, with its own number format', () => {
    const mail = createAlertRenderer({ ...base, locale: 'fr-FR' })(input({ firstName: null, region: 'eu', currency: 'EUR' }));
    expect(mail.subject).toBe('On sale: Racing Wheel from your wishlist');
    expect(mail.text.replace(/[\u00a0\u202f]/g, ' ')).toContain('999,50 € (was 1 299,00 €');
  });

  test('every interpolated value is escaped in HTML, in text and attributes alike', () => {
    const evil = '<img src=x onerror=alert(1)>';
    const mail = createAlertRenderer({ ...base, shopName: '"><script>x()</script>' })(input({
      firstName: '<b>Eve</b>',
      items: [{ ...wheel, name: evil, slug: '"><svg onload=alert(1)>' }],
    }));
    expect(mail.html).not.toMatch(/<img|<script|<svg|<b>/);
    expect(mail.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(mail.html).toContain('Hi &lt;b&gt;Eve&lt;/b&gt;,');
    expect(mail.html).toContain(`href="${US}/product/%22%3E%3Csvg%20onload%3Dalert(1)%3E"`);
    expect(mail.subject).toBe(`On sale: ${evil} from your wishlist`);
    expect(mail.text).toContain(`- ${evil}`);
  });

  test('a restock has no price line; a digest groups by kind with headings', () => {
    const render = createAlertRenderer(base);
    const single = render(input({ firstName: null, items: [seat] }));
    expect(single.subject).toBe('Back in stock: Seat from your wishlist');
    expect(single.text).not.toContain('was');
    const digest = render(input({ firstName: null, digest: true, items: [wheel, seat] }));
    expect(digest.subject).toBe('Your wishlist: 2 updates');
    expect(digest.html).toMatch(/<h2[^>]*>On sale<\/h2>[\s\S]*Racing Wheel[\s\S]*<h2[^>]*>Back in stock<\/h2>[\s\S]*Seat/);
  });
});

describe('regions: storefront, currency and links', () => {
  test('an EU email shows euros and links to the EU storefront; a US one dollars and the US storefront', () => {
    // One renderer serves both regions (its formatters are cached per currency): EU, US, then EU again.
    const render = createAlertRenderer(base);
    const eu = render(input({ region: 'eu', currency: 'EUR', items: [cockpit] }));
    const us = render(input({ region: 'us', currency: 'USD', items: [cockpit] }));
    const euAgain = render(input({ region: 'eu', currency: 'EUR', items: [cockpit] }));

    expect(eu.text).toContain('€899.00 (was €1,199.00, 25% off)');
    expect(eu.html).toMatch(/>€899\.00<\/span>[\s\S]*>€1,199\.00<\/span>[\s\S]*>25% off<\/span>/);
    expect(eu.text + eu.html).not.toContain('$');
    expect(htmlLinks(eu, 'GT Cockpit')).toEqual([`${EU}/product/gt-cockpit`]);
    expect(htmlLinks(eu, 'View item')).toEqual([`${EU}/product/gt-cockpit`]);
    expect(textLinks(eu, 'View item')).toEqual([`${EU}/product/gt-cockpit`]);
    expect(htmlLinks(eu, 'Manage alerts')).toEqual([`${EU}/wishlist`]);
    expect(textLinks(eu, 'Manage alerts')).toEqual([`${EU}/wishlist`]);
    expect(eu.text.split('\n')[0]).toBe(`Rig & Co — ${EU}`);
    expect(eu.text + eu.html).not.toContain(`${US}/`);

    expect(us.text).toContain('$899.00 (was $1,199.00, 25% off)');
    expect(us.text + us.html).not.toContain('€');
    expect(htmlLinks(us, 'GT Cockpit')).toEqual([`${US}/product/gt-cockpit`]);
    expect(textLinks(us, 'View item')).toEqual([`${US}/product/gt-cockpit`]);
    expect(htmlLinks(us, 'Manage alerts')).toEqual([`${US}/wishlist`]);
    expect(textLinks(us, 'Manage alerts')).toEqual([`${US}/wishlist`]);
    expect(us.text + us.html).not.toContain(EU);

    expect(euAgain.text).toBe(eu.text);
    expect(euAgain.html).toBe(eu.html);
  });

  test('unsubscribe links point at this server whatever the region', () => {
    const eu = createAlertRenderer(base)(input({ region: 'eu', currency: 'EUR' }));
    for (const url of [...textLinks(eu, 'Stop all wishlist alerts'), ...textLinks(eu, 'Stop sale alerts for this item')]) {
      expect(url.startsWith(`${PUBLIC}/wishlist-alerts/unsubscribe/`)).toBe(true);
    }
    expect(textLinks(eu, 'Stop all wishlist alerts')).toHaveLength(1);
    expect(eu.headers['List-Unsubscribe']).toMatch(new RegExp(`^<${PUBLIC.replace(/\./g, '\\.')}/wishlist-alerts/unsubscribe/a\\.1\\.`));
  });

  test('the manage link is the storefront plus wishlistPath, never /account/wishlist', () => {
    const standard = createAlertRenderer(base)(input());
    expect(standard.text + standard.html).not.toContain('/account/wishlist');
    expect(textLinks(standard, 'Manage alerts')).toEqual([`${US}/wishlist`]);

    const render = createAlertRenderer({ ...base, wishlistPath: '/my/saved-items' });
    for (const [region, storefront] of [['us', US], ['eu', EU]] as const) {
      const mail = render(input({ region, currency: region === 'eu' ? 'EUR' : 'USD' }));
      expect(htmlLinks(mail, 'Manage alerts')).toEqual([`${storefront}/my/saved-items`]);
      expect(textLinks(mail, 'Manage alerts')).toEqual([`${storefront}/my/saved-items`]);
      expect(mail.text + mail.html).not.toContain('/account/wishlist');
    }
  });

  test.each([null, '', '   '])('a product without a slug (%j) links to the wishlist page', (slug) => {
    const render = createAlertRenderer({ ...base, wishlistPath: '/my/saved-items' });
    const us = render(input({ items: [{ ...wheel, slug }] }));
    expect(htmlLinks(us, 'Racing Wheel')).toEqual([`${US}/my/saved-items`]);
    expect(textLinks(us, 'View item')).toEqual([`${US}/my/saved-items`]);
    expect(us.text + us.html).not.toContain('/product/');
    const eu = render(input({ region: 'eu', currency: 'EUR', items: [{ ...wheel, slug }] }));
    expect(textLinks(eu, 'View item')).toEqual([`${EU}/my/saved-items`]);
  });
});

describe('images', () => {
  test('a relative image is made absolute against the item\'s storefront, in the HTML part only', () => {
    const render = createAlertRenderer(base);
    const item = { ...cockpit, imageUrl: '/uploads/x.jpg' };
    const eu = render(input({ region: 'eu', currency: 'EUR', items: [item] }));
    expect(imgSrcs(eu)).toEqual([`${EU}/uploads/x.jpg`]);
    // Linked to the product, like the name.
    expect(eu.html).toContain(`<a href="${EU}/product/gt-cockpit"><img src="${EU}/uploads/x.jpg"`);
    expect(eu.text).not.toContain('uploads');
    const us = render(input({ items: [item] }));
    expect(imgSrcs(us)).toEqual([`${US}/uploads/x.jpg`]);
    expect(us.text).not.toContain('uploads');
  });

  test('an absolute image is kept (and escaped in the attribute)', () => {
    const mail = createAlertRenderer(base)(input({
      region: 'eu', currency: 'EUR', items: [{ ...cockpit, imageUrl: 'https://cdn.example/p/cockpit.png?v=2&w=84' }],
    }));
    expect(imgSrcs(mail)).toEqual(['https://cdn.example/p/cockpit.png?v=2&amp;w=84']);
    expect(mail.text).not.toContain('cdn.example');
  });

  test.each([
    'javascript:alert(1)',
    ' JavaScript:alert(1)',
    'java\nscript:alert(1)',
    'data:image/svg+xml,<svg onload=alert(1)>',
    'http://[not a host',
  ])('an image URL that is not http(s) (%j) is dropped; the item is still shown', (imageUrl) => {
    const mail = createAlertRenderer(base)(input({ items: [{ ...wheel, imageUrl }] }));
    expect(mail.html).not.toMatch(/<img/i);
    expect(mail.html.toLowerCase()).not.toContain('script:');
    expect(mail.html).not.toContain('data:');
    expect(htmlLinks(mail, 'Racing Wheel')).toEqual([`${US}/product/racing-wheel`]);
  });

  test('an item without an image has no image cell; items with and without mix', () => {
    const mail = createAlertRenderer(base)(input({ items: [{ ...wheel, imageUrl: null }, { ...cockpit, imageUrl: '/c.jpg' }] }));
    expect(imgSrcs(mail)).toEqual([`${US}/c.jpg`]);
  });

  test('quotes in a stored image URL cannot break out of the attribute', () => {
    const mail = createAlertRenderer(base)(input({ items: [{ ...wheel, imageUrl: '/x.jpg" onerror="alert(1)' }] }));
    // The quotes stay inside the src value (percent-encoded), so no attribute is added to the <img>.
    expect(mail.html).not.toMatch(/\sonerror=/);
    expect(mail.html).not.toMatch(/src="[^"]*"\s+onerror/);
    expect(imgSrcs(mail)).toHaveLength(1);
    expect(imgSrcs(mail)[0].startsWith(`${US}/x.jpg`)).toBe(true);
  });

  test('absoluteUrl: relative against the storefront, absolute kept, other schemes refused', () => {
    expect(absoluteUrl('/uploads/x.jpg', EU)).toBe(`${EU}/uploads/x.jpg`);
    expect(absoluteUrl('uploads/x.jpg', US)).toBe(`${US}/uploads/x.jpg`);
    expect(absoluteUrl('https://cdn.example/a.png', EU)).toBe('https://cdn.example/a.png');
    expect(absoluteUrl('http://cdn.example/a.png', EU)).toBe('http://cdn.example/a.png');
    expect(absoluteUrl('javascript:alert(1)', EU)).toBeNull();
    expect(absoluteUrl('mailto:a@b.example', EU)).toBeNull();
  });
});

describe('the template header', () => {
  const header = { image: '/SimFab-logo-red-black-min-crop.svg', title: 'SimFab' };

  test('header.title replaces the shop name in header and footer; header.image is the logo, made absolute', () => {
    const render = createAlertRenderer(base);
    const us = render(input({ header }));
    expect(us.html).not.toContain('Rig &amp; Co');
    expect(us.text).not.toContain('Rig & Co');
    expect(us.html).toMatch(new RegExp(`<a href="${US}" [^>]*><img src="${US}/SimFab-logo-red-black-min-crop\\.svg" alt="SimFab"[^>]*> SimFab</a>`));
    expect(us.html).toContain('on your SimFab wishlist.');
    expect(htmlLinks(us, 'SimFab')).toEqual([US]);
    expect(us.text.split('\n')[0]).toBe(`SimFab — ${US}`);
    expect(us.text).toContain('on your SimFab wishlist.');

    const eu = render(input({ region: 'eu', currency: 'EUR', header }));
    expect(imgSrcs(eu)).toEqual([`${EU}/SimFab-logo-red-black-min-crop.svg`]);
  });

  test('an absolute logo is kept; a missing or unsafe one shows no logo; a missing title keeps the shop name', () => {
    const render = createAlertRenderer(base);
    expect(imgSrcs(render(input({ header: { image: 'https://cdn.example/logo.svg', title: null } })))).toEqual(['https://cdn.example/logo.svg']);

    const noLogo = render(input({ header: { image: null, title: null } }));
    expect(noLogo.html).not.toMatch(/<img/);
    expect(noLogo.html).toContain('on your Rig &amp; Co wishlist.');
    expect(htmlLinks(noLogo, 'Rig &amp; Co')).toEqual([US, US]);

    const unsafe = render(input({ header: { image: 'javascript:alert(1)', title: 'SimFab' } }));
    expect(unsafe.html).not.toMatch(/<img/);
    expect(unsafe.html).not.toContain('javascript:');
    expect(unsafe.html).toContain('on your SimFab wishlist.');
  });

  test('a header title is escaped, in text and in the logo\'s alt', () => {
    const mail = createAlertRenderer(base)(input({ header: { image: '/logo.svg', title: '"><script>x()</script>' } }));
    expect(mail.html).not.toMatch(/<script/);
    expect(mail.html).toContain('alt="&quot;&gt;&lt;script&gt;x()&lt;/script&gt;"');
  });

  test('a product name like <img src=x onerror=alert(1)> is escaped even beside real images', () => {
    const evil = '<img src=x onerror=alert(1)>';
    const mail = createAlertRenderer(base)(input({ header, items: [{ ...wheel, name: evil, imageUrl: '/uploads/w.jpg' }] }));
    expect(mail.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(mail.html).not.toContain(evil);
    expect(mail.html).not.toMatch(/onerror=alert\(1\)>/);
    // The only images are the logo and the product's, both ours.
    expect(imgSrcs(mail)).toEqual([`${US}/SimFab-logo-red-black-min-crop.svg`, `${US}/uploads/w.jpg`]);
    expect(mail.text).toContain(`- ${evil}`);
  });
});

describe('greeting', () => {
  test('a NULL first name greets without a name', () => {
    const mail = createAlertRenderer(base)(input({ firstName: null }));
    expect(mail.text.split('\n')[2]).toBe('Hi,');
    expect(mail.html).toContain('<p style="margin:0 0 12px">Hi,</p>');
    expect(mail.text + mail.html).not.toMatch(/null|undefined/);
    const named = createAlertRenderer(base)(input({ firstName: 'Ann' }));
    expect(named.text.split('\n')[2]).toBe('Hi Ann,');
  });
});

describe('subjects', () => {
  test('CR/LF, a bidi override and 200 characters give one line, cut to 80 with "…"; the body keeps the full name', () => {
    const head = 'Wheel & <Base> \r\nEdition ';
    const name = `\u202e${head}${'A'.repeat(200 - 1 - head.length)}`;
    expect(name).toHaveLength(200);
    const mail = createAlertRenderer(base)(input({ items: [{ ...wheel, name }] }));

    expect(mail.subject).not.toMatch(/[\r\n\u202e]/);
    const m = /^On sale: (.*) from your wishlist$/.exec(mail.subject);
    expect(m).not.toBeNull();
    const cut = m![1];
    expect([...cut]).toHaveLength(80);
    expect(cut).toBe(`Wheel & <Base> Edition ${'A'.repeat(56)}…`);
    expect(subjectName(name)).toBe(cut);
    // The subject in the HTML <title> is the cut one, escaped.
    expect(mail.html).toContain(`<title>On sale: Wheel &amp; &lt;Base&gt; Edition ${'A'.repeat(56)}… from your wishlist</title>`);

    // The body keeps the full name, uncut, on one line and without the override (a line
    // break in the text part would let a name write lines of its own); escaped in HTML.
    const rest = 'A'.repeat(200 - 1 - head.length);
    expect(mail.text).toContain(`- Wheel & <Base> Edition ${rest}\n`);
    expect(mail.html).toContain(`>Wheel &amp; &lt;Base&gt; Edition ${rest}</a>`);
  });

  test('a line break or tab between words becomes a space, not nothing', () => {
    const mail = createAlertRenderer(base)(input({ items: [{ ...wheel, name: 'Racing\r\nWheel\tPro' }] }));
    expect(mail.subject).toBe('On sale: Racing Wheel Pro from your wishlist');
  });

  test('the other bidi controls are removed too; a name of exactly 80 characters is not cut', () => {
    expect(subjectName('\u202aA\u202bB\u202cC\u202dD\u2066E\u2067F\u2068G\u2069H\u200eI\u200fJ\u0000K\u007fL\u0085M')).toBe('ABCDEFGHIJKLM');
    const eighty = 'B'.repeat(80);
    expect(subjectName(eighty)).toBe(eighty);
    expect(subjectName(`${eighty}C`)).toBe(`${'B'.repeat(79)}…`);
  });

  test('the cut counts characters, not UTF-16 units, and never splits a surrogate pair', () => {
    const cut = subjectName('🏎'.repeat(100));
    expect(cut).toBe(`${'🏎'.repeat(79)}…`);
    expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });

  test('with more items, the first item\'s name is cleaned the same way', () => {
    const mail = createAlertRenderer(base)(input({ items: [{ ...wheel, name: '\u202eWheel\n' }, cockpit] }));
    expect(mail.subject).toBe('On sale: Wheel and 1 more from your wishlist');
  });
});

describe('control characters in the text part', () => {
  test('a product name, a first name or a header title cannot start lines of their own', () => {
    const injected = 'Wheel\r\n\r\nYour account is locked: https://evil.example\u0085\u2028x';
    const mail = createAlertRenderer(base)(input({
      firstName: 'Ann\r\nBcc: x@evil.example', items: [{ ...wheel, name: injected }], header: { image: null, title: 'Shop\nEvil' },
    }));
    const lines = mail.text.split('\n');
    expect(lines.filter((l) => l.includes('evil.example')).sort()).toEqual([
      '- Wheel Your account is locked: https://evil.example x',
      'Hi Ann Bcc: x@evil.example,',
    ]);
    expect(lines[0]).toBe(`Shop Evil — ${US}`);
    expect(mail.text).not.toMatch(/[\r\u0085\u2028]/);
  });
});

describe('values the shop may hold', () => {
  test.each([
    ['NaN', '999.00'], ['Infinity', '999.00'], [null, '999.00'], ['1299.00', null], ['1299.00', 'NaN'], ['1299.00', '0'], ['999.00', '1299.00'],
  ])('a sale with regular %s and sale %s cannot be shown: the renderer names the item and why', (regularPrice, salePrice) => {
    const bad = { ...wheel, regularPrice, salePrice };
    let thrown: unknown;
    try {
      createAlertRenderer(base)(input({ items: [cockpit, bad] }));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(UnshowableItems);
    expect((thrown as UnshowableItems).items).toEqual([{ item: bad, reason: expect.stringContaining('no usable sale price') }]);
  });

  test('a restock with a NaN regular price shows no price at all', () => {
    const mail = createAlertRenderer(base)(input({ items: [{ ...seat, regularPrice: 'NaN' }] }));
    expect(mail.text).toContain('Back in stock now.');
    expect(mail.text + mail.html).not.toMatch(/NaN|\$/);
  });

  test.each([
    ['infinity', Infinity as unknown as Date],
    ['an invalid date', new Date(NaN)],
    ['year 200000', new Date('+200000-01-01T00:00:00Z')],
  ])('a sale ending at %s is shown without an end date', (_what, saleEndsAt) => {
    const mail = createAlertRenderer(base)(input({ items: [{ ...wheel, saleEndsAt }] }));
    expect(mail.text).toContain('$999.50');
    expect(mail.text + mail.html).not.toMatch(/Sale ends|Invalid|Infinity/);
  });

  test.each([null, '', '  \r\n '])('a product without a name (%j) is "an item" in the subject and titled in the body', (name) => {
    const mail = createAlertRenderer(base)(input({ items: [{ ...wheel, name }] }));
    expect(mail.subject).toBe('On sale: an item from your wishlist');
    expect(mail.text).toContain('- An item on your wishlist\n');
    expect(htmlLinks(mail, 'An item on your wishlist')).toEqual([`${US}/product/racing-wheel`]);
  });

  test('a slug with spaces, a slash or a line break still makes one path segment', () => {
    const mail = createAlertRenderer(base)(input({ items: [{ ...wheel, slug: ' my wheel/v2\n' }] }));
    expect(textLinks(mail, 'View item')).toEqual([`${US}/product/my%20wheel%2Fv2`]);
  });
});
