import type { Region } from '../domain';
import type { envReader } from './envReader';

/** Emails a second each store's mail may go out at, for all instances together; null: no limit. */
export type MailRates = Record<Region, number | null>;

/**
 * Amazon SES's starting limit: a shop in production that has not said its provider's
 * limit sends no faster than the strictest common one (docs/operations.md, "Sending through
 * a provider"). Development and tests send as fast as the mail server takes it.
 */
export const PRODUCTION_DEFAULT_RATE = 14;

/**
 * WISHLIST_MAIL_RATE_PER_SECOND (the US store, and the EU store unless
 * WISHLIST_MAIL_RATE_PER_SECOND_EU says otherwise). 0 is no limit. The shop's
 * region_settings have no such key, so the environment is the one place it is set.
 */
export function readMailRates({ raw, num }: Pick<ReturnType<typeof envReader>, 'raw' | 'num'>, production: boolean): MailRates {
  const fallback = production ? PRODUCTION_DEFAULT_RATE : 0;
  const us = num('WISHLIST_MAIL_RATE_PER_SECOND', fallback, { min: 0, max: 100_000 });
  const eu = raw('WISHLIST_MAIL_RATE_PER_SECOND_EU') === undefined ? us : num('WISHLIST_MAIL_RATE_PER_SECOND_EU', us, { min: 0, max: 100_000 });
  return { us: us > 0 ? us : null, eu: eu > 0 ? eu : null };
}
