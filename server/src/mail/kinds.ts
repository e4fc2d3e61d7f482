export type AlertKind = 'sale' | 'stock';

export const ALERT_KINDS: readonly AlertKind[] = ['sale', 'stock'];
