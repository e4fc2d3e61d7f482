import { catalogueFor } from './catalogue';
import { dateFormatter, moneyFormatter, Money, percentOff } from './format';
import type { AlertKind, Region } from '../domain';
import { ALERT_KINDS, preferenceKind } from '../domain';
import { alertHtml } from './templates/alert.html';
import { alertText } from './templates/alert.text';
import type { AlertView, ItemView } from './templates/view';
import { signUnsubscribe, UnsubscribeScope } from '../unsubscribe/tokens';
import type { Config } from '../config/config';
import { errorMessage } from '../errorMessage';
import type { UtmSettings } from '../config/proof';
import { tagLink } from './campaign';

export interface AlertItem {
  kind: AlertKind;
  wishlistId: number;
  productId: number;
  /** The shop's name for it; an empty one (bad data) is shown as the catalogue's "an item". */
  name: string | null;
  slug: string | null;
  /** In cents, as text; a sale needs both prices, finite and positive, the sale one lower. */
  regularPrice: string | null;
  salePrice: string | null;
  /** A price drop's "was": the regular price the shopper knew (the new one is regularPrice). */
  previousPrice?: string | null;
  saleEndsAt: Date | null;
  /** As the shop stored it: relative to the storefront, or absolute. */
  imageUrl?: string | null;
}

export interface AlertEmailInput {
  userId: number;
  firstName: string | null;
  items: AlertItem[];
  /** The daily cap held some of these back: say so, and show them by kind. */
  digest: boolean;
  /** The storefront the items belong to: its links, and its currency. */
  region: Region;
  /** ISO 4217, from the shop's region settings. */
  currency: string;
  /** The shop's template header (its email_templates row), when it has one. */
  header?: { image: string | null; title: string | null };
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  /** List-Unsubscribe (RFC 2369) with one-click POST (RFC 8058). */
  headers: Record<string, string>;
}

export interface MailSettings {
  shopName: string;
  /** Each region's storefront: product links, the wishlist page, relative images. */
  storefronts: Record<Region, string>;
  /** The shop's wishlist page, under the storefront ("manage your alerts"). */
  wishlistPath: string;
  /** Where this server is reached: unsubscribe links point here. */
  publicUrl: string;
  locale: string;
  /** Dates (a sale's end) are shown in this zone. */
  timezone: string;
  unsubscribeSecret: string;
  unsubscribeMailto?: string;
  /** The campaign tags on every link to the shop (not on the unsubscribe links). Absent: untagged. */
  utm?: UtmSettings;
}

export const UNSUBSCRIBE_PATH = '/wishlist-alerts/unsubscribe';

/** The mail settings from the one config; the secret is resolved by the caller (it may be generated). */
export function mailSettingsFrom(
  config: Pick<Config, 'shopName' | 'frontendUrl' | 'frontendUrlEu' | 'wishlistPagePath' | 'publicUrl' | 'shopLocale' | 'jobs' | 'unsubscribeMailto' | 'proof'>,
  unsubscribeSecret: string,
): MailSettings {
  return {
    shopName: config.shopName,
    storefronts: { us: config.frontendUrl, eu: config.frontendUrlEu },
    wishlistPath: config.wishlistPagePath,
    publicUrl: config.publicUrl,
    locale: config.shopLocale,
    timezone: config.jobs['wishlist-sale-check'].timezone,
    unsubscribeSecret,
    unsubscribeMailto: config.unsubscribeMailto,
    utm: config.proof.utm,
  };
}

/** A URL made absolute against the storefront (the shop stores images relative or absolute). */
export function absoluteUrl(url: string, storefront: string): string | null {
  try {
    const u = new URL(url, `${storefront}/`);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : null;
  } catch {
    return null;
  }
}

// Control characters and bidirectional overrides would let a product name reorder or hide
// parts of a line, or (in the text part) start lines of its own; names are cut so a subject
// stays readable in a mail list.
const UNSAFE_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const SUBJECT_NAME_MAX = 80;

