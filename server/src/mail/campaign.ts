import type { AlertKind } from '../domain';
import type { UtmSettings } from '../config/proof';

/**
 * The utm_campaign of each kind's links: the shop's visitor analytics group its sessions by
 * it. A new kind adds its line here (the type asks for it).
 */
export const UTM_CAMPAIGN: Readonly<Record<AlertKind, string>> = {
  sale: 'sale',
  price_drop: 'price-drop',
  stock: 'restock',
};

/**
 * The link with the alert's campaign tags added; its own query and fragment are kept, and a
 * tag it already carries is replaced rather than repeated. Off (or a link URL cannot parse):
 * the link as given.
 */
export function tagLink(link: string, kind: AlertKind, utm: UtmSettings): string {
  if (!utm.enabled) return link;
  let u: URL;
  try {
    u = new URL(link);
  } catch {
    return link;
  }
  u.searchParams.set('utm_source', utm.source);
  u.searchParams.set('utm_medium', utm.medium);
  u.searchParams.set('utm_campaign', UTM_CAMPAIGN[kind]);
  return u.toString();
}
