import { catalogueFor } from './catalogue';
import { dateFormatter, moneyFormatter, percentOff } from './format';
import type { AlertKind } from './kinds';
import { ALERT_KINDS } from './kinds';
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
}

export interface AlertEmailInput {
  userId: number;
  firstName: string | null;
  items: AlertItem[];
  /** The daily cap held some of these back: say so, and show them by kind. */
  digest: boolean;
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
  frontendUrl: string;
  /** Where this server is reached: unsubscribe links point here. */
  publicUrl: string;
  locale: string;
  currency: string;
  timezone: string;
  unsubscribeSecret: string;
  unsubscribeMailto?: string;
}

export const UNSUBSCRIBE_PATH = '/wishlist-alerts/unsubscribe';

/** The mail settings from the one config; the secret is resolved by the caller (it may be generated). */
export function mailSettingsFrom(
  config: Pick<Config, 'shopName' | 'frontendUrl' | 'publicUrl' | 'shopLocale' | 'shopCurrency' | 'jobs' | 'unsubscribeMailto'>,
  unsubscribeSecret: string,
): MailSettings {
  return {
    shopName: config.shopName,
    frontendUrl: config.frontendUrl,
    publicUrl: config.publicUrl,
    locale: config.shopLocale,
    currency: config.shopCurrency,
    timezone: config.jobs['wishlist-sale-check'].timezone,
    unsubscribeSecret,
    unsubscribeMailto: config.unsubscribeMailto,
  };
}

/** Builds the renderer once per process: formatters and the catalogue are made here, not per email. */
export function createAlertRenderer(settings: MailSettings): (input: AlertEmailInput) => RenderedEmail {
  const text = catalogueFor(settings.locale);
  const money = moneyFormatter(settings.locale, settings.currency);
  const dates = dateFormatter(settings.locale, settings.timezone);
  const lang = new Intl.Locale(settings.locale).language;
  const unsubscribeUrl = (scope: UnsubscribeScope) =>
    `${settings.publicUrl}${UNSUBSCRIBE_PATH}/${signUnsubscribe(settings.unsubscribeSecret, scope)}`;
  const productUrl = (i: AlertItem) => `${settings.frontendUrl}/product/${encodeURIComponent(i.slug ?? String(i.productId))}`;

  const itemView = (i: AlertItem): ItemView => {
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
      url: productUrl(i),
      sale,
      status: onSale ? null : text.backInStock,
      endsLine: onSale && i.saleEndsAt ? text.saleEnds(dates.format(i.saleEndsAt)) : null,
      stopLabel: text.stopItem[i.kind],
      stopUrl: unsubscribeUrl({ type: 'item', wishlistId: i.wishlistId, kind: i.kind }),
    };
  };

  return (input) => {
    const kinds = ALERT_KINDS.filter((k) => input.items.some((i) => i.kind === k));
    const digest = input.digest || kinds.length > 1;
    const only = kinds[0];
    const subject = digest
      ? text.digestSubject(input.items.length)
      : text.subject(only, input.items[0].name, input.items.length - 1);
    const stopAllUrl = unsubscribeUrl({ type: 'all', userId: input.userId });
    const view: AlertView = {
      lang,
      subject,
      greeting: text.greeting(input.firstName),
      intro: digest ? text.digestIntro(input.items.length) : text.intro(only, input.items.length),
      note: input.digest ? text.digestHeldNote : null,
      sections: kinds.map((kind) => ({
        kind,
        heading: digest ? text.section[kind] : null,
        items: input.items.filter((i) => i.kind === kind).map(itemView),
      })),
      shopName: settings.shopName,
      shopUrl: settings.frontendUrl,
      viewLabel: text.viewItem,
      footer: text.footer(settings.shopName),
      manageLabel: text.manage,
      manageUrl: `${settings.frontendUrl}/account/wishlist`,
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