/** A shop's text (a name) on one line: line breaks and tabs become spaces, other controls go. */
export function oneLine(value: string | null | undefined): string {
  return (value ?? '').replace(/\s+/g, ' ').replace(UNSAFE_IN_LINE, '').trim();
}

/** A name as it may appear in a subject line. */
export function subjectName(name: string | null): string {
  const chars = [...oneLine(name)];
  return chars.length > SUBJECT_NAME_MAX ? `${chars.slice(0, SUBJECT_NAME_MAX - 1).join('').trimEnd()}…` : chars.join('');
}

/**
 * Items the renderer cannot show, each with why (a sale without usable prices, or a value
 * that failed to format): delivery skips them with that reason and sends the rest.
 */
export class UnshowableItems extends Error {
  constructor(readonly items: Array<{ item: AlertItem; reason: string }>) {
    super(items.map((i) => i.reason).join('; '));
    this.name = 'UnshowableItems';
  }
}

/** A date worth printing: a real one within the years 1 to 9999 (the shop may store 'infinity' or year 200000). */
function showableDate(d: Date | null): d is Date {
  if (!(d instanceof Date) || !Number.isFinite(d.getTime())) return false;
  const year = d.getUTCFullYear();
  return year >= 1 && year <= 9999;
}

/** The sale's two prices when both are usable: finite, positive, the sale price below the regular one. */
function salePrices(i: AlertItem): { sale: number; regular: number } {
  const sale = i.salePrice === null ? NaN : Number(i.salePrice);
  const regular = i.regularPrice === null ? NaN : Number(i.regularPrice);
  if (!(sale > 0 && regular > 0 && sale < regular && Number.isFinite(regular))) {
    throw new Error(`no usable sale price (sale ${i.salePrice ?? 'none'}, regular ${i.regularPrice ?? 'none'})`);
  }
  return { sale, regular };
}

/** A price drop's two prices when both are usable: finite, positive, the new one lower. */
function dropPrices(i: AlertItem): { now: number; was: number } {
  const now = i.regularPrice === null ? NaN : Number(i.regularPrice);
  const was = i.previousPrice == null ? NaN : Number(i.previousPrice);
  if (!(now > 0 && was > 0 && now < was && Number.isFinite(was))) {
    throw new Error(`no usable price drop (now ${i.regularPrice ?? 'none'}, was ${i.previousPrice ?? 'none'})`);
  }
  return { now, was };
}

