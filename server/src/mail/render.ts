import { catalogueFor } from './catalogue';
import { dateFormatter, moneyFormatter, Money, percentOff } from './format';
import type { AlertKind, Region } from '../domain';
import { ALERT_KINDS } from '../domain';
import { alertHtml } from './templates/alert.html';
import { alertText } from './templates/alert.text';
import type { AlertView, ItemView } from './templates/view';
import { signUnsubscribe, UnsubscribeScope } from '../unsubscribe/tokens';
import type { Config } from '../config/config';

export interface AlertItem {
  kind: AlertKind;
  wishlistId: number;
  productId: number;
  name: string;
  slug: string | null;
  regularPrice: string;
  salePrice: string | null;
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
}

export const UNSUBSCRIBE_PATH = '/wishlist-alerts/unsubscribe';

/** The mail settings from the one config; the secret is resolved by the caller (it may be generated). */
export function mailSettingsFrom(
  config: Pick<Config, 'shopName' | 'frontendUrl' | 'frontendUrlEu' | 'wishlistPagePath' | 'publicUrl' | 'shopLocale' | 'jobs' | 'unsubscribeMailto'>,
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
// parts of a subject line; names are cut so a subject stays readable in a mail list.
const UNSAFE_IN_SUBJECT = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const SUBJECT_NAME_MAX = 80;

/** A name as it may appear in a subject line. */
export function subjectName(name: string): string {
  const clean = name.replace(/\s+/g, ' ').replace(UNSAFE_IN_SUBJECT, '').trim();
  const chars = [...clean];
  return chars.length > SUBJECT_NAME_MAX ? `${chars.slice(0, SUBJECT_NAME_MAX - 1).join('').trimEnd()}…` : clean;
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
  const unsubscribeUrl = (scope: UnsubscribeScope) =>
    `${settings.publicUrl}${UNSUBSCRIBE_PATH}/${signUnsubscribe(settings.unsubscribeSecret, scope)}`;

  const itemView = (i: AlertItem, storefront: string, money: Money): ItemView => {
    const onSale = i.kind === 'sale' && i.salePrice !== null;
    const sale = onSale
      ? (() => {
          const price = money.format(i.salePrice!);
          const was = money.format(i.regularPrice);
          const pct = percentOff(i.regularPrice, i.salePrice!);
          return { price, was, percentOff: text.percentOff(pct), line: text.salePrice(price, was, pct) };
        })()
      : null;
    return {
      name: i.name,
      // The shop's product page is found by slug; without one, the wishlist page lists the item.
      url: i.slug?.trim() ? `${storefront}/product/${encodeURIComponent(i.slug.trim())}` : `${storefront}${settings.wishlistPath}`,
      imageUrl: i.imageUrl ? absoluteUrl(i.imageUrl, storefront) : null,
      sale,
      status: onSale ? null : text.backInStock,
      endsLine: onSale && i.saleEndsAt ? text.saleEnds(dates.format(i.saleEndsAt)) : null,
      stopLabel: text.stopItem[i.kind],
      stopUrl: unsubscribeUrl({ type: 'item', wishlistId: i.wishlistId, kind: i.kind }),
    };
  };

  return (input) => {
    const storefront = settings.storefronts[input.region];
    const money = moneyFor(input.currency);
    const kinds = ALERT_KINDS.filter((k) => input.items.some((i) => i.kind === k));
    const digest = input.digest || kinds.length > 1;
    const only = kinds[0];
    const subject = digest
      ? text.digestSubject(input.items.length)
      : text.subject(only, subjectName(input.items[0].name), input.items.length - 1);
    const stopAllUrl = unsubscribeUrl({ type: 'all', userId: input.userId });
    const shopName = input.header?.title?.trim() || settings.shopName;
    const view: AlertView = {
      lang,
      subject,
      greeting: text.greeting(input.firstName),
      intro: digest ? text.digestIntro(input.items.length) : text.intro(only, input.items.length),
      note: input.digest ? text.digestHeldNote : null,
      sections: kinds.map((kind) => ({
        kind,
        heading: digest ? text.section[kind] : null,
        items: input.items.filter((i) => i.kind === kind).map((i) => itemView(i, storefront, money)),
      })),
      shopName,
      shopUrl: storefront,
      logoUrl: input.header?.image ? absoluteUrl(input.header.image, storefront) : null,
      viewLabel: text.viewItem,
      footer: text.footer(shopName),
      manageLabel: text.manage,
      manageUrl: `${storefront}${settings.wishlistPath}`,
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
