/**
 * The kinds of alert: a product on the wishlist went on sale, its regular price dropped
 * (no sale), or it came back in stock. In this order in an email that has several.
 */
export type AlertKind = 'sale' | 'price_drop' | 'stock';
export const ALERT_KINDS: readonly AlertKind[] = ['sale', 'price_drop', 'stock'];

/** The kinds a shopper turns off per item (the shop's two notify flags): a price drop goes with sales. */
export type PreferenceKind = 'sale' | 'stock';
export const preferenceKind = (kind: AlertKind): PreferenceKind => (kind === 'stock' ? 'stock' : 'sale');

/** The shop's two storefronts; each product belongs to one. */
export type Region = 'us' | 'eu';
export const REGIONS: readonly Region[] = ['us', 'eu'];

/** What started a job run. */
export type RunTrigger = 'scheduled' | 'manual' | 'catch-up';