/** Builds the renderer once per process: formatters and the catalogue are made here, not per email. */
export function createAlertRenderer(settings: MailSettings): (input: AlertEmailInput) => RenderedEmail {
  const text = catalogueFor(settings.locale);
  const moneyByCurrency = new Map<string, Money>();
  const moneyFor = (currency: string) => {
    let m = moneyByCurrency.get(currency);
    if (!m) moneyByCurrency.set(currency, (m = moneyFormatter(settings.locale, currency)));
    return m;
  };
  const dates = dateFormatter(settings.locale, settings.timezone);
  const lang = new Intl.Locale(settings.locale).language;
  const tagged = (link: string, kind: AlertKind) => (settings.utm ? tagLink(link, kind, settings.utm) : link);
  const unsubscribeUrl = (scope: UnsubscribeScope) =>
    `${settings.publicUrl}${UNSUBSCRIBE_PATH}/${signUnsubscribe(settings.unsubscribeSecret, scope)}`;

  const itemView = (i: AlertItem, storefront: string, money: Money): ItemView => {
    const sale = i.kind === 'sale'
      ? (() => {
          const prices = salePrices(i);
          const price = money.format(prices.sale);
          const was = money.format(prices.regular);
          const pct = percentOff(prices.regular, prices.sale);
          return { price, was, percentOff: text.percentOff(pct), line: text.salePrice(price, was, pct) };
        })()
      : i.kind === 'price_drop'
        ? (() => {
            const prices = dropPrices(i);
            const price = money.format(prices.now);
            const was = money.format(prices.was);
            const pct = percentOff(prices.was, prices.now);
            return { price, was, percentOff: text.percentLower(pct), line: text.dropPrice(price, was, pct) };
          })()
        : null;
    const slug = oneLine(i.slug);
    return {
      name: oneLine(i.name) || text.unnamed.title,
      // The shop's product page is found by slug; without one, the wishlist page lists the item.
      url: tagged(slug ? `${storefront}/product/${encodeURIComponent(slug)}` : `${storefront}${settings.wishlistPath}`, i.kind),
      imageUrl: i.imageUrl ? absoluteUrl(i.imageUrl, storefront) : null,
      sale,
      status: sale ? null : text.backInStock,
      endsLine: i.kind === 'sale' && sale && showableDate(i.saleEndsAt) ? text.saleEnds(dates.format(i.saleEndsAt)) : null,
      stopLabel: text.stopItem[i.kind],
      stopUrl: unsubscribeUrl({ type: 'item', wishlistId: i.wishlistId, kind: preferenceKind(i.kind) }),
    };
  };

  /** Each item's view; an item that cannot be shown is named with why, never left to break the email. */
  const itemViews = (input: AlertEmailInput, storefront: string, money: Money): Map<AlertItem, ItemView> => {
    const views = new Map<AlertItem, ItemView>();
    const unshowable: Array<{ item: AlertItem; reason: string }> = [];
    for (const i of input.items) {
      try {
        views.set(i, itemView(i, storefront, money));
      } catch (err) {
        unshowable.push({ item: i, reason: errorMessage(err) });
      }
    }
    if (unshowable.length > 0) throw new UnshowableItems(unshowable);
    return views;
  };

  return (input) => {
    const storefront = settings.storefronts[input.region];
    const money = moneyFor(input.currency);
    const views = itemViews(input, storefront, money);
    const kinds = ALERT_KINDS.filter((k) => input.items.some((i) => i.kind === k));
    const digest = input.digest || kinds.length > 1;
    // Also the campaign of the email's own links (the shop, the wishlist page): its first section's.
    const only = kinds[0];
    const subject = digest
      ? text.digestSubject(input.items.length)
      : text.subject(only, subjectName(input.items[0].name) || text.unnamed.subject, input.items.length - 1);
    const stopAllUrl = unsubscribeUrl({ type: 'all', userId: input.userId });
    const shopName = oneLine(input.header?.title) || settings.shopName;
    const view: AlertView = {
      lang,
      subject,
      greeting: text.greeting(oneLine(input.firstName) || null),
      intro: digest ? text.digestIntro(input.items.length) : text.intro(only, input.items.length),
      note: input.digest ? text.digestHeldNote : null,
      sections: kinds.map((kind) => ({
        kind,
        heading: digest ? text.section[kind] : null,
        items: input.items.filter((i) => i.kind === kind).map((i) => views.get(i)!),
      })),
      shopName,
      shopUrl: tagged(storefront, only),
      logoUrl: input.header?.image ? absoluteUrl(input.header.image, storefront) : null,
      viewLabel: text.viewItem,
      footer: text.footer(shopName),
      manageLabel: text.manage,
      manageUrl: tagged(`${storefront}${settings.wishlistPath}`, only),
      stopAllLabel: text.stopAll,
      stopAllUrl,
    };
    const targets = [`<${stopAllUrl}>`];
    if (settings.unsubscribeMailto) {
      targets.push(`<mailto:${settings.unsubscribeMailto}?subject=${encodeURIComponent(`unsubscribe ${stopAllUrl.split('/').pop()}`)}>`);
    }
    return {
      subject,
      html: alertHtml(view),
      text: alertText(view),
      headers: { 'List-Unsubscribe': targets.join(', '), 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    };
  };
}
