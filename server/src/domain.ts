/** The two kinds of alert: a product on the wishlist went on sale, or came back in stock. */
export type AlertKind = 'sale' | 'stock';
export const ALERT_KINDS: readonly AlertKind[] = ['sale', 'stock'];

/** The shop's two storefronts; each product belongs to one. */
export type Region = 'us' | 'eu';
export const REGIONS: readonly Region[] = ['us', 'eu'];

/** What started a job run. */
export type RunTrigger = 'scheduled' | 'manual' | 'catch-up';
