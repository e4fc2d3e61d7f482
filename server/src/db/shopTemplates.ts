import type { Db } from './pool';
import { ALERT_KINDS, AlertKind } from '../domain';

/** The shop's admin-editable template row of an alert kind, as far as the module uses it. */
export interface ShopTemplate {
  /** Switched off in the shop's admin: that kind of alert is neither queued nor sent. */
  active: boolean;
  headerImage: string | null;
  headerTitle: string | null;
}

export const TEMPLATE_TYPES: Record<AlertKind, string> = {
  sale: 'wishlist_sale_notification',
  stock: 'wishlist_stock_notification',
};

const MISSING: ShopTemplate = { active: true, headerImage: null, headerTitle: null };

/**
 * The two wishlist template rows of the shop's email_templates. A missing row (or table)
 * switches nothing off: the module renders with its own templates either way.
 */
export async function readShopTemplates(db: Db): Promise<Record<AlertKind, ShopTemplate>> {
  const out: Record<AlertKind, ShopTemplate> = { sale: MISSING, stock: MISSING };
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
  for (const kind of ALERT_KINDS) {
    const row = rows.find((r) => r.type === TEMPLATE_TYPES[kind]);
    if (row) out[kind] = { active: row.active !== false, headerImage: row.headerImage, headerTitle: row.headerTitle };
  }
  return out;
}
