import type { Db } from './pool';
import { ALERT_KINDS, AlertKind } from '../domain';

/** The shop's admin-editable template row of an alert kind, as far as the module uses it. */
export interface ShopTemplate {
  /** The row's type: what the shop's email_logs name the email by. */
  type: string;
  /** Switched off in the shop's admin: that kind of alert is neither queued nor sent. */
  active: boolean;
  headerImage: string | null;
  headerTitle: string | null;
}

/**
 * The row of each kind. The shop has no price-drop row: until it adds one of that type,
 * price drops go by the sale row (its switch, its header, its name in email_logs).
 */
export const TEMPLATE_TYPES: Record<AlertKind, string> = {
  sale: 'wishlist_sale_notification',
  price_drop: 'wishlist_price_drop_notification',
  stock: 'wishlist_stock_notification',
};

const missing = (type: string): ShopTemplate => ({ type, active: true, headerImage: null, headerTitle: null });

/**
 * The wishlist template rows of the shop's email_templates. A missing row (or table)
 * switches nothing off: the module renders with its own templates either way.
 */
export async function readShopTemplates(db: Db): Promise<Record<AlertKind, ShopTemplate>> {
  const { rows } = await db
    .query<{ type: string; active: boolean | null; headerImage: string | null; headerTitle: string | null }>(
      `SELECT type, is_active AS active, nullif(btrim(header_image), '') AS "headerImage",
              nullif(btrim(header_title), '') AS "headerTitle"
         FROM email_templates WHERE type = ANY($1::text[])`,
      [Object.values(TEMPLATE_TYPES)],
    )
    .catch((err: { code?: string }) => {
      if (err.code === '42P01') return { rows: [] }; // no such table: nothing switched off
      throw err;
    });
  const rowOf = (kind: AlertKind): ShopTemplate | null => {
    const row = rows.find((r) => r.type === TEMPLATE_TYPES[kind]);
    return row ? { type: row.type, active: row.active !== false, headerImage: row.headerImage, headerTitle: row.headerTitle } : null;
  };
  const out = {} as Record<AlertKind, ShopTemplate>;
  for (const kind of ALERT_KINDS) out[kind] = rowOf(kind) ?? missing(TEMPLATE_TYPES[kind]);
  out.price_drop = rowOf('price_drop') ?? out.sale;
  return out;
}

/** The kinds switched on: by the shop's template rows, price drops also by WISHLIST_PRICE_DROP_ENABLED. */
export function kindsOn(templates: Record<AlertKind, ShopTemplate>, priceDrops: boolean): AlertKind[] {
  return ALERT_KINDS.filter((k) => templates[k].active && (k !== 'price_drop' || priceDrops));
}
